package dev.loupe.project;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An image to register in the project; {@code path} must lie under {@code root}.
 * Width/height/sha256 may be null when the file could not be decoded (then status is usually FAILED).
 */
public record NewImage(Path path, Path root, String sha256, long sizeBytes, long mtimeMs,
                       Integer width, Integer height, ImageStatus status, String statusReason) {

    public NewImage {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(status, "status");
    }

    /** A successfully decoded image. */
    public NewImage(Path path, Path root, String sha256, long sizeBytes, long mtimeMs, int width, int height) {
        this(path, root, sha256, sizeBytes, mtimeMs, width, height, ImageStatus.OK, null);
    }
}
