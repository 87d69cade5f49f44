package dev.loupe.importing;

import java.nio.file.Path;
import java.util.List;

/**
 * Where an import puts what it finds (the project store implements it). The {@link Importer} calls
 * it from the thread that runs the import only, never concurrently, so an implementation needs no
 * locking of its own.
 */
public interface ImportSink {
    /** The folder the sink writes to (a project), to name its disk when that is full; null when none. */
    default Path location() {
        return null;
    }

    /** Whether this exact file (absolute path, size, modification time in ms) is already in the project. */
    boolean alreadyImported(Path file, long sizeBytes, long mtimeMs);

    /** Whether an image with this content (lower-case hex SHA-256) is already in the project. */
    boolean hasContent(String sha256);

    /**
     * Whether the project has this content (see {@link #hasContent}) only under paths whose files are gone (moved,
     * renamed, on a drive mounted elsewhere): then the file just found is the same image, and {@link #relink} points
     * the project at it.
     */
    default boolean lostFile(String sha256) {
        return false;
    }

    /**
     * Points the images whose files are gone at the files found with their content (labels, embeddings and thumbnails
     * stay, as they are the same image), in one transaction; returns how many were found again.
     */
    default int relink(List<FoundAgain> found) {
        return 0;
    }

    /** Takes in one new image. */
    void accept(ImportedImage image);

    /** Takes in several new images at once; override to insert them in one transaction. */
    default void acceptBatch(List<ImportedImage> images) {
        for (ImportedImage image : images) {
            accept(image);
        }
    }
}
