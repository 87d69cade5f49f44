package dev.loupe.importing;

import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.twelvemonkeys.imageio.color.ColorSpaces;

import dev.loupe.Faults;

/**
 * Reads plain JPEGs at 1/2, 1/4 or 1/8 of their size in the DCT domain (libjpeg-turbo's {@code scale_denom}, reached
 * through the system's TurboJPEG where it is installed, {@link TurboJpeg}, else through OpenCV's
 * {@code IMREAD_REDUCED_COLOR_*}; docs/adr/0030-photo-decoding.md, 0039-simd-jpeg.md): the inverse DCT, upsampling and
 * colour conversion run on the reduced image only. Only what the ImageIO path would give the same pixels for is taken
 * (8-bit baseline or progressive Huffman, grey or YCbCr, no ICC profile other than sRGB, ending in EOI so it is not
 * cut off); anything else, and any failure here, leaves the file to ImageIO. Orientation is applied by the caller.
 */
final class ScaledJpeg {
    private static final Logger LOG = LoggerFactory.getLogger(ScaledJpeg.class);

    /** {@code -Dloupe.scaledJpeg=false} turns this path off (every JPEG then goes through ImageIO, as before). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("loupe.scaledJpeg"));

    private static final AtomicLong DECODES = new AtomicLong();
    private static volatile Boolean loaded;

    private ScaledJpeg() {
    }

    /** How many images this path has decoded in this JVM, through either library (tests check which path a file took). */
    static long decodes() {
        return DECODES.get();
    }

    /** Whether a library for this path loads here: the system's TurboJPEG or OpenCV's natives. */
    static boolean available() {
        return TurboJpeg.available() || openCvAvailable();
    }

    /** Whether OpenCV's natives load here; tried once. Platforms without them use ImageIO only. */
    static boolean openCvAvailable() {
        Boolean l = loaded;
        if (l == null) {
            synchronized (ScaledJpeg.class) {
                l = loaded;
                if (l == null) {
                    try {
                        Loader.load(opencv_imgcodecs.class);
                        l = true;
                    } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError: no natives for this system
                        LOG.info("OpenCV is not available ({}): large JPEGs are read through ImageIO", Faults.describe(t));
                        l = false;
                    }
                    loaded = l;
                }
            }
        }
        return l;
    }

    /**
     * The largest of 8, 4, 2 that leaves the longer side at least {@code needSide}, or 1 when even 1/2 would be too
     * small (then there is nothing to gain here).
     */
    static int denominator(int width, int height, int needSide) {
        int longest = Math.max(width, height);
        for (int d = 8; d >= 2; d /= 2) {
            // libjpeg rounds a scaled side up
            if ((longest + d - 1) / d >= needSide) {
                return d;
            }
        }
        return 1;
    }

    /** What the markers before the scan say, enough to decide whether this path may read the file. */
    record Header(int sof, int precision, int components, int adobeTransform, byte[] icc, boolean endsWithEoi) {
        boolean eligible() {
            if (!(sof == 0xC0 || sof == 0xC1 || sof == 0xC2) || precision != 8) {
                return false; // lossless, arithmetic-coded, 12-bit: ImageIO (or nobody)
            }
            if (components == 1) {
                return adobeTransform != 1 && adobeTransform != 2 && endsWithEoi && iccIsSrgb();
            }
            // 3 components: YCbCr (JFIF, or Adobe transform 1). Adobe 0 means RGB stored as is, which OpenCV reads
            // fine but which is rare enough to leave to ImageIO. CMYK/YCCK (4 components) always go to ImageIO.
            return components == 3 && (adobeTransform == -1 || adobeTransform == 1) && endsWithEoi && iccIsSrgb();
        }

        private boolean iccIsSrgb() {
            if (icc == null) {
                return true;
            }
            try {
                return ColorSpaces.isCS_sRGB(ICC_Profile.getInstance(icc));
            } catch (RuntimeException e) { // a broken profile: let ImageIO decide what to do with it
                return false;
            }
        }
    }

    /** Reads the markers up to the first scan; null when they do not parse as a JPEG. */
    static Header header(byte[] b) {
        return header(ByteBuffer.wrap(b));
    }

    /** {@link #header(byte[])} over a buffer's whole capacity (a file read into native memory). */
    static Header header(ByteBuffer b) {
        int length = b.capacity();
        if (length < 4 || (b.get(0) & 0xFF) != 0xFF || (b.get(1) & 0xFF) != 0xD8) {
            return null;
        }
        int sof = -1;
        int precision = -1;
        int components = -1;
        int adobe = -1;
        ByteArrayOutputStream icc = null;
        int i = 2;
        while (i + 4 <= length) {
            if ((b.get(i) & 0xFF) != 0xFF) {
                return null;
            }
            int marker = b.get(i + 1) & 0xFF;
            if (marker == 0xFF) { // fill byte
                i++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
                continue;
            }
            int len = ((b.get(i + 2) & 0xFF) << 8) | (b.get(i + 3) & 0xFF);
            if (len < 2 || i + 2 + len > length) {
                return null;
            }
            int p = i + 4; // segment payload
            int n = len - 2;
            if (marker == 0xDA) { // start of scan: the header is over
                boolean eoi = (b.get(length - 2) & 0xFF) == 0xFF && (b.get(length - 1) & 0xFF) == 0xD9;
                return sof < 0 ? null : new Header(sof, precision, components, adobe,
                        icc == null ? null : icc.toByteArray(), eoi);
            }
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                if (sof >= 0 || n < 6) {
                    return null; // a second frame header: not a plain JPEG
                }
                sof = marker;
                precision = b.get(p) & 0xFF;
                components = b.get(p + 5) & 0xFF;
            } else if (marker == 0xEE && n >= 12 && startsWith(b, p, "Adobe")) {
                adobe = b.get(p + 11) & 0xFF;
            } else if (marker == 0xE2 && n > 14 && startsWith(b, p, "ICC_PROFILE\0")) {
                if (icc == null) {
                    icc = new ByteArrayOutputStream();
                }
                byte[] chunk = new byte[n - 14];
                b.get(p + 14, chunk);
                icc.write(chunk, 0, chunk.length); // chunks come in order in every file we know of
            }
            i += 2 + len;
        }
        return null;
    }

    private static boolean startsWith(ByteBuffer b, int at, String ascii) {
        if (at + ascii.length() > b.capacity()) {
            return false;
        }
        for (int k = 0; k < ascii.length(); k++) {
            if (b.get(at + k) != (byte) ascii.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads {@code file} ({@code size} bytes) and decodes it as {@link #decode} does, or null when it is not a plain
     * JPEG for this path or neither library reads it. With TurboJPEG the bytes go straight into native memory: no
     * copy of a multi-megabyte photo on the Java heap, where each would be a humongous object for G1.
     */
    static BufferedImage read(Path file, long size, int denominator) throws IOException {
        if (!TurboJpeg.available()) {
            byte[] bytes = Files.readAllBytes(file);
            Header h = header(bytes);
            return h == null || !h.eligible() ? null : decode(bytes, denominator);
        }
        try (TurboJpeg.NativeBytes bytes = TurboJpeg.NativeBytes.read(file, size)) {
            if (bytes == null) {
                return null; // the file changed size under us: ImageIO reads what is there now
            }
            Header h = header(bytes.buffer());
            if (h == null || !h.eligible()) {
                return null;
            }
            BufferedImage img = TurboJpeg.decode(bytes, denominator);
            if (img == null && openCvAvailable()) {
                try (BytePointer data = new BytePointer(bytes.buffer())) { // the same native bytes, not copied
                    img = decodeWithOpenCv(data, denominator);
                }
            }
            if (img != null) {
                DECODES.incrementAndGet();
            }
            return img;
        }
    }

    /**
     * Decodes {@code bytes} at 1/{@code denominator} of its size into a TYPE_INT_RGB image as stored (no EXIF
     * orientation): through the system's SIMD libjpeg-turbo where it loads (docs/adr/0039-simd-jpeg.md), through
     * OpenCV when that is missing or refuses the file; null when neither reads it (the caller then asks ImageIO,
     * which gives the reason).
     */
    static BufferedImage decode(byte[] bytes, int denominator) {
        BufferedImage img = TurboJpeg.available() ? TurboJpeg.decode(bytes, denominator) : null;
        if (img == null && openCvAvailable()) {
            img = decodeWithOpenCv(bytes, denominator);
        }
        if (img != null) {
            DECODES.incrementAndGet();
        }
        return img;
    }

    /** {@link #decode} through OpenCV's bundled libjpeg-turbo (no SIMD); null when it cannot read the file. */
    static BufferedImage decodeWithOpenCv(byte[] bytes, int denominator) {
        try (BytePointer data = new BytePointer(bytes)) {
            return decodeWithOpenCv(data, denominator);
        }
    }

    private static BufferedImage decodeWithOpenCv(BytePointer data, int denominator) {
        int flag = switch (denominator) {
            case 2 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
            case 4 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
            case 8 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
            default -> throw new IllegalArgumentException("denominator must be 2, 4 or 8: " + denominator);
        };
        try (Mat buf = new Mat(1, (int) data.limit(), opencv_core.CV_8UC1, data);
             Mat bgr = opencv_imgcodecs.imdecode(buf, flag | opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION)) {
            if (bgr == null || bgr.empty() || bgr.channels() != 3 || bgr.depth() != opencv_core.CV_8U) {
                return null;
            }
            int w = bgr.cols();
            int h = bgr.rows();
            byte[] px = new byte[w * h * 3];
            if (bgr.isContinuous()) {
                bgr.data().get(px);
            } else {
                for (int y = 0; y < h; y++) {
                    bgr.ptr(y).get(px, y * w * 3, w * 3);
                }
            }
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int[] rgb = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
            for (int k = 0, s = 0; k < rgb.length; k++, s += 3) {
                rgb[k] = ((px[s + 2] & 0xFF) << 16) | ((px[s + 1] & 0xFF) << 8) | (px[s] & 0xFF);
            }
            return out;
        } catch (RuntimeException e) {
            LOG.debug("OpenCV could not read a JPEG, ImageIO will: {}", e.toString());
            return null;
        }
    }
}
