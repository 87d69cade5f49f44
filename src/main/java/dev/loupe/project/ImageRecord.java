package dev.loupe.project;

import java.nio.file.Path;

/** One row of the images table: a file referenced (never copied) by the project. */
public record ImageRecord(long id, Path path, Path root, String relPath, String sha256, long sizeBytes,
                          long mtimeMs, Integer width, Integer height, ImageStatus status,
                          String statusReason, long importedAtMs) {
}
