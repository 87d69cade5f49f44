package dev.loupe.importing;

import dev.loupe.FileWrites;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Thumbnails on disk, one JPEG per content hash, sharded by the hash's first two characters
 * ({@code thumbs/ab/abcdef….jpg}). Files are written to a temporary name and moved into place, so
 * a reader never sees half a thumbnail. Safe to use from several threads.
 */
public final class ThumbnailCache {
    /** Longest side of a thumbnail in pixels. */
    public static final int DEFAULT_SIDE = 256;
    public static final float DEFAULT_QUALITY = 0.85f;

    private static final Pattern HASH = Pattern.compile("[0-9a-f]{8,128}");

    private final Path dir;
    private final int side;
    private final float quality;

    public ThumbnailCache(Path dir) {
        this(dir, DEFAULT_SIDE, DEFAULT_QUALITY);
    }

    public ThumbnailCache(Path dir, int side, float quality) {
        if (side < 1 || quality <= 0 || quality > 1) {
            throw new IllegalArgumentException("bad thumbnail side " + side + " or quality " + quality);
        }
        this.dir = dir;
        this.side = side;
        this.quality = quality;
    }

    public Path dir() {
        return dir;
    }

    public int side() {
        return side;
    }

    /** Where the thumbnail for {@code hash} lives (whether or not it exists yet). */
    public Path pathFor(String hash) {
        String h = hash.toLowerCase(Locale.ROOT);
        if (!HASH.matcher(h).matches()) {
            // The hash becomes a file name: refuse anything that could climb out of the folder.
            throw new IllegalArgumentException("not a hex hash: " + hash);
        }
        return dir.resolve(h.substring(0, 2)).resolve(h + ".jpg");
    }

    /** The thumbnail file for {@code hash}, if one has been stored. */
    public Optional<Path> get(String hash) {
        Path p = pathFor(hash);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * Scales {@code image} to fit {@link #side()} and stores it as the thumbnail for {@code hash},
     * replacing any earlier one. Returns the file.
     */
    public Path put(String hash, BufferedImage image) throws IOException {
        int[] size = Images.fittedSize(image.getWidth(), image.getHeight(), side);
        return put(hash, image, size[0], size[1]);
    }

    /**
     * Stores {@code image} scaled to exactly {@code width}×{@code height} as the thumbnail for {@code hash} (the
     * importer gives the size a thumbnail of that image always had, whatever size it decoded the image at).
     */
    public Path put(String hash, BufferedImage image, int width, int height) throws IOException {
        Path target = pathFor(hash);
        FileWrites.check(target);
        Files.createDirectories(target.getParent());
        BufferedImage thumb = image.getWidth() == width && image.getHeight() == height ? Images.toRgb(image)
                : Images.scaleTo(image, width, height);
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            // libjpeg-turbo (SIMD) where installed: ImageIO's writer converts pixels row by row in Java, slower
            // than the whole encode there (docs/adr/0039-simd-jpeg.md). Same tables, subsampling and DCT.
            byte[] fast = TurboJpeg.available() ? TurboJpeg.encode(thumb, Math.round(quality * 100)) : null;
            try (OutputStream out = Files.newOutputStream(tmp)) {
                if (fast != null) {
                    out.write(fast);
                } else {
                    writeJpeg(thumb, out);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void writeJpeg(BufferedImage rgb, OutputStream out) throws IOException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IOException("no JPEG writer available");
        }
        ImageWriter writer = writers.next();
        // A memory-cached stream: ImageIO's default may create temp files for every thumbnail.
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(rgb, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    /** Loads what {@link #readForDisplay} reads JPEGs with (libjpeg-turbo through JNA, ~0.1 s the first time). */
    public static void prepareReader() {
        TurboJpeg.available();
    }

    /** Pixels to show: {@code argb} holds {@code width × height} opaque ARGB values, row by row. */
    public record Pixels(int width, int height, int[] argb) {
    }

    /**
     * Reads a thumbnail file (or any image ImageIO reads) for a tile of {@code side} pixels: a JPEG through the
     * system's libjpeg-turbo at the smallest DCT reduction whose longer side is still at least {@code side} (a 256-px
     * thumbnail for a 128-px tile: half size, no pixel loop in Java), anything else through ImageIO scaled to fit
     * {@code side}. The gallery calls this off the FX thread for each tile it shows (issue 16: JavaFX's own loader
     * delivered the first screen's 30 thumbnails over 1.5 s of frames).
     *
     * @throws IOException when the file cannot be read or is not an image
     */
    public static Pixels readForDisplay(Path file, int side) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        BufferedImage img = null;
        if ("jpeg".equals(ImageDecoder.Magic.supported(bytes)) && TurboJpeg.available()) {
            img = TurboJpeg.decodeAtLeast(bytes, side);
        }
        if (img == null) {
            BufferedImage read = ImageIO.read(new java.io.ByteArrayInputStream(bytes));
            if (read == null) {
                throw new IOException("not an image ImageIO reads: " + file.getFileName());
            }
            img = Images.fitWithin(Images.toRgb(read), side);
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getType() == BufferedImage.TYPE_INT_RGB
                && img.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferInt db && db.getOffset() == 0
                && db.getData().length == w * h
                ? db.getData() // TurboJPEG's images: the pixels as they are, no per-pixel colour model call
                : img.getRGB(0, 0, w, h, null, 0, w);
        for (int k = 0; k < argb.length; k++) {
            argb[k] |= 0xFF000000;
        }
        return new Pixels(w, h, argb);
    }
}
