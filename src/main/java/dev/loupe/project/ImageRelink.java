package dev.loupe.project;

import java.nio.file.Path;

/** An image found again at a new path (moved, renamed, on a drive mounted elsewhere): see {@link ProjectStore#relinkImages}. */
public record ImageRelink(long imageId, Path path, Path root, long sizeBytes, long mtimeMs) {
}
