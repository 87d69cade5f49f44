package dev.loupe.importing;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.png.PngMetadataReader;
import com.drew.imaging.tiff.TiffMetadataReader;
import com.drew.imaging.webp.WebpMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.loupe.Faults;
import dev.loupe.importing.ImageDecodeException.Kind;

/**
 * Reads image files of any origin through ImageIO (with the TwelveMonkeys plugins) into bounded,
 * upright RGB images. Large images are read subsampled, so memory depends on the requested size,
 * not on the file; every failure becomes an {@link ImageDecodeException} with a short reason.
 * Thread-safe: each call uses its own reader. Not final so that tests can make a decode thread fail
 * the way no real file does (the importer and the embedder must survive any exception there).
 */
public class ImageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(ImageDecoder.class);

    /** Images with more pixels than this are refused: about 1 gigapixel (e.g. 31623×31623). */
    public static final long DEFAULT_MAX_PIXELS = 1_000_000_000L;

    /** The formats this decoder accepts, by the names used in {@link ImageInfo#format()}. */
    public static final List<String> FORMATS = List.of("jpeg", "png", "gif", "bmp", "tiff", "webp");

    private static volatile boolean pluginsChecked;

    private final long maxPixels;
    private final boolean scaledJpeg;
    private final boolean fullResolution;

    /**
     * What to tell the user about a file whose decoding threw {@code t}: the decoder's own reason, "too large" for
     * an OutOfMemoryError, else an internal error. Decode threads catch everything ({@code RuntimeException | Error})
     * and turn it into this, so one file never ends a whole run.
     */
    public static String failureReason(Throwable t) {
        if (t instanceof ImageDecodeException e) return e.reason();
        if (t instanceof OutOfMemoryError) return "image too large: not enough memory";
        return "internal error while decoding: " + t;
    }

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    public ImageDecoder(long maxPixels) {
        this(maxPixels, ScaledJpeg.ENABLED);
    }

    /**
     * @param scaledJpeg whether large plain JPEGs may be read at reduced size in the DCT domain (through the system's
     *                   libjpeg-turbo or OpenCV's, docs/adr/0030-photo-decoding.md, 0039-simd-jpeg.md); false reads
     *                   every file through ImageIO
     */
    public ImageDecoder(long maxPixels, boolean scaledJpeg) {
        this(maxPixels, scaledJpeg, false);
    }

    private ImageDecoder(long maxPixels, boolean scaledJpeg, boolean fullResolution) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive");
        }
        this.maxPixels = maxPixels;
        this.scaledJpeg = scaledJpeg;
        this.fullResolution = fullResolution;
        ensurePlugins();
    }

    /**
     * A decoder that reads every pixel of every file through ImageIO (no subsampling, no DCT scaling) before scaling
     * down: the reference the faster paths are compared with. Slow, and its memory grows with the file.
     */
    public static ImageDecoder fullResolution() {
        return new ImageDecoder(DEFAULT_MAX_PIXELS, false, true);
    }

    /** A decoder that reads every file through ImageIO, as Loupe did before reduced JPEG decoding (to compare). */
    public static ImageDecoder imageIoOnly() {
        return new ImageDecoder(DEFAULT_MAX_PIXELS, false);
    }

    /**
     * Which library reads large JPEGs reduced in the DCT domain here: "turbojpeg" (the system's libjpeg-turbo, with
     * SIMD), "opencv" (OpenCV's bundled build, no SIMD) or "none" (ImageIO reads them, subsampled). For benchmarks.
     */
    public static String reducedJpegLibrary() {
        return !ScaledJpeg.ENABLED ? "none" : TurboJpeg.available() ? "turbojpeg"
                : ScaledJpeg.openCvAvailable() ? "opencv" : "none";
    }

    /**
     * Makes sure the TwelveMonkeys readers are registered. ImageIO finds them by service loading
     * when its registry is first built; a registry built earlier under another class loader (an
     * IDE, a test runner) may miss them, so scan once more with this class's loader.
     */
    static void ensurePlugins() {
        if (pluginsChecked) {
            return;
        }
        synchronized (ImageDecoder.class) {
            if (pluginsChecked) {
                return;
            }
            if (!ImageIO.getImageReadersByFormatName("webp").hasNext()) {
                Thread t = Thread.currentThread();
                ClassLoader old = t.getContextClassLoader();
                try {
                    t.setContextClassLoader(ImageDecoder.class.getClassLoader());
                    ImageIO.scanForPlugins();
                } finally {
                    t.setContextClassLoader(old);
                }
            }
            if (!ImageIO.getImageReadersByFormatName("webp").hasNext()) {
                LOG.warn("No WebP reader registered: WebP files will be skipped as unsupported");
            }
            pluginsChecked = true;
        }
    }

    /** Reads format, size and EXIF orientation from the file's header, without decoding pixels. */
    public ImageInfo probe(Path file) throws ImageDecodeException {
        try (Session s = open(file)) {
            return s.info();
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException | StackOverflowError | LinkageError e) {
            throw failure(e, null);
        } catch (OutOfMemoryError e) {
            throw new ImageDecodeException(Kind.TOO_LARGE, "not enough memory to read this image");
        }
    }

    /**
     * Decodes {@code file} into an upright TYPE_INT_RGB image whose longer side is at most
     * {@code maxSide}. Pixels beyond what that size needs are never held in memory.
     */
    public DecodedImage decode(Path file, int maxSide) throws ImageDecodeException {
        if (maxSide < 1) {
            throw new IllegalArgumentException("maxSide must be positive: " + maxSide);
        }
        ImageInfo info = null;
        try (Session s = open(file)) {
            info = s.info();
            return s.decode(maxSide);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException | StackOverflowError | LinkageError e) {
            throw failure(e, info);
        } catch (OutOfMemoryError e) {
            // One file must never take the import down: the memory it grabbed is garbage now.
            throw failure(e, info);
        }
    }

    static ImageDecodeException failure(Throwable e, ImageInfo info) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            // ImageIO wraps an OutOfMemoryError from inside a reader in an IIOException.
            if (c instanceof OutOfMemoryError) {
                String dims = info == null ? "" : " (" + info.width() + "×" + info.height() + ")";
                return new ImageDecodeException(Kind.TOO_LARGE, "image too large" + dims + ": not enough memory to decode it");
            }
        }
        String msg = Faults.describe(e) == null ? "" : Faults.describe(e).toLowerCase(Locale.ROOT);
        if (e instanceof AccessDeniedException) {
            return new ImageDecodeException(Kind.UNREADABLE, "unreadable: permission denied", e);
        }
        if (e instanceof NoSuchFileException) {
            return new ImageDecodeException(Kind.UNREADABLE, "unreadable: file disappeared", e);
        }
        if (msg.contains("unsupported") || msg.contains("not supported")) {
            String fmt = info == null ? "" : " (" + info.format() + " variant)";
            LOG.debug("Unsupported variant: {}", e.toString());
            return new ImageDecodeException(Kind.UNSUPPORTED, Kind.UNSUPPORTED.reason() + fmt, e);
        }
        LOG.debug("Decoding failed: {}", e.toString());
        return new ImageDecodeException(Kind.CORRUPT, Kind.CORRUPT.reason(), e);
    }

    private Session open(Path file) throws ImageDecodeException, IOException {
        long size;
        byte[] head;
        try {
            size = Files.size(file);
            if (size == 0) {
                throw new ImageDecodeException(Kind.EMPTY);
            }
            try (InputStream in = Files.newInputStream(file)) {
                head = in.readNBytes(32);
            }
        } catch (AccessDeniedException e) {
            throw new ImageDecodeException(Kind.UNREADABLE, "unreadable: permission denied", e);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(Kind.UNREADABLE, "unreadable: file disappeared", e);
        } catch (IOException e) {
            throw new ImageDecodeException(Kind.UNREADABLE, "unreadable: " + FolderScanner.describe(e), e);
        }
        String format = Magic.supported(head);
        if (format == null) {
            String other = Magic.knownUnsupported(head);
            if (other != null) {
                throw new ImageDecodeException(Kind.UNSUPPORTED, Kind.UNSUPPORTED.reason() + " (" + other + ")");
            }
            throw new ImageDecodeException(Kind.NOT_AN_IMAGE);
        }
        if (!ImageIO.getImageReadersByFormatName(format).hasNext()) {
            throw new ImageDecodeException(Kind.UNSUPPORTED, Kind.UNSUPPORTED.reason() + " (" + format + ": no reader installed)");
        }
        ImageInputStream iis = ImageIO.createImageInputStream(file.toFile());
        if (iis == null) {
            throw new ImageDecodeException(Kind.UNREADABLE, "unreadable: cannot open the file");
        }
        try {
            ImageReader reader = readerFor(iis, format);
            if (reader == null) {
                // The signature matched but no reader accepts the rest of the header.
                throw new ImageDecodeException(Kind.CORRUPT);
            }
            Session s = new Session(file, format, iis, reader);
            iis = null;
            return s;
        } finally {
            if (iis != null) {
                iis.close();
            }
        }
    }

    private static ImageReader readerFor(ImageInputStream iis, String format) throws IOException {
        // Only providers for the sniffed format are asked: ImageIO also has readers (WBMP, ICO)
        // whose content check accepts almost any bytes, and foreign plugins on the class path (an
        // old TwelveMonkeys PSD comes with DL4J) must not get a chance to throw at us.
        Iterator<ImageReaderSpi> it = IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, true);
        while (it.hasNext()) {
            ImageReaderSpi spi = it.next();
            if (!Arrays.stream(spi.getFormatNames()).anyMatch(format::equalsIgnoreCase)) {
                continue;
            }
            try {
                if (spi.canDecodeInput(iis)) {
                    return spi.createReaderInstance();
                }
            } catch (IOException | RuntimeException | LinkageError e) {
                LOG.debug("{} refused the input: {}", spi.getClass().getName(), e.toString());
            } finally {
                iis.seek(0);
            }
        }
        return null;
    }

    /** One open file with its reader; closing it releases both. */
    private final class Session implements AutoCloseable {
        private final Path file;
        private final String format;
        private final ImageInputStream iis;
        private final ImageReader reader;
        private final List<String> warnings = new ArrayList<>();
        private ImageInfo info;
        private int rawWidth;
        private int rawHeight;

        Session(Path file, String format, ImageInputStream iis, ImageReader reader) {
            this.file = file;
            this.format = format;
            this.iis = iis;
            this.reader = reader;
            reader.setInput(iis, true, true);
            reader.addIIOReadWarningListener((src, warning) -> warnings.add(warning));
        }

        ImageInfo info() throws IOException, ImageDecodeException {
            if (info != null) {
                return info;
            }
            rawWidth = reader.getWidth(0);
            rawHeight = reader.getHeight(0);
            if (rawWidth <= 0 || rawHeight <= 0) {
                throw new ImageDecodeException(Kind.CORRUPT);
            }
            if ((long) rawWidth * rawHeight > maxPixels) {
                throw new ImageDecodeException(Kind.TOO_LARGE, "image too large (" + rawWidth + "×" + rawHeight + ")");
            }
            int orientation = readOrientation(file, format);
            boolean swap = orientation >= 5;
            info = new ImageInfo(format, swap ? rawHeight : rawWidth, swap ? rawWidth : rawHeight, orientation);
            return info;
        }

        DecodedImage decode(int maxSide) throws IOException, ImageDecodeException {
            ImageInfo i = info();
            int step = fullResolution ? 1 : subsampling(rawWidth, rawHeight, maxSide);
            if (format.equals("jpeg") && scaledJpeg) {
                BufferedImage scaled = readScaled(maxSide, step);
                if (scaled != null) {
                    return new DecodedImage(Images.orient(scaled, i.orientation()), i.width(), i.height(), format);
                }
            }
            String webpKind = format.equals("webp") ? webpKind(file) : null;
            long needed = estimateHeapBytes(webpKind, rawWidth, rawHeight, step);
            int permits = (int) Math.min(Integer.MAX_VALUE, (needed >> 20) + 1);
            if (permits > HEAP_BUDGET_MB) {
                throw new ImageDecodeException(Kind.TOO_LARGE, "image too large (" + rawWidth + "×" + rawHeight + ")");
            }
            ImageReadParam param = reader.getDefaultReadParam();
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            BufferedImage rgb;
            // Decodes that would together overrun the heap wait for each other instead.
            HEAP_BUDGET.acquireUninterruptibly(permits);
            try {
                BufferedImage raw = reader.read(0, param);
                for (String w : warnings) {
                    String lw = w.toLowerCase(Locale.ROOT);
                    // libjpeg fills a cut-off JPEG with grey and only warns: not a usable image.
                    if (lw.contains("premature end") || lw.contains("truncat")) {
                        throw new ImageDecodeException(Kind.CORRUPT, Kind.CORRUPT.reason());
                    }
                    LOG.debug("{}: {}", file, w);
                }
                rgb = Images.fitWithin(Images.toRgb(raw), maxSide);
            } finally {
                HEAP_BUDGET.release(permits);
            }
            return new DecodedImage(Images.orient(rgb, i.orientation()), i.width(), i.height(), format);
        }

        /**
         * A large JPEG read at 1/2..1/8 in the DCT domain, then scaled to the very size the ImageIO path gives (so
         * thumbnails keep their size to the pixel); null when the file is not for that path or OpenCV fails on it.
         */
        private BufferedImage readScaled(int maxSide, int step) throws IOException, ImageDecodeException {
            int d = ScaledJpeg.denominator(rawWidth, rawHeight, maxSide);
            long fileBytes = Files.size(file);
            if (d == 1 || fileBytes > Integer.MAX_VALUE - 64 || !ScaledJpeg.available()) {
                return null;
            }
            long reduced = ((long) rawWidth / d + 1) * ((long) rawHeight / d + 1);
            // the file's bytes on the heap and off it, BGR(X) bytes and the RGB image
            int permits = (int) Math.min(Integer.MAX_VALUE, ((2 * fileBytes + reduced * 8) >> 20) + 1);
            if (permits > HEAP_BUDGET_MB) {
                return null;
            }
            HEAP_BUDGET.acquireUninterruptibly(permits);
            try {
                BufferedImage img = ScaledJpeg.read(file, fileBytes, d);
                if (img == null) {
                    return null;
                }
                int[] target = Images.fittedSize((rawWidth + step - 1) / step, (rawHeight + step - 1) / step, maxSide);
                return Images.scaleTo(img, target[0], target[1]);
            } finally {
                HEAP_BUDGET.release(permits);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                reader.dispose();
            } finally {
                iis.close();
            }
        }
    }

    /**
     * The source subsampling the ImageIO path reads {@code width}×{@code height} with for {@code maxSide}: at most
     * about twice the target size, the rest done by a good downscale.
     */
    static int subsampling(int width, int height, int maxSide) {
        int longest = Math.max(width, height);
        return longest <= 2 * maxSide ? 1 : (int) Math.ceil(longest / (2.0 * maxSide));
    }

    /**
     * The size {@link #decode} gives an image whose header says {@code width}×{@code height} (either orientation):
     * {width, height}.
     */
    public static int[] decodedSize(int width, int height, int maxSide) {
        int step = subsampling(width, height, maxSide);
        return Images.fittedSize((width + step - 1) / step, (height + step - 1) / step, maxSide);
    }

    /** Heap, in MB, that decodes running at the same time may hold together: 60% of the maximum. */
    static final int HEAP_BUDGET_MB = (int) Math.max(32, Runtime.getRuntime().maxMemory() * 6 / 10 >> 20);
    private static final Semaphore HEAP_BUDGET = new Semaphore(HEAP_BUDGET_MB);

    /**
     * A pessimistic guess of the heap one decode needs. Readers that stream rows (PNG, GIF, BMP,
     * TIFF strips, JPEG through libjpeg) need little beyond the subsampled image; the TwelveMonkeys
     * WebP reader builds the whole frame whatever the subsampling. Measured on a 4000×3000 photo:
     * lossy (VP8) needed between 256 and 300 MB of heap (about 24 bytes a pixel), lossless (VP8L)
     * between 48 and 64 MB.
     */
    static long estimateHeapBytes(String webpKind, int width, int height, int step) {
        long readW = (width + step - 1) / step;
        long readH = (height + step - 1) / step;
        // 8 bytes a pixel for a 16-bit RGBA raster, 4 for its RGB copy; rows of 16-bit RGBA twice.
        long bytes = readW * readH * 12 + (long) width * 16;
        if (webpKind != null) {
            bytes += (long) width * height * ("VP8L".equals(webpKind) ? 6 : 24);
        }
        return bytes;
    }

    /** "VP8 " (lossy), "VP8L" (lossless) or "VP8X" (extended, treated as lossy) from a WebP header. */
    static String webpKind(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] h = in.readNBytes(16);
            return h.length < 16 ? "VP8X" : new String(h, 12, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /** EXIF orientation 1..8, or 1 when there is none or it cannot be read: metadata is optional. */
    static int readOrientation(Path file, String format) {
        if (!format.equals("jpeg") && !format.equals("tiff") && !format.equals("webp") && !format.equals("png")) {
            return 1;
        }
        try {
            Metadata md;
            if (format.equals("tiff")) {
                md = TiffMetadataReader.readMetadata(file.toFile());
            } else {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                    md = switch (format) {
                        case "jpeg" -> JpegMetadataReader.readMetadata(in, List.of(new ExifReader()));
                        case "webp" -> WebpMetadataReader.readMetadata(in);
                        default -> PngMetadataReader.readMetadata(in);
                    };
                }
            }
            ExifIFD0Directory dir = md.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (dir != null && dir.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                int o = dir.getInt(ExifIFD0Directory.TAG_ORIENTATION);
                if (o >= 1 && o <= 8) {
                    return o;
                }
            }
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            LOG.debug("No orientation for {}: {}", file, e.toString());
        }
        return 1;
    }

    /** Recognises image formats by their first bytes, never by the file name. */
    static final class Magic {
        private Magic() {
        }

        /** One of {@link #FORMATS}, or null. */
        static String supported(byte[] h) {
            if (starts(h, 0xFF, 0xD8, 0xFF)) {
                return "jpeg";
            }
            if (starts(h, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
                return "png";
            }
            if (starts(h, 'G', 'I', 'F', '8')) {
                return "gif";
            }
            if (starts(h, 'B', 'M')) {
                return "bmp";
            }
            if (starts(h, 'I', 'I', 42, 0) || starts(h, 'M', 'M', 0, 42)
                    || starts(h, 'I', 'I', 43, 0) || starts(h, 'M', 'M', 0, 43)) {
                return "tiff";
            }
            if (starts(h, 'R', 'I', 'F', 'F') && h.length >= 12 && ascii(h, 8, 4).equals("WEBP")) {
                return "webp";
            }
            return null;
        }

        /** The name of an image format we recognise but cannot read, or null. */
        static String knownUnsupported(byte[] h) {
            if (h.length >= 12 && ascii(h, 4, 4).equals("ftyp")) {
                String brand = ascii(h, 8, 4);
                if (brand.startsWith("avi")) {
                    return "AVIF";
                }
                if (brand.startsWith("hei") || brand.startsWith("hev") || brand.equals("mif1") || brand.equals("msf1")) {
                    return "HEIC";
                }
                return null;
            }
            if (starts(h, '8', 'B', 'P', 'S')) {
                return "PSD";
            }
            if (starts(h, 0xFF, 0x0A) || starts(h, 0, 0, 0, 0x0C, 'J', 'X', 'L', ' ')) {
                return "JPEG XL";
            }
            if (starts(h, 0, 0, 0, 0x0C, 'j', 'P', ' ', ' ') || starts(h, 0xFF, 0x4F, 0xFF, 0x51)) {
                return "JPEG 2000";
            }
            if (starts(h, 0, 0, 1, 0)) {
                return "ICO";
            }
            return null;
        }

        private static boolean starts(byte[] h, int... sig) {
            if (h.length < sig.length) {
                return false;
            }
            for (int i = 0; i < sig.length; i++) {
                if ((h[i] & 0xFF) != sig[i]) {
                    return false;
                }
            }
            return true;
        }

        private static String ascii(byte[] h, int off, int len) {
            if (h.length < off + len) {
                return "";
            }
            return new String(h, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }
}
