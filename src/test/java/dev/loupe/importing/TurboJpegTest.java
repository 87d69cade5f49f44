package dev.loupe.importing;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large JPEGs read through the system's libjpeg-turbo (TurboJPEG, docs/adr/0039-simd-jpeg.md) where it is installed.
 * Skipped, saying so, where it is not; {@code -Dloupe.turbojpeg=required} ({@code .ci/run} sets it) makes its absence
 * a failure, so CI proves the fast path is the one taken.
 */
class TurboJpegTest {
    @TempDir
    Path dir;

    private final ImageDecoder decoder = new ImageDecoder();

    @BeforeEach
    void needsLibjpegTurbo() {
        boolean here = TurboJpeg.available();
        if (!here && "required".equals(System.getProperty("loupe.turbojpeg"))) {
            throw new AssertionError("the system's libjpeg-turbo is required (-Dloupe.turbojpeg=required) but did not"
                    + " load: install libturbojpeg0 (Debian) or libturbojpeg (Ubuntu)");
        }
        Assumptions.assumeTrue(here, "libturbojpeg is not installed here (apt-get install libturbojpeg0): "
                + "large JPEGs go through OpenCV, which ScaledJpegTest checks");
    }

    @Test
    void aLargeJpegIsReadThroughTurboJpeg() throws Exception {
        assertThat(ImageDecoder.reducedJpegLibrary()).isEqualTo("turbojpeg");
        Path f = AwkwardFiles.jpeg(ScaledJpegTest.scene(3200, 2400), dir.resolve("big.jpg"), false);
        for (int side : new int[] {128, 256, 512}) {
            long turbo = TurboJpeg.decodes();
            long reduced = ScaledJpeg.decodes();
            DecodedImage d = decoder.decode(f, side);
            assertThat(TurboJpeg.decodes()).as("through TurboJPEG at %d", side).isEqualTo(turbo + 1);
            assertThat(ScaledJpeg.decodes()).isEqualTo(reduced + 1);
            assertThat(new int[] {d.image().getWidth(), d.image().getHeight()})
                    .containsExactly(ImageDecoder.decodedSize(3200, 2400, side));
        }
    }

    @Test
    void pixelsAreOpenCvsToTheLevel() throws Exception {
        Assumptions.assumeTrue(ScaledJpeg.openCvAvailable(), "OpenCV natives for this platform");
        for (boolean progressive : new boolean[] {false, true}) {
            byte[] jpg = Files.readAllBytes(AwkwardFiles.jpeg(ScaledJpegTest.scene(2400, 1800),
                    dir.resolve("scene" + progressive + ".jpg"), progressive));
            for (int d : new int[] {2, 4, 8}) {
                BufferedImage turbo = TurboJpeg.decode(jpg, d);
                BufferedImage opencv = ScaledJpeg.decodeWithOpenCv(jpg, d);
                assertThat(turbo).as("progressive %s, 1/%d", progressive, d).isNotNull();
                assertThat(turbo.getWidth()).isEqualTo(opencv.getWidth()).isEqualTo((2400 + d - 1) / d);
                assertThat(turbo.getHeight()).isEqualTo(opencv.getHeight()).isEqualTo((1800 + d - 1) / d);
                // One libjpeg-turbo, two builds (SIMD or not): the same IDCT, upsampling and colour conversion.
                assertThat(maxDiff(turbo, opencv)).as("progressive %s, 1/%d", progressive, d).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void orientationStillApplies() throws Exception {
        Path f = AwkwardFiles.jpegWithOrientation(ScaledJpegTest.scene(2400, 1600), dir.resolve("turned.jpg"), 6);
        long before = TurboJpeg.decodes();
        BufferedImage img = decoder.decode(f, 256).image();
        assertThat(TurboJpeg.decodes()).isEqualTo(before + 1);
        assertThat(img.getHeight()).isGreaterThan(img.getWidth());
        Color topRight = new Color(img.getRGB(img.getWidth() - 3, 3)); // the red top-left marker, turned 90° clockwise
        assertThat(topRight.getRed()).isGreaterThan(200);
        assertThat(topRight.getGreen()).isLessThan(60);
    }

    @Test
    void aWarningLeavesTheFileToTheNextPath() throws Exception {
        // The middle third of the scan cut out, the end kept: libjpeg warns (premature end of data) and fills with grey.
        byte[] whole = Files.readAllBytes(AwkwardFiles.jpeg(ScaledJpegTest.scene(2400, 1800), dir.resolve("w.jpg"), false));
        int cut = whole.length / 3;
        byte[] broken = new byte[whole.length - cut];
        System.arraycopy(whole, 0, broken, 0, cut);
        System.arraycopy(whole, 2 * cut, broken, cut, whole.length - 2 * cut);
        assertThat(TurboJpeg.decode(broken, 8)).as("TurboJPEG stops on the warning").isNull();
        Path f = Files.write(dir.resolve("broken.jpg"), broken);
        long turbo = TurboJpeg.decodes();
        long reduced = ScaledJpeg.decodes();
        DecodedImage d = decoder.decode(f, 256); // as before: OpenCV (or ImageIO) decides
        assertThat(TurboJpeg.decodes()).isEqualTo(turbo);
        if (ScaledJpeg.openCvAvailable()) {
            assertThat(ScaledJpeg.decodes()).as("OpenCV read it, as before this path existed").isEqualTo(reduced + 1);
        }
        assertThat(d.image().getWidth()).isEqualTo(256);
    }

    @Test
    void whatTurboJpegIsNotGivenStaysWithImageIo() throws Exception {
        Path cmyk = AwkwardFiles.cmykJpeg(dir.resolve("cmyk.jpg"), 2000, 1200, true);
        Path cut = AwkwardFiles.truncated(AwkwardFiles.jpeg(ScaledJpegTest.scene(2400, 1800), dir.resolve("whole.jpg"),
                false), dir.resolve("cut.jpg"), 0.6);
        long before = TurboJpeg.decodes();
        assertThat(decoder.decode(cmyk, 256).image().getWidth()).isEqualTo(256);
        try {
            decoder.decode(cut, 256);
            throw new AssertionError("a cut-off JPEG must fail");
        } catch (ImageDecodeException e) {
            assertThat(e.kind()).isEqualTo(ImageDecodeException.Kind.CORRUPT);
        }
        assertThat(TurboJpeg.decodes()).isEqualTo(before);
        assertThat(TurboJpeg.decode(Arrays.copyOf(Files.readAllBytes(cut), 100), 8)).isNull();
    }

    @Test
    void thumbnailsAreWrittenThroughTurboJpegAsImageIoWouldWriteThem() throws Exception {
        BufferedImage img = Images.scaleTo(ScaledJpegTest.scene(2400, 1800), 256, 192);
        byte[] fast = TurboJpeg.encode(img, 85);
        assertThat(fast).isNotNull();
        Path t = new ThumbnailCache(dir.resolve("thumbs")).put("ab12cd34", img);
        assertThat(Files.readAllBytes(t)).isEqualTo(fast);
        BufferedImage back = javax.imageio.ImageIO.read(t.toFile());
        assertThat(new int[] {back.getWidth(), back.getHeight()}).containsExactly(256, 192);
        java.io.ByteArrayOutputStream old = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageWriter w = javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
        try (javax.imageio.stream.ImageOutputStream ios = new javax.imageio.stream.MemoryCacheImageOutputStream(old)) {
            w.setOutput(ios);
            javax.imageio.ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.85f);
            w.write(null, new javax.imageio.IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
        BufferedImage viaImageIo = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(old.toByteArray()));
        // Same quality tables (to a rounding step), 4:2:0, accurate DCT: a level or two apart, and about as large.
        assertThat(meanDiff(back, viaImageIo)).isLessThan(2.0);
        assertThat((double) fast.length).isBetween(0.8 * old.size(), 1.2 * old.size());
        Color marker = new Color(back.getRGB(5, 5));
        assertThat(marker.getRed()).isGreaterThan(200);
        assertThat(marker.getGreen()).isLessThan(60);
        // Another layout is left to ImageIO.
        assertThat(TurboJpeg.encode(new BufferedImage(10, 10, BufferedImage.TYPE_3BYTE_BGR), 85)).isNull();
    }

    @Test
    void aThumbnailIsReadForATileAtTheSmallestReductionThatStillFillsIt() throws Exception {
        BufferedImage img = Images.scaleTo(ScaledJpegTest.scene(2400, 1800), 256, 192);
        Path t = new ThumbnailCache(dir.resolve("thumbs")).put("ab12cd34", img);
        byte[] bytes = Files.readAllBytes(t);
        long before = TurboJpeg.decodes();
        assertThat(size(TurboJpeg.decodeAtLeast(bytes, 128))).containsExactly(128, 96);
        assertThat(size(TurboJpeg.decodeAtLeast(bytes, 100))).containsExactly(128, 96);
        assertThat(size(TurboJpeg.decodeAtLeast(bytes, 64))).containsExactly(64, 48);
        assertThat(size(TurboJpeg.decodeAtLeast(bytes, 1))).containsExactly(32, 24);
        assertThat(size(TurboJpeg.decodeAtLeast(bytes, 300))).containsExactly(256, 192);
        assertThat(TurboJpeg.decodes()).isEqualTo(before + 5);

        ThumbnailCache.Pixels p = ThumbnailCache.readForDisplay(t, 128);
        assertThat(new int[] {p.width(), p.height()}).containsExactly(128, 96);
        assertThat(TurboJpeg.decodes()).as("read through TurboJPEG").isEqualTo(before + 6);
        BufferedImage half = Images.scaleTo(img, 128, 96);
        double diff = 0;
        for (int k = 0; k < p.argb().length; k++) {
            assertThat(p.argb()[k] >>> 24).isEqualTo(255);
            int q = half.getRGB(k % 128, k / 128);
            for (int s = 0; s < 24; s += 8) {
                diff += Math.abs((p.argb()[k] >> s & 255) - (q >> s & 255));
            }
        }
        assertThat(diff / (3.0 * p.argb().length)).as("mean level difference to a scaled copy").isLessThan(6.0);
    }

    private static int[] size(BufferedImage img) {
        return new int[] {img.getWidth(), img.getHeight()};
    }

    private static double meanDiff(BufferedImage a, BufferedImage b) {
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int s = 0; s < 24; s += 8) {
                    sum += Math.abs((p >> s & 255) - (q >> s & 255));
                }
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    private static int maxDiff(BufferedImage a, BufferedImage b) {
        int max = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int s = 0; s < 24; s += 8) {
                    max = Math.max(max, Math.abs((p >> s & 255) - (q >> s & 255)));
                }
            }
        }
        return max;
    }
}
