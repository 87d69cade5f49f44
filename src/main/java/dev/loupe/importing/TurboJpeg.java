package dev.loupe.importing;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.loupe.Faults;

/**
 * Reads plain JPEGs at 1/2, 1/4 or 1/8 of their size through the system's libjpeg-turbo (its TurboJPEG API, with
 * SIMD), called through JNA, and encodes thumbnails with it (docs/adr/0039-simd-jpeg.md). The same pixels as OpenCV's
 * bundled build, which has no SIMD: 10–20 % less CPU for the decode (Huffman decoding, never SIMD, is most of it), no
 * OpenCV start-up, and a thumbnail encode 7× cheaper than ImageIO's. The library is looked up by name once; where it
 * is missing, fails to load, or reports any error or warning for a file, the caller goes on to OpenCV, then ImageIO.
 */
final class TurboJpeg {
    private static final Logger LOG = LoggerFactory.getLogger(TurboJpeg.class);

    /** {@code -Dloupe.turbojpeg=false} turns this path off (OpenCV then reads what it would have read). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("loupe.turbojpeg"));

    /** The names the library goes by: the plain one (macOS, Windows, a -dev package), then Debian's soname. */
    private static final String[] NAMES = {"turbojpeg", "libturbojpeg.so.0"};

    private static final String[] FUNCTIONS = {"tjInitDecompress", "tjDecompressHeader3", "tjDecompress2",
            "tjGetErrorStr2", "tjDestroy", "tjInitCompress", "tjCompress2", "tjFree"};
    private static final int TJSAMP_420 = 2;
    private static final int TJFLAG_STOPONWARNING = 8192;
    /** TJPF_BGRX or TJPF_XRGB: whichever puts a pixel in one native int as TYPE_INT_RGB holds it. */
    private static final int PIXEL_FORMAT = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 3 : 5;

    private static final AtomicLong DECODES = new AtomicLong();
    private static volatile Lib lib;
    private static volatile boolean tried;

    /** The part of TurboJPEG 2.x's C API this class calls (turbojpeg.h; also in libjpeg-turbo 3). */
    interface Lib extends Library {
        Pointer tjInitDecompress();

        int tjDecompressHeader3(Pointer handle, Pointer jpeg, NativeLong size, IntByReference width,
                                IntByReference height, IntByReference subsampling, IntByReference colorspace);

        int tjDecompress2(Pointer handle, Pointer jpeg, NativeLong size, Pointer dst, int width, int pitch,
                          int height, int pixelFormat, int flags);

        String tjGetErrorStr2(Pointer handle);

        Pointer tjInitCompress();

        int tjCompress2(Pointer handle, Pointer src, int width, int pitch, int height, int pixelFormat,
                        PointerByReference jpeg, NativeLongByReference jpegSize, int subsampling, int quality, int flags);

        void tjFree(Pointer buffer);

        int tjDestroy(Pointer handle);
    }

    private TurboJpeg() {
    }

    /** How many images this path has decoded in this JVM (tests check which path a file took). */
    static long decodes() {
        return DECODES.get();
    }

    /** Whether the system's TurboJPEG library loaded here (tried once); false when turned off. */
    static boolean available() {
        if (!tried) {
            synchronized (TurboJpeg.class) {
                if (!tried) {
                    lib = ENABLED ? load() : null;
                    tried = true;
                }
            }
        }
        return lib != null;
    }

    private static Lib load() {
        Throwable last = null;
        for (String name : NAMES) {
            try {
                NativeLibrary nl = NativeLibrary.getInstance(name);
                for (String f : FUNCTIONS) {
                    nl.getFunction(f); // an older library without one of them is not used at all
                }
                Lib l = Native.loadLibrary(name, Lib.class);
                LOG.debug("Large JPEGs are read through the system's TurboJPEG ({})", name);
                return l;
            } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError: not here, or not usable
                last = t;
            }
        }
        LOG.info("The system's libjpeg-turbo (libturbojpeg) is not available ({}): large JPEGs are read through OpenCV's"
                + " slower build; on Debian/Ubuntu `apt-get install libturbojpeg0` (Ubuntu: libturbojpeg)",
                Faults.describe(last));
        return null;
    }

    /**
     * Decodes {@code bytes} at 1/{@code denominator} of its size into a TYPE_INT_RGB image as stored (no EXIF
     * orientation), or null on any error or warning from libjpeg-turbo (the caller then tries the next path).
     * Call only after {@link #available()} said true.
     */
    static BufferedImage decode(byte[] bytes, int denominator) {
        try (NativeBytes in = NativeBytes.of(bytes)) {
            return in == null ? null : decode(in, denominator);
        }
    }

    /** {@link #decode(byte[], int)} of bytes already in native memory. */
    static BufferedImage decode(NativeBytes bytes, int denominator) {
        if (denominator != 2 && denominator != 4 && denominator != 8) {
            throw new IllegalArgumentException("denominator must be 2, 4 or 8: " + denominator);
        }
        return decode(bytes, denominator, 0);
    }

    /**
     * Decodes {@code bytes} at the smallest of its full size, 1/2, 1/4 and 1/8 whose longer side is still at least
     * {@code minSide} (its full size when that is smaller already): a thumbnail for a tile of {@code minSide} pixels,
     * scaled in the DCT. Null on any error or warning, as {@link #decode(byte[], int)}.
     */
    static BufferedImage decodeAtLeast(byte[] bytes, int minSide) {
        if (minSide < 1) {
            throw new IllegalArgumentException("minSide must be positive: " + minSide);
        }
        try (NativeBytes in = NativeBytes.of(bytes)) {
            return in == null ? null : decode(in, 0, minSide);
        }
    }

    /** Decodes at 1/{@code denominator}, or (denominator 0) at the smallest reduction keeping {@code minSide}. */
    private static BufferedImage decode(NativeBytes bytes, int denominator, int minSide) {
        Lib l = lib;
        long dst = 0;
        Pointer handle = null;
        try {
            handle = l.tjInitDecompress();
            if (handle == null) {
                return null;
            }
            Pointer in = bytes.pointer();
            NativeLong size = new NativeLong(bytes.size());
            IntByReference w = new IntByReference();
            IntByReference h = new IntByReference();
            IntByReference sub = new IntByReference();
            IntByReference cs = new IntByReference();
            if (l.tjDecompressHeader3(handle, in, size, w, h, sub, cs) != 0) {
                LOG.debug("TurboJPEG could not read a JPEG header, OpenCV will: {}", l.tjGetErrorStr2(handle));
                return null;
            }
            if (denominator == 0) {
                int longer = Math.max(w.getValue(), h.getValue());
                denominator = 1;
                while (denominator < 8 && longer / (denominator * 2) >= minSide) {
                    denominator *= 2;
                }
            }
            // libjpeg rounds a scaled side up (TJSCALED)
            int sw = (w.getValue() + denominator - 1) / denominator;
            int sh = (h.getValue() + denominator - 1) / denominator;
            if (sw < 1 || sh < 1 || (long) sw * sh > Integer.MAX_VALUE / 4) {
                return null;
            }
            // Freed here, not left to the garbage collector.
            dst = Native.malloc((long) sw * sh * 4);
            if (dst == 0) {
                return null;
            }
            Pointer out = new Pointer(dst);
            if (l.tjDecompress2(handle, in, size, out, sw, sw * 4, sh, PIXEL_FORMAT, TJFLAG_STOPONWARNING) != 0) {
                LOG.debug("TurboJPEG could not read a JPEG, OpenCV will: {}", l.tjGetErrorStr2(handle));
                return null;
            }
            BufferedImage img = new BufferedImage(sw, sh, BufferedImage.TYPE_INT_RGB);
            int[] rgb = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
            out.read(0, rgb, 0, rgb.length);
            for (int k = 0; k < rgb.length; k++) {
                rgb[k] &= 0xFFFFFF; // the X byte (0xFF): TYPE_INT_RGB's other paths leave it 0
            }
            DECODES.incrementAndGet();
            return img;
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("TurboJPEG failed on a JPEG, OpenCV will read it: {}", e.toString());
            return null;
        } finally {
            if (handle != null) {
                l.tjDestroy(handle);
            }
            if (dst != 0) {
                Native.free(dst);
            }
        }
    }

    /** A file's bytes in native memory (malloc'd, freed on close): what libjpeg-turbo reads from. */
    static final class NativeBytes implements AutoCloseable {
        private final long address;
        private final int size;

        private NativeBytes(long address, int size) {
            this.address = address;
            this.size = size;
        }

        /** A native copy of {@code bytes}, or null when there is no memory for it. */
        static NativeBytes of(byte[] bytes) {
            long a = Native.malloc(Math.max(1, bytes.length));
            if (a == 0) {
                return null;
            }
            new Pointer(a).write(0, bytes, 0, bytes.length);
            return new NativeBytes(a, bytes.length);
        }

        /**
         * The whole of {@code file}, expected to be {@code size} bytes, read straight into native memory; null when
         * it is not that size any more (or there is no memory for it).
         */
        static NativeBytes read(Path file, long size) throws IOException {
            if (size < 1 || size > Integer.MAX_VALUE - 64) {
                return null;
            }
            long a = Native.malloc(size);
            if (a == 0) {
                return null;
            }
            NativeBytes b = new NativeBytes(a, (int) size);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buf = b.buffer();
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) {
                        b.close();
                        return null; // shorter than it was
                    }
                }
                if (ch.read(ByteBuffer.allocate(1)) > 0) {
                    b.close();
                    return null; // longer than it was
                }
                return b;
            } catch (IOException | RuntimeException e) {
                b.close();
                throw e;
            }
        }

        Pointer pointer() {
            return new Pointer(address);
        }

        int size() {
            return size;
        }

        /** The bytes as a direct buffer over the native memory (valid until close). */
        ByteBuffer buffer() {
            return pointer().getByteBuffer(0, size);
        }

        @Override
        public void close() {
            Native.free(address);
        }
    }

    /**
     * Encodes a TYPE_INT_RGB image as a baseline JFIF JPEG at {@code quality} (1..100) with 4:2:0 chroma, as ImageIO's
     * writer does at {@code quality / 100} (same quantisation tables, same subsampling, same accurate DCT); null when
     * the image is of another layout or libjpeg-turbo fails (the caller then writes it through ImageIO).
     */
    static byte[] encode(BufferedImage image, int quality) {
        if (image.getType() != BufferedImage.TYPE_INT_RGB
                || !(image.getRaster().getDataBuffer() instanceof DataBufferInt db)
                || !(image.getSampleModel() instanceof java.awt.image.SinglePixelPackedSampleModel sm)
                || sm.getScanlineStride() != image.getWidth() || db.getOffset() != 0
                || image.getRaster().getSampleModelTranslateX() != 0 || image.getRaster().getSampleModelTranslateY() != 0) {
            return null;
        }
        Lib l = lib;
        int w = image.getWidth();
        int h = image.getHeight();
        int[] px = db.getData();
        long src = 0;
        Pointer handle = null;
        PointerByReference jpeg = new PointerByReference();
        try {
            handle = l.tjInitCompress();
            src = handle == null ? 0 : Native.malloc((long) w * h * 4);
            if (src == 0) {
                return null;
            }
            Pointer in = new Pointer(src);
            in.write(0, px, 0, w * h);
            NativeLongByReference size = new NativeLongByReference();
            if (l.tjCompress2(handle, in, w, w * 4, h, PIXEL_FORMAT, jpeg, size, TJSAMP_420, quality, 0) != 0) {
                LOG.debug("TurboJPEG could not encode a thumbnail, ImageIO will: {}", l.tjGetErrorStr2(handle));
                return null;
            }
            return jpeg.getValue().getByteArray(0, (int) size.getValue().longValue());
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("TurboJPEG failed to encode a thumbnail, ImageIO will: {}", e.toString());
            return null;
        } finally {
            if (jpeg.getValue() != null) {
                l.tjFree(jpeg.getValue());
            }
            if (handle != null) {
                l.tjDestroy(handle);
            }
            if (src != 0) {
                Native.free(src);
            }
        }
    }
}
