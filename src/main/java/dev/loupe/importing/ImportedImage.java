package dev.loupe.importing;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One image an import takes in, as handed to the {@link ImportSink}. {@code relPath} is relative to
 * {@code root} with '/' separators; {@code width}/{@code height} are after EXIF orientation;
 * {@code labelFromFolder} is null unless labels come from subfolders and this folder names one.
 */
public record ImportedImage(Path path, Path root, String relPath, String sha256, long sizeBytes, long mtimeMs,
                            int width, int height, String format, String labelFromFolder) {
    public ImportedImage {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(relPath, "relPath");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(format, "format");
    }
}
