package dev.loupe.importing;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * A decoded image ready for display or a model: {@code image} is TYPE_INT_RGB (alpha composited on
 * white), upright, and no larger than the requested side; {@code width}/{@code height} are the
 * original's, after EXIF orientation.
 */
public record DecodedImage(BufferedImage image, int width, int height, String format) {
    public DecodedImage {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(format, "format");
    }
}
