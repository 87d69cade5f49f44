package dev.loupe.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.BackboneMetadata;
import dev.loupe.backbone.Dl4jBackbone;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.OnnxBackboneFiles;
import dev.loupe.backbone.onnx.OnnxBackboneMetadata;
import dev.loupe.training.Head;
import dev.loupe.training.HeadState;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A self-contained exported model: backbone, head and class columns in one zip that predicts without any
 * project. Layout (see docs/adr/0008-model-file.md):
 * <ul>
 *   <li>{@value #MANIFEST}: format version, creation time, Loupe version, class columns with their active flag,
 *       backbone id/name/dim/preprocessing, head shape, provenance (project, model version, label count);</li>
 *   <li>{@value #BACKBONE_ENTRY}: the backbone as a Loupe backbone zip ({@link BackboneFiles}), byte for byte; or,
 *       for an ONNX base model (format version 2), {@value #ONNX_ENTRY} (the model's bytes as published) and
 *       {@value #ONNX_METADATA_ENTRY} (its {@link OnnxBackboneMetadata});</li>
 *   <li>{@value #HEAD_ENTRY}: the exact {@link HeadState}.</li>
 * </ul>
 *
 * <p>Inactive columns (deleted or never-labelled classes) are masked when the model is loaded, so they get
 * probability exactly 0 and are never the label, whatever their weights. {@link #predict} is synchronized.
 */
public final class LoupeModel implements AutoCloseable {

    public static final String MANIFEST = "loupe-model.json";
    public static final String BACKBONE_ENTRY = "backbone.zip";
    public static final String HEAD_ENTRY = "head.bin";
    /** The ONNX base model of a model on an ONNX backbone. */
    public static final String ONNX_ENTRY = "backbone.onnx";
    /** Its settings: how it is fed and which tensor gives the embedding. */
    public static final String ONNX_METADATA_ENTRY = ONNX_ENTRY + OnnxBackboneFiles.SUFFIX;
    /** The newest format this Loupe writes and reads: 2 for ONNX backbones; DL4J backbones are still written as 1. */
    public static final int FORMAT_VERSION = 2;
    static final int DL4J_FORMAT_VERSION = 1;
    static final String ENGINE_ONNX = "onnx";
    static final String FORMAT_NAME = "loupe-model";

    /** Provenance keys written by Loupe's own export. */
    public static final String PROJECT = "project";
    public static final String MODEL_VERSION = "model_version";
    public static final String LABEL_COUNT = "label_count";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    private final Path file;
    private final Info info;
    private final Backbone backbone;
    private final Head head;
    private final HeadState state;
    // An ONNX backbone's files, unpacked for the life of the model.
    private final Path unpacked;
    private boolean closed;

    /**
     * What the manifest says about the model.
     *
     * @param formatVersion  file format version
     * @param created        when the file was written
     * @param loupeVersion   the Loupe that wrote it
     * @param columns        output columns in order, with the active flag as loaded (a column is active only
     *                       if both the manifest and the head say so)
     * @param backboneId     id of the nested backbone ({@code name@sha256-prefix} of its bytes)
     * @param sourceBackboneId id of the backbone the head was trained with, when it differs (a zoo or Keras
     *                       backbone re-saved as a zip); else equal to {@code backboneId}
     * @param backboneName   short backbone name
     * @param embeddingDim   embedding length
     * @param preprocessing  how images become backbone input
     * @param provenance     where the model came from ({@link #PROJECT}, {@link #MODEL_VERSION},
     *                       {@link #LABEL_COUNT}, ...)
     */
    public record Info(int formatVersion, Instant created, String loupeVersion, List<ClassColumn> columns,
                       String backboneId, String sourceBackboneId, String backboneName, int embeddingDim,
                       Preprocessing preprocessing, Map<String, Object> provenance) {
        public Info {
            columns = List.copyOf(columns);
            provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
        }
    }

    private LoupeModel(Path file, Info info, Backbone backbone, Head head, HeadState state, Path unpacked) {
        this.file = file;
        this.info = info;
        this.backbone = backbone;
        this.head = head;
        this.state = state;
        this.unpacked = unpacked;
    }

    // ---- writing -----------------------------------------------------------------------------------------

    /**
     * Writes a model file whose backbone is the Loupe backbone zip {@code backboneZip}, copied byte for byte
     * (so the nested backbone keeps its id). The file appears under {@code out} complete or not at all.
     *
     * @param columns    one per head output column, in order
     * @param provenance free-form facts about the origin; values must be JSON-friendly (strings, numbers, ...)
     */
    public static void write(Path out, Path backboneZip, HeadState head, List<ClassColumn> columns,
                             Map<String, Object> provenance) {
        write(out, backboneZip, null, head, columns, provenance);
    }

    /**
     * Writes a model file for an in-memory backbone (e.g. a zoo or Keras one): its network and metadata are
     * saved with {@link BackboneFiles#write}; the nested backbone then has an id of its own and the original
     * is kept as {@link Info#sourceBackboneId()}.
     */
    public static void write(Path out, Dl4jBackbone backbone, HeadState head, List<ClassColumn> columns,
                             Map<String, Object> provenance) {
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + out.getFileName() + ".backbone-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime() + ".zip");
        try {
            Files.createDirectories(dir);
            BackboneFiles.write(tmp, backbone.network(), backbone.metadata());
            write(out, tmp, backbone.id(), head, columns, provenance);
        } catch (IOException e) {
            throw new LoupeException("Cannot write the model file " + out + ": " + Faults.describe(e), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * Writes a model file on an ONNX backbone (format version 2): the model file's bytes as they are, so the nested
     * backbone keeps the project's id, and its settings. Companion files (a CLIP pair's text model) are not needed to
     * predict and are left out.
     */
    public static void write(Path out, OnnxBackbone backbone, HeadState head, List<ClassColumn> columns,
                             Map<String, Object> provenance) {
        OnnxBackboneMetadata metadata = backbone.metadata().withModelFile(ONNX_ENTRY).withCompanions(Map.of());
        ObjectNode b = JSON.createObjectNode();
        b.put("engine", ENGINE_ONNX);
        b.put("entry", ONNX_ENTRY);
        b.put("metadata_entry", ONNX_METADATA_ENTRY);
        b.put("id", backbone.id());
        b.put("name", metadata.name());
        b.put("embedding_dim", metadata.dim());
        b.put("embedding_tensor", metadata.embeddingTensor());
        b.put("sha256", metadata.sha256());
        b.set("preprocessing", JSON.valueToTree(metadata.preprocessing()));
        Path model = backbone.modelFile();
        writeZip(out, FORMAT_VERSION, b, metadata.dim(), head, columns, provenance, zip -> {
            zip.putNextEntry(new ZipEntry(ONNX_ENTRY));
            Files.copy(model, zip);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(ONNX_METADATA_ENTRY));
            zip.write(OnnxBackboneFiles.toJson(metadata));
            zip.closeEntry();
        });
    }

    private static void write(Path out, Path backboneZip, String sourceBackboneId, HeadState head,
                              List<ClassColumn> columns, Map<String, Object> provenance) {
        BackboneMetadata metadata;
        String backboneId;
        try {
            metadata = BackboneFiles.readMetadata(backboneZip);
            backboneId = metadata.name() + "@" + BackboneFiles.sha256(backboneZip).substring(0, 12);
        } catch (BackboneException e) {
            throw new LoupeException("Cannot export the model: its backbone cannot be read: " + e.getMessage(), e);
        }
        ObjectNode b = JSON.createObjectNode();
        b.put("entry", BACKBONE_ENTRY);
        b.put("id", backboneId);
        if (sourceBackboneId != null && !sourceBackboneId.equals(backboneId)) {
            b.put("source_id", sourceBackboneId);
        }
        b.put("name", metadata.name());
        b.put("embedding_dim", metadata.dim());
        b.set("preprocessing", JSON.valueToTree(metadata.preprocessing()));
        writeZip(out, DL4J_FORMAT_VERSION, b, metadata.dim(), head, columns, provenance, zip -> {
            zip.putNextEntry(new ZipEntry(BACKBONE_ENTRY));
            Files.copy(backboneZip, zip);
            zip.closeEntry();
        });
    }

    private interface BackboneEntries {
        void write(ZipOutputStream zip) throws IOException;
    }

    private static void writeZip(Path out, int formatVersion, ObjectNode backbone, int backboneDim, HeadState head,
                                 List<ClassColumn> columns, Map<String, Object> provenance, BackboneEntries entries) {
        Objects.requireNonNull(head, "head");
        if (head.config().inputDim() != backboneDim) {
            throw new LoupeException("Cannot export the model: the head expects " + head.config().inputDim()
                    + "-value embeddings but the backbone " + backbone.path("id").asText() + " gives " + backboneDim);
        }
        if (columns.size() != head.classCount()) {
            throw new IllegalArgumentException(columns.size() + " class columns for a head of " + head.classCount());
        }
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", FORMAT_NAME);
        manifest.put("format_version", formatVersion);
        manifest.put("created", Instant.now().toString());
        manifest.put("loupe_version", loupeVersion());
        ArrayNode classes = manifest.putArray("classes");
        for (int k = 0; k < columns.size(); k++) {
            ClassColumn c = columns.get(k);
            classes.addObject().put("name", c.name()).put("active", c.active() && head.isActive(k))
                    .put("deleted", c.deleted());
        }
        manifest.set("backbone", backbone);
        ObjectNode h = manifest.putObject("head");
        h.put("entry", HEAD_ENTRY);
        h.put("input_dim", head.config().inputDim());
        h.put("hidden_units", head.config().hiddenUnits());
        h.put("classes", head.classCount());
        manifest.set("provenance", JSON.valueToTree(provenance == null ? Map.of() : provenance));

        Path dir = out.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + out.getFileName() + "." + ProcessHandle.current().pid() + "."
                + System.nanoTime() + ".tmp");
        try {
            Files.createDirectories(dir);
            try (OutputStream raw = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
                zip.putNextEntry(new ZipEntry(MANIFEST));
                zip.write(JSON.writeValueAsBytes(manifest));
                zip.closeEntry();
                entries.write(zip);
                zip.putNextEntry(new ZipEntry(HEAD_ENTRY));
                head.withoutCalibrationRecords().writeTo(zip); // same probabilities; the project's labels stay home
                zip.closeEntry();
                zip.finish();
                zip.flush();
                if (raw instanceof FileOutputStream fos) {
                    fos.getFD().sync();
                }
            }
            try {
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new LoupeException("Cannot write the model file " + out + ": " + e, e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    // ---- reading -----------------------------------------------------------------------------------------

    /** Loads a model file; anything wrong with it is a {@link LoupeException} that names the file and the problem. */
    public static LoupeModel load(Path file) {
        String name = file.toString();
        if (!Files.exists(file)) {
            throw new LoupeException("Model file not found: " + file.toAbsolutePath());
        }
        if (Files.isDirectory(file)) {
            throw new LoupeException("not a Loupe model file: " + name + " is a folder");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            if (startsWithZipMagic(file)) {
                throw new LoupeException("The model file " + name + " is damaged or truncated: it starts like a zip"
                        + " archive but cannot be read (" + Faults.describe(e) + "). Export the model again.", e);
            }
            throw new LoupeException("not a Loupe model file: " + name + " is not a zip archive", e);
        } catch (IOException e) {
            throw new LoupeException("Cannot read the model file " + name + ": " + Faults.describe(e), e);
        }
        try (zip) {
            ZipEntry manifestEntry = zip.getEntry(MANIFEST);
            if (manifestEntry == null) {
                String hint = zip.getEntry(BackboneFiles.METADATA_ENTRY) != null
                        ? " (it is a backbone, i.e. a base model for a project, not an exported model)" : "";
                throw new LoupeException("not a Loupe model file: " + name + " has no " + MANIFEST + hint);
            }
            JsonNode manifest;
            try (InputStream in = zip.getInputStream(manifestEntry)) {
                manifest = JSON.readTree(in);
            }
            if (manifest == null || !FORMAT_NAME.equals(manifest.path("format").asText())) {
                throw new LoupeException("not a Loupe model file: " + name + ": " + MANIFEST + " is not a Loupe model manifest");
            }
            int version = manifest.path("format_version").asInt(-1);
            if (version > FORMAT_VERSION) {
                throw new LoupeException(name + " was written by a newer Loupe (model format " + version
                        + "; this Loupe reads up to " + FORMAT_VERSION + "). Upgrade Loupe to use it.");
            }
            if (version < 1) {
                throw new LoupeException("The model file " + name + " is damaged: " + MANIFEST + " has no valid format_version");
            }
            List<ClassColumn> declared = columns(manifest.path("classes"), name);
            ZipEntry headEntry = requireEntry(zip, HEAD_ENTRY, name);
            boolean onnx = ENGINE_ONNX.equals(manifest.path("backbone").path("engine").asText());
            ZipEntry backboneEntry = requireEntry(zip, onnx ? ONNX_ENTRY : BACKBONE_ENTRY, name);
            HeadState headState;
            try (InputStream in = zip.getInputStream(headEntry)) {
                headState = HeadState.readFrom(in);
            }
            if (declared.size() != headState.classCount()) {
                throw new LoupeException("The model file " + name + " is inconsistent: " + declared.size()
                        + " classes are listed but the head has " + headState.classCount() + " output columns."
                        + " Export the model again.");
            }
            Path unpacked = onnx ? Files.createTempDirectory("loupe-model-onnx") : null;
            Backbone backbone;
            try {
                backbone = onnx ? loadOnnxBackbone(zip, backboneEntry, requireEntry(zip, ONNX_METADATA_ENTRY, name),
                        unpacked, file) : loadBackbone(zip, backboneEntry, file);
            } catch (IOException | RuntimeException e) {
                deleteTree(unpacked);
                throw e;
            }
            try {
                if (backbone.dim() != headState.config().inputDim()) {
                    throw new LoupeException("The model file " + name + " is inconsistent: the backbone gives "
                            + backbone.dim() + "-value embeddings but the head expects " + headState.config().inputDim()
                            + " (made for another base model). Export the model again from its project.");
                }
                // Inactive columns are masked here, whatever the head says, so they can never win.
                Head head = Head.fromState(headState);
                List<ClassColumn> columns = new ArrayList<>(declared.size());
                for (int k = 0; k < declared.size(); k++) {
                    ClassColumn c = declared.get(k);
                    if (!c.active() && head.isActive(k)) {
                        head.deactivateClass(k);
                    }
                    columns.add(new ClassColumn(c.name(), c.active() && head.isActive(k), c.deleted()));
                }
                JsonNode b = manifest.path("backbone");
                Info info = new Info(version, parseInstant(manifest.path("created").asText(null)),
                        manifest.path("loupe_version").asText(""), columns, backbone.id(),
                        b.path("source_id").asText(backbone.id()), backbone.name(), backbone.dim(),
                        backbone.preprocessing(), provenance(manifest.path("provenance")));
                return new LoupeModel(file, info, backbone, head, head.state(), unpacked);
            } catch (RuntimeException e) {
                backbone.close();
                deleteTree(unpacked);
                throw e;
            }
        } catch (LoupeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new LoupeException("The model file " + name + " is damaged (" + Faults.describe(e)
                    + "). Export the model again.", e);
        }
    }

    private static List<ClassColumn> columns(JsonNode classes, String name) {
        if (!classes.isArray() || classes.isEmpty()) {
            throw new LoupeException("The model file " + name + " is damaged: " + MANIFEST + " lists no classes");
        }
        List<ClassColumn> out = new ArrayList<>();
        for (JsonNode c : classes) {
            boolean deleted = c.path("deleted").asBoolean(false);
            out.add(new ClassColumn(c.path("name").asText(""), !deleted && c.path("active").asBoolean(false), deleted));
        }
        return out;
    }

    private static Map<String, Object> provenance(JsonNode node) {
        if (!node.isObject()) {
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.convertValue(node, LinkedHashMap.class);
        return map;
    }

    private static Instant parseInstant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static ZipEntry requireEntry(ZipFile zip, String entry, String name) {
        ZipEntry e = zip.getEntry(entry);
        if (e == null) {
            throw new LoupeException("The model file " + name + " is incomplete: it has no " + entry + ". Export the model again.");
        }
        return e;
    }

    private static Dl4jBackbone loadBackbone(ZipFile zip, ZipEntry entry, Path file) throws IOException {
        // BackboneFiles reads from a path, so the nested zip goes through a temporary file.
        Path tmp = Files.createTempFile("loupe-model-backbone", ".zip");
        try {
            try (InputStream in = zip.getInputStream(entry)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return Dl4jBackbone.load(tmp);
        } catch (BackboneException e) {
            // the temporary copy's name means nothing to the user: name the entry in their file instead
            throw new LoupeException("The model file " + file + " has an unusable backbone: "
                    + e.getMessage().replace(tmp.getFileName().toString(), BACKBONE_ENTRY) + ". Export the model again.", e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Unpacks the ONNX model and its settings into {@code dir} (kept while the model is open) and opens it. */
    private static OnnxBackbone loadOnnxBackbone(ZipFile zip, ZipEntry model, ZipEntry settings, Path dir, Path file)
            throws IOException {
        try (InputStream in = zip.getInputStream(model)) {
            Files.copy(in, dir.resolve(ONNX_ENTRY));
        }
        byte[] json;
        try (InputStream in = zip.getInputStream(settings)) {
            json = in.readAllBytes();
        }
        try {
            OnnxBackboneMetadata metadata = OnnxBackboneFiles.fromJson(json, ONNX_METADATA_ENTRY);
            Files.write(dir.resolve(ONNX_METADATA_ENTRY), json);
            return OnnxBackbone.open(dir.resolve(ONNX_ENTRY), metadata);
        } catch (BackboneException e) {
            throw new LoupeException("The model file " + file + " has an unusable backbone: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(LoupeModel::deleteQuietly);
        } catch (IOException ignored) {
            // a leftover temporary folder is harmless
        }
    }

    private static boolean startsWithZipMagic(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(4), ZIP_MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    // ---- use ---------------------------------------------------------------------------------------------

    public Path file() {
        return file;
    }

    public Info info() {
        return info;
    }

    /** The nested backbone (a {@link Dl4jBackbone} or an {@link OnnxBackbone}); owned by this model and closed with it. */
    public Backbone backbone() {
        return backbone;
    }

    /** Class names in output-column order, inactive ones included. */
    public List<String> classNames() {
        return info.columns().stream().map(ClassColumn::name).toList();
    }

    public List<ClassColumn> columns() {
        return info.columns();
    }

    /** The head state with inactive columns masked: what {@link #predict} uses. */
    public HeadState headState() {
        return state;
    }

    /**
     * Installs the nested backbone, byte for byte, in a project folder: {@value #BACKBONE_ENTRY}, or
     * {@value #ONNX_ENTRY} with its settings file; returns the file name to record as the project's backbone.
     * Each file is written to a temp name, then moved.
     */
    public String installBackbone(Path projectDir) {
        boolean onnx = backbone instanceof OnnxBackbone;
        String main = onnx ? ONNX_ENTRY : BACKBONE_ENTRY;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Files.createDirectories(projectDir);
            extract(zip, requireEntry(zip, main, file.toString()), projectDir.resolve(main));
            if (onnx) {
                extract(zip, requireEntry(zip, ONNX_METADATA_ENTRY, file.toString()), projectDir.resolve(ONNX_METADATA_ENTRY));
            }
            return main;
        } catch (IOException e) {
            throw new LoupeException("Cannot copy the backbone of " + file + " to " + projectDir + ": " + Faults.describe(e), e);
        }
    }

    private static void extract(ZipFile zip, ZipEntry entry, Path target) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + System.nanoTime() + ".tmp");
        try {
            try (InputStream in = zip.getInputStream(entry)) {
                Files.copy(in, tmp);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Embeds the images with the backbone and classifies them; one prediction per image, in order. */
    public synchronized List<Prediction> predict(List<BufferedImage> images) {
        ensureOpen();
        if (images.isEmpty()) {
            return List.of();
        }
        return predictEmbeddings(backbone.embed(images));
    }

    /** Classifies embeddings made by {@link #backbone()}. */
    public synchronized List<Prediction> predictEmbeddings(float[][] embeddings) {
        ensureOpen();
        if (embeddings.length == 0) {
            return List.of();
        }
        INDArray x = Nd4j.createFromArray(embeddings);
        int c = state.classCount();
        float[] flat = Nd4j.toFlattened('c', head.predict(x)).toFloatVector();
        List<ClassColumn> columns = info.columns();
        List<Prediction> out = new ArrayList<>(embeddings.length);
        for (int i = 0; i < embeddings.length; i++) {
            float[] p = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
            int best = -1;
            for (int k = 0; k < c; k++) {
                if (!columns.get(k).active()) {
                    p[k] = 0f;
                } else if (best < 0 || p[k] > p[best]) {
                    best = k;
                }
            }
            out.add(best < 0 ? new Prediction(null, 0f, p) : new Prediction(columns.get(best).name(), p[best], p));
        }
        return out;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model " + file + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            backbone.close();
            deleteTree(unpacked);
        }
    }

    /** The running Loupe's version, or "development build" outside a packaged jar. */
    public static String loupeVersion() {
        String v = LoupeModel.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temp file is harmless
        }
    }

    @Override
    public String toString() {
        return file + " (" + classNames() + " on " + info.backboneId() + ")";
    }
}
