package dev.loupe.importing;

import java.nio.file.Path;
import java.util.Objects;

/** A file an import found whose content the project has under a path that is gone: the same image, moved. */
public record FoundAgain(Path path, Path root, String sha256, long sizeBytes, long mtimeMs) {
    public FoundAgain {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(sha256, "sha256");
    }
}
