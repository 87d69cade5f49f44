package dev.loupe.backbone.onnx;

import dev.loupe.Faults;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where an ONNX backbone's settings live: {@link OnnxBackboneMetadata} as JSON in a file beside the model
 * ({@code backbone.onnx} → {@code backbone.onnx}{@value #SUFFIX}), so the model file itself stays exactly the
 * published bytes.
 */
public final class OnnxBackboneFiles {

    /** Appended to the model file's name to name its settings file. */
    public static final String SUFFIX = ".loupe.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private OnnxBackboneFiles() {
    }

    /** The settings file of a model file. */
    public static Path metadataFile(Path modelFile) {
        return modelFile.resolveSibling(modelFile.getFileName() + SUFFIX);
    }

    /** The metadata as JSON bytes (for a settings file or a zip entry). */
    public static byte[] toJson(OnnxBackboneMetadata metadata) {
        try {
            return JSON.writeValueAsBytes(metadata);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses metadata JSON; {@code source} names where it came from in messages. */
    public static OnnxBackboneMetadata fromJson(byte[] json, String source) throws BackboneException {
        OnnxBackboneMetadata m;
        try {
            m = JSON.readValue(json, OnnxBackboneMetadata.class);
        } catch (IOException | RuntimeException e) {
            throw new BackboneException(source + ": the ONNX backbone settings are invalid: " + Faults.describe(e), e);
        }
        if (m.formatVersion() > OnnxBackboneMetadata.FORMAT_VERSION) {
            throw new BackboneException(source + ": written by a newer Loupe (ONNX backbone settings format "
                    + m.formatVersion() + ", this version reads " + OnnxBackboneMetadata.FORMAT_VERSION + ")");
        }
        return m;
    }

    /** Reads the settings file {@code file}. */
    public static OnnxBackboneMetadata read(Path file) throws BackboneException {
        try {
            return fromJson(Files.readAllBytes(file), file.getFileName().toString());
        } catch (NoSuchFileException e) {
            throw new BackboneException(file.getFileName() + ": file not found (" + file.toAbsolutePath() + ")", e);
        } catch (IOException e) {
            throw new BackboneException(file.getFileName() + ": could not read the file: " + Faults.describe(e), e);
        }
    }

    /** Writes the settings file {@code file}: to a temporary name, then moved into place. */
    public static void write(Path file, OnnxBackboneMetadata metadata) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + System.nanoTime() + ".tmp");
        try {
            Files.write(tmp, toJson(metadata));
            BackboneFiles.moveIntoPlace(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
