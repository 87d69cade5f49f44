package dev.loupe.backbone;

import dev.loupe.Faults;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Backbone zip files: a plain DL4J ModelSerializer zip with one extra entry,
 * {@value #METADATA_ENTRY}, holding {@link BackboneMetadata} as JSON. DL4J itself still opens them.
 */
public final class BackboneFiles {

    /** Zip entry holding the Loupe metadata. */
    public static final String METADATA_ENTRY = "loupe-backbone.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final LocalDateTime FIXED_ENTRY_TIME = LocalDateTime.of(2020, 1, 1, 0, 0);

    private BackboneFiles() {
    }

    /** A read backbone file: network, metadata, and the file's SHA-256 (hex). */
    public record Contents(Model network, BackboneMetadata metadata, String sha256) {
    }

    /**
     * Writes {@code network} plus {@code metadata} to {@code target}: to a temporary file in the same
     * folder first, then moved into place, so a crash never leaves a half-written backbone.
     */
    public static void write(Path target, Model network, BackboneMetadata metadata) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: its owner-only permissions would carry over to the model file.
        Path tmp = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + "."
                + System.nanoTime() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeTo(out, network, metadata);
            }
            moveIntoPlace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Moves a finished file over {@code target} atomically where the file system can (else a plain replace). */
    public static void moveIntoPlace(Path from, Path target) throws IOException {
        try {
            Files.move(from, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void writeTo(OutputStream out, Model network, BackboneMetadata metadata) throws IOException {
        // ModelSerializer closes the stream it writes to, so write the model zip to memory first and
        // copy its entries; model files here are a few MB.
        ByteArrayOutputStream modelZip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(network, modelZip, false);
        try (ZipOutputStream zip = new ZipOutputStream(out);
             ZipInputStream in = new ZipInputStream(
                     new ByteArrayInputStream(modelZip.toByteArray()))) {
            zip.putNextEntry(entry(METADATA_ENTRY));
            zip.write(JSON.writeValueAsBytes(metadata));
            zip.closeEntry();
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                zip.putNextEntry(entry(e.getName()));
                in.transferTo(zip);
                zip.closeEntry();
            }
        }
    }

    // A fixed entry time makes the same weights give the same bytes, hence the same backbone id.
    private static ZipEntry entry(String name) {
        ZipEntry e = new ZipEntry(name);
        e.setTimeLocal(FIXED_ENTRY_TIME);
        return e;
    }

    /** Metadata as JSON, for logs and tools. */
    public static String toJson(BackboneMetadata metadata) {
        try {
            return JSON.writeValueAsString(metadata);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads only the metadata of a backbone zip. */
    public static BackboneMetadata readMetadata(Path file) throws BackboneException {
        try (ZipFile zip = openZip(file)) {
            return metadata(zip, file);
        } catch (BackboneException e) {
            throw e;
        } catch (IOException e) {
            throw new BackboneException(file.getFileName() + ": could not read the file: " + Faults.describe(e), e);
        }
    }

    /** Reads network and metadata; every failure becomes a {@link BackboneException} with a plain message. */
    public static Contents read(Path file) throws BackboneException {
        String name = file.getFileName().toString();
        BackboneMetadata metadata;
        boolean graph;
        try (ZipFile zip = openZip(file)) {
            metadata = metadata(zip, file);
            ZipEntry conf = zip.getEntry(ModelSerializer.CONFIGURATION_JSON);
            if (conf == null || zip.getEntry(ModelSerializer.COEFFICIENTS_BIN) == null) {
                throw new BackboneException(name + ": the zip has Loupe metadata but no DL4J network ("
                        + ModelSerializer.CONFIGURATION_JSON + " / " + ModelSerializer.COEFFICIENTS_BIN + " missing)");
            }
            try (InputStream in = zip.getInputStream(conf)) {
                graph = JSON.readTree(in).has("vertices");
            }
        } catch (BackboneException e) {
            throw e;
        } catch (IOException e) {
            throw new BackboneException(name + ": could not read the file (truncated or damaged?): " + Faults.describe(e), e);
        }
        Model network;
        try {
            network = graph
                    ? ModelSerializer.restoreComputationGraph(file.toFile(), false)
                    : ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new BackboneException(name + ": the DL4J network in the file could not be restored (damaged file, or"
                    + " written by an incompatible DL4J version): " + Faults.describe(e), e);
        }
        return new Contents(network, metadata, sha256(file));
    }

    private static ZipFile openZip(Path file) throws BackboneException {
        String name = file.getFileName().toString();
        try {
            return new ZipFile(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new BackboneException(name + ": file not found (" + file.toAbsolutePath() + ")", e);
        } catch (ZipException e) {
            throw new BackboneException(name + ": not a backbone file: not a zip archive, or a truncated one ("
                    + Faults.describe(e) + ")", e);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new BackboneException(name + ": file not found (" + file.toAbsolutePath() + ")", e);
            }
            throw new BackboneException(name + ": could not open the file: " + Faults.describe(e), e);
        }
    }

    private static BackboneMetadata metadata(ZipFile zip, Path file) throws IOException {
        String name = file.getFileName().toString();
        ZipEntry entry = zip.getEntry(METADATA_ENTRY);
        if (entry == null) {
            boolean dl4j = zip.getEntry(ModelSerializer.CONFIGURATION_JSON) != null;
            throw new BackboneException("not a Loupe backbone: " + name + " has no " + METADATA_ENTRY
                    + (dl4j ? " (it is a plain DL4J model; Loupe needs to know its feature layers and preprocessing)" : ""));
        }
        try (InputStream in = zip.getInputStream(entry)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            BackboneMetadata metadata = JSON.readValue(text, BackboneMetadata.class);
            if (metadata.formatVersion() > BackboneMetadata.FORMAT_VERSION) {
                throw new BackboneException(name + ": written by a newer Loupe (backbone format "
                        + metadata.formatVersion() + ", this version reads " + BackboneMetadata.FORMAT_VERSION + ")");
            }
            return metadata;
        } catch (BackboneException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BackboneException(name + ": the Loupe metadata (" + METADATA_ENTRY + ") is invalid: "
                    + Faults.describe(e), e);
        }
    }

    /** SHA-256 of a file's bytes, lower-case hex. */
    public static String sha256(Path file) throws BackboneException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new BackboneException(file.getFileName() + ": could not read the file: " + Faults.describe(e), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
