package dev.loupe.datacheck;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The pixel check: copies (resized, cropped) match; a different drawing of the same outline or a recolour does not. */
class PixelPrintTest {

    /** A clip-art-like drawing: coloured shapes on white, from a seed. */
    static BufferedImage drawing(long seed, int size) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        for (int i = 0; i < 12; i++) {
            g.setColor(new Color(r.nextInt(1 << 24)));
            int x = r.nextInt(size * 3 / 4);
            int y = r.nextInt(size * 3 / 4);
            int w = size / 10 + r.nextInt(size / 4);
            if (r.nextBoolean()) g.fillOval(x, y, w, w);
            else g.fillRect(x, y, w, w / 2 + 2);
        }
        g.dispose();
        return img;
    }

    static BufferedImage scaled(BufferedImage img, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    @Test
    void resizedAndCroppedCopiesMatchOtherDrawingsDoNot() {
        BufferedImage a = drawing(1, 200);
        PixelPrint pa = PixelPrint.of(a);
        assertThat(PixelPrint.match(pa, PixelPrint.of(scaled(a, 100, 100)))).as("resized to 50 %").isGreaterThan(0.97);
        BufferedImage crop = a.getSubimage(27, 11, 160, 160); // 80 % of each side, off centre
        assertThat(PixelPrint.match(pa, PixelPrint.of(crop))).as("cropped to 80 %").isGreaterThan(0.9);
        assertThat(PixelPrint.match(PixelPrint.of(crop), pa)).as("symmetric").isGreaterThan(0.9);
        BufferedImage wide = a.getSubimage(10, 40, 180, 120); // 90 % of the width, 60 % of the height
        assertThat(PixelPrint.match(pa, PixelPrint.of(wide))).as("a crop of another aspect").isGreaterThan(0.9);
        for (long seed = 2; seed < 8; seed++) {
            assertThat(PixelPrint.match(pa, PixelPrint.of(drawing(seed, 200)))).as("drawing " + seed).isLessThan(0.8);
        }
    }

    @Test
    void aRecolouredDrawingMatchesWorseThanACopy() {
        BufferedImage a = drawing(3, 160);
        BufferedImage swapped = new BufferedImage(160, 160, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 160; y++) {
            for (int x = 0; x < 160; x++) {
                int p = a.getRGB(x, y);
                swapped.setRGB(x, y, ((p & 0xff) << 16) | (p & 0xff00) | ((p >> 16) & 0xff)); // red and blue swapped
            }
        }
        double copy = PixelPrint.match(PixelPrint.of(a), PixelPrint.of(scaled(a, 80, 80)));
        double recoloured = PixelPrint.match(PixelPrint.of(a), PixelPrint.of(swapped));
        assertThat(recoloured).isLessThan(copy - 0.1);
    }

    @Test
    void flatImagesMatchOnlyTheirOwnColourAndShowNothing() {
        PixelPrint red = PixelPrint.of(scaled(solid(Color.RED), 30, 40));
        PixelPrint red2 = PixelPrint.of(solid(Color.RED));
        PixelPrint blue = PixelPrint.of(solid(Color.BLUE));
        assertThat(red.flat()).isTrue();
        assertThat(PixelPrint.match(red, red2)).isEqualTo(1.0);
        assertThat(PixelPrint.match(red, blue)).isEqualTo(0.0);
        assertThat(PixelPrint.match(red, PixelPrint.of(drawing(1, 64)))).isEqualTo(0.0);
        assertThat(red.entropyBits()).isZero();
        assertThat(PixelPrint.of(drawing(1, 64)).entropyBits()).isGreaterThan(1.0);
    }

    private static BufferedImage solid(Color c) {
        BufferedImage img = new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, 50, 50);
        g.dispose();
        return img;
    }

    @Test
    void resamplingIsTheAreaWeightedMeanOfTheSourcePixelsEachTargetPixelCovers() {
        Random r = new Random(11);
        int[][] sizes = {{28, 28, 48, 48}, {48, 48, 22, 22}, {48, 36, 19, 14}, {28, 28, 43, 43}, {7, 5, 3, 11}, {48, 48, 48, 48}};
        for (int[] z : sizes) {
            float[] src = new float[z[0] * z[1]];
            for (int i = 0; i < src.length; i++) src[i] = r.nextFloat();
            float[] out = PixelPrint.resample(src, z[0], z[1], z[2], z[3]);
            assertThat(out).as("%s", java.util.Arrays.toString(z)).containsExactly(areaMean(src, z[0], z[1], z[2], z[3]),
                    org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    /** The definition, pixel by pixel: each target pixel averages the source area it covers. */
    private static float[] areaMean(float[] src, int sw, int sh, int tw, int th) {
        float[] out = new float[tw * th];
        double fx = (double) sw / tw;
        double fy = (double) sh / th;
        for (int y = 0; y < th; y++) {
            for (int x = 0; x < tw; x++) {
                double sum = 0;
                double area = 0;
                for (int sy = 0; sy < sh; sy++) {
                    double wy = Math.min((y + 1) * fy, sy + 1) - Math.max(y * fy, sy);
                    for (int sx = 0; sx < sw; sx++) {
                        double wx = Math.min((x + 1) * fx, sx + 1) - Math.max(x * fx, sx);
                        if (wx > 0 && wy > 0) {
                            sum += wx * wy * src[sy * sw + sx];
                            area += wx * wy;
                        }
                    }
                }
                out[y * tw + x] = (float) (sum / area);
            }
        }
        return out;
    }
}
