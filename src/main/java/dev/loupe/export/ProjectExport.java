package dev.loupe.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.loupe.DiskFullException;
import dev.loupe.Faults;
import dev.loupe.FileWrites;
import dev.loupe.LoupeException;
import dev.loupe.export.onnx.OnnxExport;
import dev.loupe.importing.SkippedFile;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.backbone.Dl4jBackbone;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectFolders;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.ModelVersionFile;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * What a project gives away: its model as a {@link LoupeModel} file, its labels as CSV or JSON, and its
 * labelled images copied into an ImageFolder tree ({@code DIR/<class>/<file>}).
 */
public final class ProjectExport {

    /** Label file formats, chosen by the file name's extension. */
    public enum LabelFormat { CSV, JSON }

    /** One current label: the image's absolute path as stored, and its class name. */
    public record LabelRow(String path, String label) {
    }

    /** What {@link #exportModel} wrote. */
    public record ModelExport(Path file, long modelVersion, int labelCount, List<ClassColumn> columns,
                              String backboneId) {
    }

    /**
     * What {@link #exportImageFolder} did.
     *
     * @param perClass  images copied per class folder name, in class order
     * @param notCopied labelled images that could not be copied (missing on disk, unreadable), with the reason
     */
    public record ImageFolderExport(Path dir, int copied, Map<String, Integer> perClass, List<SkippedFile> notCopied) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> WINDOWS_RESERVED = Set.of("CON", "PRN", "AUX", "NUL",
            "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");

    private ProjectExport() {
    }

    // ---- model -------------------------------------------------------------------------------------------

    /** The model version to export: {@code versionId}, or the latest when null. */
    public static ModelVersion modelVersion(ProjectStore store, Long versionId) {
        List<ModelVersion> versions = store.modelVersions();
        if (versions.isEmpty()) {
            throw new LoupeException("no model yet: label some images first, or run `loupe train`");
        }
        if (versionId == null) {
            return versions.get(versions.size() - 1);
        }
        return versions.stream().filter(v -> v.id() == versionId).findFirst().orElseThrow(() -> new LoupeException(
                "The project has no model version " + versionId + "; it has "
                        + versions.stream().map(v -> String.valueOf(v.id())).toList() + "."));
    }

    /**
     * Writes model version {@code versionId} (latest when null) with the project's backbone to {@code out}.
     * Refuses when the version was trained on another backbone than the project's current one.
     */
    public static ModelExport exportModel(ProjectStore store, Long versionId, Path out) {
        return withModel(store, versionId, (backbone, m) -> {
            Map<String, Object> provenance = new LinkedHashMap<>();
            provenance.put(LoupeModel.PROJECT, store.dir().getFileName().toString());
            provenance.put(LoupeModel.MODEL_VERSION, m.version().id());
            provenance.put(LoupeModel.LABEL_COUNT, m.version().labelCount());
            provenance.put("journal_seq", m.file().journalSeq());
            provenance.put("model_version_created_ms", m.version().createdMs());
            provenance.put("backbone_spec", m.spec());
            Path file = backboneFile(store, m.spec());
            if (file == null && !(backbone instanceof OnnxBackbone) && !(backbone instanceof Dl4jBackbone)) {
                throw new LoupeException("Cannot export a model on the backbone " + backbone.id() + " ("
                        + backbone.getClass().getSimpleName() + "): only DL4J and ONNX backbones can be saved in a model file.");
            }
            try {
                FileWrites.check(out);
                if (file != null) {
                    LoupeModel.write(out, file, m.file().state(), m.columns(), provenance);
                } else if (backbone instanceof OnnxBackbone onnx) {
                    LoupeModel.write(out, onnx, m.file().state(), m.columns(), provenance);
                } else {
                    LoupeModel.write(out, (Dl4jBackbone) backbone, m.file().state(), m.columns(), provenance);
                }
            } catch (IOException | LoupeException e) {
                if (Faults.isDiskFull(e)) {
                    long needed = (file != null ? sizeOf(file) : backbone instanceof OnnxBackbone onnx ? sizeOf(onnx.modelFile()) : 0)
                            + sizeOf(store.dir().resolve(m.version().file()));
                    throw DiskFullException.of(out, "the model file was not written (nothing was left in its place)",
                            needed, "export it again", e);
                }
                throw e instanceof LoupeException le ? le
                        : new LoupeException("Cannot write the model file " + out + ": " + Faults.describe(e) + ".", e);
            }
            return new ModelExport(out, m.version().id(), m.version().labelCount(), m.columns(), backbone.id());
        });
    }

    /**
     * Writes model version {@code versionId} (latest when null) as one ONNX file with a model card beside it
     * ({@link OnnxExport}); the same refusals as {@link #exportModel}.
     */
    public static OnnxExport.Result exportOnnx(ProjectStore store, Long versionId, Path out) {
        OnnxExport.checkTarget(out);
        return withModel(store, versionId, (backbone, m) -> {
            Map<String, Integer> perClass = new LinkedHashMap<>();
            for (LabelRow row : labels(store)) {
                perClass.merge(row.label(), 1, Integer::sum);
            }
            return OnnxExport.write(out, backbone, m.file().state(), m.columns(), new OnnxExport.Provenance(
                    store.dir().getFileName().toString(), m.version().id(), m.version().labelCount(), perClass));
        });
    }

    /** A saved model version with what an export needs to know about it. */
    private record SavedModel(ModelVersion version, ModelVersionFile file, String spec, List<ClassColumn> columns) {
    }

    /** Loads the version and the project's backbone, checks they belong together, and hands both to {@code export}. */
    private static <R> R withModel(ProjectStore store, Long versionId, BiFunction<Backbone, SavedModel, R> export) {
        ModelVersion mv = modelVersion(store, versionId);
        ModelVersionFile mvf = ModelVersionFile.read(store.dir().resolve(mv.file()));
        String spec = ProjectBackbone.spec(store);
        try (Backbone backbone = ProjectBackbone.load(store)) {
            if (!backbone.id().equals(mvf.backboneId())) {
                throw new LoupeException("Model version " + mv.id() + " was trained on the backbone " + mvf.backboneId()
                        + " but the project's base model is now " + backbone.id() + " ('" + spec + "'), so it cannot"
                        + " be exported with it. Train the model again on the current base model and export that.");
            }
            return export.apply(backbone, new SavedModel(mv, mvf, spec, columns(store, mvf)));
        }
    }

    /** Column k of the model version: its class's name, inactive when the class is deleted or the head masks it. */
    static List<ClassColumn> columns(ProjectStore store, ModelVersionFile mvf) {
        List<ClassColumn> columns = new ArrayList<>();
        for (int k = 0; k < mvf.classIds().size(); k++) {
            long id = mvf.classIds().get(k);
            LabelClass c = store.classById(id).orElse(null);
            if (c == null || c.deleted()) {
                columns.add(ClassColumn.deleted(c == null ? "class " + id : c.name()));
            } else {
                columns.add(ClassColumn.live(c.name(), mvf.state().isActive(k)));
            }
        }
        return columns;
    }

    /**
     * The backbone zip behind a spec, copied as is so the exported backbone keeps its id; null for zoo and
     * Keras backbones, which exist only in memory.
     */
    private static Path backboneFile(ProjectStore store, String spec) {
        String s = spec.trim();
        if (s.equalsIgnoreCase(BackboneLoader.MODEL_ZERO)) {
            try {
                return BackboneLoader.locateModelZero();
            } catch (BackboneException e) {
                throw new LoupeException(e.getMessage(), e);
            }
        }
        if (s.regionMatches(true, 0, "zoo:", 0, 4) || s.indexOf('#') > 0
                || !s.toLowerCase(Locale.ROOT).endsWith(".zip")) {
            return null;
        }
        Path p = Path.of(s);
        return p.isAbsolute() ? p : store.dir().resolve(p);
    }

    // ---- labels ------------------------------------------------------------------------------------------

    /** The label file format for a file name, or a {@link LoupeException} saying which names work. */
    public static LabelFormat labelFormat(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return LabelFormat.CSV;
        }
        if (name.endsWith(".json")) {
            return LabelFormat.JSON;
        }
        throw new LoupeException("Cannot tell the label file format of " + file + ": name it FILE.csv or FILE.json.");
    }

    /** The project's current labels, sorted by path; excluded images are left out. */
    public static List<LabelRow> labels(ProjectStore store) {
        Map<Long, String> names = new HashMap<>();
        for (LabelClass c : store.allClasses()) {
            names.put(c.id(), c.name());
        }
        Map<Long, ImageRecord> images = new HashMap<>();
        for (ImageRecord r : store.images()) {
            images.put(r.id(), r);
        }
        List<LabelRow> rows = new ArrayList<>();
        java.util.Set<Long> excluded = store.excludedImages(); // excluded images (issue 14) leave the exports
        for (Map.Entry<Long, Long> e : store.currentLabels().entrySet()) {
            ImageRecord r = excluded.contains(e.getKey()) ? null : images.get(e.getKey());
            if (r != null) {
                rows.add(new LabelRow(r.path().toString(), names.get(e.getValue())));
            }
        }
        rows.sort(Comparator.comparing(LabelRow::path));
        return rows;
    }

    /** Writes the current labels to {@code out} as CSV or JSON (by its extension); returns how many. */
    public static int exportLabels(ProjectStore store, Path out) {
        LabelFormat format = labelFormat(out);
        List<LabelRow> rows = labels(store);
        // rendered first, so a full disk can be told how much the file needs
        StringWriter w = new StringWriter();
        try {
            if (format == LabelFormat.CSV) {
                writeCsv(w, rows);
            } else {
                List<Map<String, String>> list = new ArrayList<>();
                for (LabelRow r : rows) {
                    Map<String, String> m = new LinkedHashMap<>();
                    m.put("path", r.path());
                    m.put("label", r.label());
                    list.add(m);
                }
                w.write(JSON.writeValueAsString(list));
                w.write("\n");
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        writeAtomically(out, w.toString().getBytes(StandardCharsets.UTF_8));
        return rows.size();
    }

    /** RFC 4180: header {@code path,label}, CRLF line ends, fields with commas, quotes or line breaks quoted. */
    static void writeCsv(Writer w, List<LabelRow> rows) throws IOException {
        w.write("path,label\r\n");
        for (LabelRow r : rows) {
            w.write(csvField(r.path()));
            w.write(',');
            w.write(csvField(r.label()));
            w.write("\r\n");
        }
    }

    static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    private static void writeAtomically(Path out, byte[] content) {
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + out.getFileName() + "." + System.nanoTime() + ".tmp");
        try {
            FileWrites.check(out);
            Files.createDirectories(dir);
            Files.write(tmp, content);
            try {
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (Faults.isDiskFull(e)) {
                throw DiskFullException.of(out, "the file was not written (nothing was left in its place)", content.length,
                        "export it again", e);
            }
            throw new LoupeException("Cannot write " + out + ": " + Faults.describe(e) + ".", e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }

    // ---- ImageFolder -------------------------------------------------------------------------------------

    /** Refuses a target that exists and is a file or a non-empty folder, before anything is written. */
    public static void checkImageFolderTarget(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new LoupeException("Cannot export images to " + dir + ": it is a file. Choose a new or empty folder.");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            if (entries.iterator().hasNext()) {
                throw new LoupeException("Cannot export images to " + dir + ": the folder is not empty."
                        + " Choose a new or empty folder.");
            }
        } catch (IOException e) {
            throw new LoupeException("Cannot export images to " + dir + ": " + Faults.describe(e), e);
        }
    }

    /**
     * Copies (never moves) every labelled image to {@code dir/<class>/<file name>}; class names are made safe as
     * folder names and clashing names get {@code -2}, {@code -3}, ... An image missing on disk is reported in
     * {@link ImageFolderExport#notCopied()} and the export goes on.
     */
    public static ImageFolderExport exportImageFolder(ProjectStore store, Path dir) {
        checkImageFolderTarget(dir);
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        // Copied into a hidden folder beside the target and renamed at the end: a full disk or a crash halfway never
        // leaves a tree at DIR that looks like the complete export.
        Path partial = parent.resolve("." + target.getFileName() + ".partial-" + System.nanoTime());
        try {
            Files.createDirectories(parent);
            Files.createDirectory(partial);
        } catch (IOException e) {
            throw new LoupeException("Cannot create " + dir + ": " + Faults.describe(e) + ".", e);
        }
        try {
            ImageFolderExport x = copyLabelledImages(store, partial, dir);
            if (Files.isDirectory(target)) {
                Files.delete(target); // checked empty above; rename(2) needs it gone on some systems
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            return new ImageFolderExport(dir, x.copied(), x.perClass(), x.notCopied());
        } catch (IOException e) {
            throw new LoupeException("Cannot export images to " + dir + ": " + Faults.describe(e) + ".", e);
        } finally {
            ProjectFolders.removeQuietly(partial, false);
        }
    }

    /** Copies into {@code dir}, the hidden partial folder; messages name {@code target}, where the user wants them. */
    private static ImageFolderExport copyLabelledImages(ProjectStore store, Path dir, Path target) {
        // Folder names in class order, so the same project always gives the same tree.
        Map<String, String> folderOf = new HashMap<>();
        Set<String> usedFolders = new HashSet<>();
        // Only live classes carry labels.
        for (LabelClass c : store.classes()) {
            String folder = unique(safeFolderName(c.name()), usedFolders);
            folderOf.put(c.name(), folder);
        }
        Map<String, Set<String>> usedFiles = new HashMap<>();
        Map<String, Integer> perClass = new LinkedHashMap<>();
        List<SkippedFile> notCopied = new ArrayList<>();
        int copied = 0;
        List<LabelRow> rows = labels(store);
        for (int i = 0; i < rows.size(); i++) {
            LabelRow row = rows.get(i);
            Path src = Path.of(row.path());
            if (!Files.isRegularFile(src)) {
                notCopied.add(new SkippedFile(src, "file not found (moved or deleted since import)"));
                continue;
            }
            String folder = folderOf.get(row.label());
            Path classDir = dir.resolve(folder);
            String fileName = unique(src.getFileName().toString(), usedFiles.computeIfAbsent(folder, f -> new HashSet<>()));
            try {
                FileWrites.check(classDir.resolve(fileName));
                Files.createDirectories(classDir);
                Files.copy(src, classDir.resolve(fileName), StandardCopyOption.COPY_ATTRIBUTES);
                copied++;
                perClass.merge(folder, 1, Integer::sum);
            } catch (IOException e) {
                String undone = "the images were not exported (the " + copied + " copied so far were removed again)";
                if (Faults.isDiskFull(e)) {
                    throw DiskFullException.of(target, undone, bytesOf(rows.subList(i, rows.size())),
                            "export them again", e);
                }
                if (Faults.isReadOnly(e) && Files.isReadable(src)) { // the copy, not the image, is the problem
                    throw new LoupeException("Cannot export images to " + target + ": it cannot be written ("
                            + Faults.describe(e) + "), so " + undone + ". Choose a folder you can write to.", e);
                }
                notCopied.add(new SkippedFile(src, "could not copy: " + Faults.describe(e)));
            }
        }
        return new ImageFolderExport(dir, copied, perClass, notCopied);
    }

    /** The bytes of the files behind {@code rows} that still exist. */
    private static long bytesOf(List<LabelRow> rows) {
        long n = 0;
        for (LabelRow r : rows) {
            n += sizeOf(Path.of(r.path()));
        }
        return n;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * A folder name for a class that works on Linux, macOS and Windows and is not hidden: path separators,
     * reserved and control characters become '_', leading dots and trailing dots/spaces go, device names get '_'.
     */
    static String safeFolderName(String name) {
        StringBuilder sb = new StringBuilder();
        name.strip().codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f || "/\\:*?\"<>|".indexOf(cp) >= 0) {
                sb.append('_');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        String s = sb.toString();
        int start = 0;
        while (start < s.length() && s.charAt(start) == '.') {
            start++;
        }
        int end = s.length();
        while (end > start && (s.charAt(end - 1) == '.' || s.charAt(end - 1) == ' ')) {
            end--;
        }
        s = s.substring(start, end);
        if (s.isEmpty()) {
            return "_";
        }
        int dot = s.indexOf('.');
        if (WINDOWS_RESERVED.contains((dot < 0 ? s : s.substring(0, dot)).toUpperCase(Locale.ROOT))) {
            s = s + "_";
        }
        return s.length() > 120 ? s.substring(0, 120) : s;
    }

    /** {@code name}, or {@code name-2}, {@code name-3}... (before the extension), unused ignoring case; records it. */
    static String unique(String name, Set<String> used) {
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        String candidate = name;
        for (int n = 2; used.contains(candidate.toLowerCase(Locale.ROOT)); n++) {
            candidate = base + "-" + n + ext;
        }
        used.add(candidate.toLowerCase(Locale.ROOT));
        return candidate;
    }
}
