package dev.loupe.importing;

import java.nio.file.Path;
import java.util.List;

/**
 * Where an import puts what it finds (the project store implements it). The {@link Importer} calls
 * it from the thread that runs the import only, never concurrently, so an implementation needs no
 * locking of its own.
 */
public interface ImportSink {
    /** Whether this exact file (absolute path, size, modification time in ms) is already in the project. */
    boolean alreadyImported(Path file, long sizeBytes, long mtimeMs);

    /** Whether an image with this content (lower-case hex SHA-256) is already in the project. */
    boolean hasContent(String sha256);

    /** Takes in one new image. */
    void accept(ImportedImage image);

    /** Takes in several new images at once; override to insert them in one transaction. */
    default void acceptBatch(List<ImportedImage> images) {
        for (ImportedImage image : images) {
            accept(image);
        }
    }
}
