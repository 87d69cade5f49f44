package dev.loupe.importing;

import java.nio.file.Path;
import java.util.Objects;

/** A file (or folder) that an import did not take in, with a short reason a user can read. */
public record SkippedFile(Path path, String reason) {
    public SkippedFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(reason, "reason");
    }
}
