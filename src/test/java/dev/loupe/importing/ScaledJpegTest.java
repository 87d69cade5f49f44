package dev.loupe.importing;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large JPEGs read at reduced size in the DCT domain, against ImageIO reading every pixel. */
class ScaledJpegTest {
    @TempDir
    Path dir;

    private final ImageDecoder decoder = new ImageDecoder();

    @BeforeEach
    void needsOpenCv() {
        Assumptions.assumeTrue(ScaledJpeg.ENABLED && ScaledJpeg.available(), "OpenCV natives for this platform");
    }

    /** Smooth gradients, discs and bars: content that aliases when read wrongly and shows any turn or flip. */
    static BufferedImage scene(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setPaint(new GradientPaint(0, 0, new Color(30, 90, 160), w, h, new Color(230, 200, 120)));
            g.fillRect(0, 0, w, h);
            g.setColor(new Color(200, 30, 40));
            g.fillOval(w / 10, h / 10, w / 3, h / 3);
            g.setColor(new Color(20, 140, 60));
            for (int x = w / 2; x < w; x += w / 40) {
                g.fillRect(x, h / 2, w / 80, h / 3);
            }
            g.setColor(Color.RED);
            g.fillRect(0, 0, w / 8, h / 8); // top-left marker
        } finally {
            g.dispose();
        }
        return img;
    }

    private static double meanAbsDiff(BufferedImage a, BufferedImage b) {
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                sum += Math.abs((p >> 16 & 255) - (q >> 16 & 255)) + Math.abs((p >> 8 & 255) - (q >> 8 & 255))
                        + Math.abs((p & 255) - (q & 255));
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    @Test
    void reducedDecodeEqualsAFullDecodeWithinTolerance() throws Exception {
        Path f = AwkwardFiles.jpeg(scene(3200, 2400), dir.resolve("big.jpg"), false);
        for (int side : new int[] {128, 256, 512}) {
            long before = ScaledJpeg.decodes();
            DecodedImage fast = decoder.decode(f, side);
            assertThat(ScaledJpeg.decodes()).as("read in the DCT domain at %d", side).isEqualTo(before + 1);
            DecodedImage full = ImageDecoder.fullResolution().decode(f, side);
            DecodedImage old = ImageDecoder.imageIoOnly().decode(f, side);
            assertThat(fast.image().getWidth()).isEqualTo(old.image().getWidth());
            assertThat(fast.image().getHeight()).isEqualTo(old.image().getHeight());
            assertThat(fast.width()).isEqualTo(3200);
            assertThat(fast.height()).isEqualTo(2400);
            assertThat(full.image().getWidth()).isEqualTo(fast.image().getWidth());
            assertThat(meanAbsDiff(fast.image(), full.image())).as("side %d", side).isLessThan(3.0);
        }
    }

    @Test
    void sizesMatchTheImageIoPathToThePixel() throws Exception {
        int[][] sizes = {{3001, 1999}, {2049, 1537}, {1999, 3001}, {2600, 1100}};
        for (int[] s : sizes) {
            Path f = AwkwardFiles.jpeg(scene(s[0], s[1]), dir.resolve(s[0] + "x" + s[1] + ".jpg"), false);
            for (int side : new int[] {128, 256, 512}) {
                BufferedImage fast = decoder.decode(f, side).image();
                BufferedImage old = ImageDecoder.imageIoOnly().decode(f, side).image();
                assertThat(new int[] {fast.getWidth(), fast.getHeight()}).as("%dx%d at %d", s[0], s[1], side)
                        .containsExactly(old.getWidth(), old.getHeight())
                        .containsExactly(ImageDecoder.decodedSize(s[0], s[1], side));
            }
        }
    }

    @Test
    void exifOrientationIsKept() throws Exception {
        Path f = AwkwardFiles.jpegWithOrientation(scene(2400, 1600), dir.resolve("turned.jpg"), 6);
        long before = ScaledJpeg.decodes();
        DecodedImage d = decoder.decode(f, 256);
        assertThat(ScaledJpeg.decodes()).isEqualTo(before + 1);
        assertThat(d.width()).isEqualTo(1600);
        assertThat(d.height()).isEqualTo(2400);
        BufferedImage img = d.image();
        assertThat(img.getHeight()).isGreaterThan(img.getWidth());
        // Turned 90° clockwise: the top-left marker is now top-right.
        Color topRight = new Color(img.getRGB(img.getWidth() - 3, 3));
        Color topLeft = new Color(img.getRGB(3, 3));
        assertThat(topRight.getRed()).isGreaterThan(200);
        assertThat(topRight.getGreen()).isLessThan(60);
        assertThat(topLeft.getRed()).isLessThan(150);
        BufferedImage old = ImageDecoder.imageIoOnly().decode(f, 256).image();
        assertThat(meanAbsDiff(img, old)).isLessThan(6.0);
    }

    @Test
    void progressiveIsReadReducedToo() throws Exception {
        Path f = AwkwardFiles.jpeg(scene(2400, 1800), dir.resolve("progressive.jpg"), true);
        long before = ScaledJpeg.decodes();
        DecodedImage fast = decoder.decode(f, 256);
        assertThat(ScaledJpeg.decodes()).isEqualTo(before + 1);
        DecodedImage full = ImageDecoder.fullResolution().decode(f, 256);
        assertThat(meanAbsDiff(fast.image(), full.image())).isLessThan(3.0);
    }

    @Test
    void cmykAndYcckFallBackToImageIo() throws Exception {
        for (boolean ycck : new boolean[] {false, true}) {
            Path f = AwkwardFiles.cmykJpeg(dir.resolve("cmyk" + ycck + ".jpg"), 2000, 1200, ycck);
            long before = ScaledJpeg.decodes();
            BufferedImage img = decoder.decode(f, 256).image();
            assertThat(ScaledJpeg.decodes()).as("ycck %s", ycck).isEqualTo(before);
            Color left = new Color(img.getRGB(img.getWidth() / 4, img.getHeight() / 2));
            Color right = new Color(img.getRGB(img.getWidth() * 3 / 4, img.getHeight() / 2));
            assertThat(left.getRed()).isGreaterThan(180);
            assertThat(left.getBlue()).isLessThan(90);
            assertThat(right.getBlue()).isGreaterThan(120);
            assertThat(right.getRed()).isLessThan(90);
        }
    }

    @Test
    void sixteenBitAndOtherFormatsNeverTakeThisPath() throws Exception {
        Path png = AwkwardFiles.rgb16Png(dir.resolve("rgb16.png"), 2400, 1600);
        long before = ScaledJpeg.decodes();
        DecodedImage d = decoder.decode(png, 256);
        assertThat(ScaledJpeg.decodes()).isEqualTo(before);
        assertThat(d.image().getWidth()).isEqualTo(256);
    }

    @Test
    void aCutOffJpegIsStillCorrupt() throws Exception {
        Path whole = AwkwardFiles.jpeg(scene(2400, 1800), dir.resolve("whole.jpg"), false);
        Path cut = AwkwardFiles.truncated(whole, dir.resolve("cut.jpg"), 0.6);
        long before = ScaledJpeg.decodes();
        try {
            decoder.decode(cut, 256);
            throw new AssertionError("a cut-off JPEG must fail");
        } catch (ImageDecodeException e) {
            assertThat(e.kind()).isEqualTo(ImageDecodeException.Kind.CORRUPT);
        }
        assertThat(ScaledJpeg.decodes()).isEqualTo(before);
    }

    @Test
    void aProfileOtherThanSrgbFallsBackToImageIo() throws Exception {
        Path plain = AwkwardFiles.jpeg(scene(2000, 1500), dir.resolve("plain.jpg"), false);
        byte[] jpg = Files.readAllBytes(plain);
        assertThat(ScaledJpeg.header(jpg).eligible()).isTrue();
        byte[] linear = withIcc(jpg, ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData());
        assertThat(ScaledJpeg.header(linear).icc()).isNotNull();
        assertThat(ScaledJpeg.header(linear).eligible()).isFalse();
        byte[] srgb = withIcc(jpg, ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData());
        assertThat(ScaledJpeg.header(srgb).eligible()).isTrue();
        Path f = Files.write(dir.resolve("linear.jpg"), linear);
        long before = ScaledJpeg.decodes();
        decoder.decode(f, 256);
        assertThat(ScaledJpeg.decodes()).isEqualTo(before);
    }

    @Test
    void denominatorKeepsTheReducedImageAtLeastAsLargeAsNeeded() {
        assertThat(ScaledJpeg.denominator(4000, 3000, 256)).isEqualTo(8);  // 500 px
        assertThat(ScaledJpeg.denominator(4000, 3000, 512)).isEqualTo(4);  // 1000 px
        assertThat(ScaledJpeg.denominator(3000, 4000, 501)).isEqualTo(4);
        assertThat(ScaledJpeg.denominator(6000, 4000, 512)).isEqualTo(8);  // 750 px
        assertThat(ScaledJpeg.denominator(1100, 800, 512)).isEqualTo(2);
        assertThat(ScaledJpeg.denominator(1000, 800, 512)).isEqualTo(1);
        assertThat(ScaledJpeg.denominator(2047, 10, 256)).isEqualTo(8);    // libjpeg rounds up: 256
    }

    private static byte[] withIcc(byte[] jpg, byte[] profile) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpg, 0, 2);
        int len = 2 + 14 + profile.length;
        out.write(0xFF);
        out.write(0xE2);
        out.write(len >> 8);
        out.write(len & 0xFF);
        out.writeBytes("ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1));
        out.write(1);
        out.write(1);
        out.writeBytes(profile);
        out.write(jpg, 2, jpg.length - 2);
        return out.toByteArray();
    }
}
