package dev.loupe.importing;

/**
 * What a file's header says about an image, read without decoding pixels. {@code width} and
 * {@code height} are as displayed, i.e. after the EXIF {@code orientation} (1..8) is applied.
 */
public record ImageInfo(String format, int width, int height, int orientation) {
    /** Whether the orientation turns the image by a quarter, swapping width and height. */
    public boolean swapsAxes() {
        return orientation >= 5 && orientation <= 8;
    }
}
