package dev.loupe.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.loupe.backbone.Preprocessing.ColorMode;
import dev.loupe.backbone.Preprocessing.Layout;
import dev.loupe.backbone.Preprocessing.ResizeMode;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class PreprocessingTest {

    private static final float EPS = 1e-6f;

    /** 2x2: red, green / blue, white. */
    private static BufferedImage quad(int type) {
        BufferedImage img = new BufferedImage(2, 2, type);
        img.setRGB(0, 0, 0xFFFF0000);
        img.setRGB(1, 0, 0xFF00FF00);
        img.setRGB(0, 1, 0xFF0000FF);
        img.setRGB(1, 1, 0xFFFFFFFF);
        return img;
    }

    @Test
    void rgbUnitScaleIsPlanarNchw() {
        Preprocessing p = Preprocessing.unitScale(2, 2, ColorMode.RGB, ResizeMode.SQUASH);
        float[] out = new float[p.inputLength()];
        p.convert(quad(BufferedImage.TYPE_INT_RGB), out, 0);
        assertThat(out).containsExactly(
                1, 0, 0, 1,  // R plane: red, green, blue, white
                0, 1, 0, 1,  // G plane
                0, 0, 1, 1); // B plane
    }

    @Test
    void nhwcInterleavesChannels() {
        Preprocessing p = Preprocessing.unitScale(2, 2, ColorMode.RGB, ResizeMode.SQUASH).withLayout(Layout.NHWC);
        float[] out = new float[p.inputLength()];
        p.convert(quad(BufferedImage.TYPE_3BYTE_BGR), out, 0);
        assertThat(out).containsExactly(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1);
    }

    @Test
    void meanAndStdApplyPerChannel() {
        Preprocessing p = new Preprocessing(1, 1, ColorMode.RGB, ResizeMode.SQUASH, Layout.NCHW,
                new float[] {0.5f, 0f, 1f}, new float[] {0.5f, 2f, 0.25f});
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0x00FF33); // r=0, g=255, b=51
        float[] out = new float[3];
        p.convert(img, out, 0);
        assertThat(out[0]).isCloseTo(-1f, within(EPS));            // (0 - 0.5) / 0.5
        assertThat(out[1]).isCloseTo(0.5f, within(EPS));           // (1 - 0) / 2
        assertThat(out[2]).isCloseTo((0.2f - 1f) / 0.25f, within(EPS));
    }

    @Test
    void alphaIsCompositedOnWhite() {
        BufferedImage img = new BufferedImage(1, 2, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x00000000); // fully transparent black -> white
        img.setRGB(0, 1, 0x80FF0000); // half-transparent red -> pink
        Preprocessing p = Preprocessing.unitScale(1, 2, ColorMode.RGB, ResizeMode.SQUASH);
        float[] out = new float[p.inputLength()];
        p.convert(img, out, 0);
        float half = 127f / 255f; // 255 * (1 - 128/255), rounded by Java2D
        assertThat(out[0]).isEqualTo(1f);
        assertThat(out[2]).isEqualTo(1f);
        assertThat(out[4]).isEqualTo(1f);
        assertThat(out[1]).isEqualTo(1f);                           // R of pink
        assertThat(out[3]).isCloseTo(half, within(1.5f / 255f));    // G of pink
        assertThat(out[5]).isCloseTo(half, within(1.5f / 255f));    // B of pink
    }

    @Test
    void greyModeUsesBt601LumaOfRgb() {
        Preprocessing p = Preprocessing.unitScale(2, 2, ColorMode.GREY, ResizeMode.SQUASH);
        float[] out = new float[p.inputLength()];
        p.convert(quad(BufferedImage.TYPE_INT_ARGB), out, 0);
        assertThat(out[0]).isCloseTo(76 / 255f, within(EPS));  // 0.299 * 255
        assertThat(out[1]).isCloseTo(150 / 255f, within(EPS)); // 0.587 * 255
        assertThat(out[2]).isCloseTo(29 / 255f, within(EPS));  // 0.114 * 255
        assertThat(out[3]).isEqualTo(1f);
    }

    @Test
    void greyInputImageKeepsItsValues() {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(0, 0, 0, 0);
        img.getRaster().setSample(1, 0, 0, 100);
        img.getRaster().setSample(2, 0, 0, 255);
        Preprocessing grey = Preprocessing.unitScale(3, 1, ColorMode.GREY, ResizeMode.SQUASH);
        float[] out = new float[3];
        grey.convert(img, out, 0);
        assertThat(out).containsExactly(0f, 100 / 255f, 1f);
        Preprocessing rgb = Preprocessing.unitScale(3, 1, ColorMode.RGB, ResizeMode.SQUASH);
        float[] out3 = new float[9];
        rgb.convert(img, out3, 0);
        assertThat(out3).containsExactly(0f, 100 / 255f, 1f, 0f, 100 / 255f, 1f, 0f, 100 / 255f, 1f);
    }

    @Test
    void centerCropKeepsTheMiddleAndSquashKeepsAll() {
        // 6x2: columns 0-1 red, 2-3 green, 4-5 blue.
        BufferedImage img = new BufferedImage(6, 2, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 6; x++) {
            for (int y = 0; y < 2; y++) {
                img.setRGB(x, y, x < 2 ? 0xFF0000 : x < 4 ? 0x00FF00 : 0x0000FF);
            }
        }
        Preprocessing crop = Preprocessing.unitScale(2, 2, ColorMode.RGB, ResizeMode.CENTER_CROP);
        float[] out = new float[crop.inputLength()];
        crop.convert(img, out, 0);
        assertThat(out).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0); // all green
        Preprocessing squash = Preprocessing.unitScale(3, 2, ColorMode.RGB, ResizeMode.SQUASH);
        float[] all = new float[squash.inputLength()];
        squash.convert(img, all, 0);
        assertThat(all[0]).isEqualTo(1f);           // left column red
        assertThat(all[6 + 1]).isEqualTo(1f);       // middle column green
        assertThat(all[12 + 2]).isEqualTo(1f);      // right column blue
    }

    @Test
    void bigImagesShrinkWithoutAliasing() {
        // 1-pixel black/white stripes: a good shrink gives mid grey, a 4-tap one black or white.
        BufferedImage img = new BufferedImage(512, 512, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 512; x += 2) {
            for (int y = 0; y < 512; y++) {
                img.setRGB(x, y, 0xFFFFFF);
            }
        }
        Preprocessing p = Preprocessing.unitScale(8, 8, ColorMode.GREY, ResizeMode.SQUASH);
        float[] out = new float[p.inputLength()];
        p.convert(img, out, 0);
        for (float v : out) {
            assertThat(v).isCloseTo(0.5f, within(0.05f));
        }
    }

    @Test
    void batchHasTheLayoutsShape() {
        Preprocessing p = Preprocessing.unitScale(4, 3, ColorMode.RGB, ResizeMode.SQUASH);
        BufferedImage img = quad(BufferedImage.TYPE_INT_RGB);
        INDArray batch = p.toInput(List.of(img, img));
        assertThat(batch.shape()).containsExactly(2, 3, 3, 4);
        assertThat(p.withLayout(Layout.NHWC).toInput(List.of(img)).shape()).containsExactly(1, 3, 4, 3);
        assertThat(batch.getFloat(1, 0, 0, 0)).isEqualTo(1f); // second image, R, top-left: red
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThatThrownBy(() -> Preprocessing.unitScale(0, 4, ColorMode.RGB, ResizeMode.SQUASH))
                .hasMessageContaining("input size");
        assertThatThrownBy(() -> new Preprocessing(4, 4, ColorMode.GREY, ResizeMode.SQUASH, Layout.NCHW,
                new float[3], new float[] {1, 1, 1})).hasMessageContaining("1 values");
        assertThat(Preprocessing.unitScale(4, 4, ColorMode.RGB, ResizeMode.SQUASH))
                .isEqualTo(Preprocessing.unitScale(4, 4, ColorMode.RGB, ResizeMode.SQUASH));
    }

    @Test
    void aShortSideResizeCutsTheCentreOfTheScaledImage() {
        // 16x8, every pixel its own colour. Short side 8 -> 8 (scale 1), crop 4x4: exactly source pixels x 6..9, y 2..5.
        BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 16; x++) {
            for (int y = 0; y < 8; y++) {
                img.setRGB(x, y, (x * 15) << 16 | (y * 30) << 8 | 7);
            }
        }
        Preprocessing p = new Preprocessing(4, 4, ColorMode.RGB, ResizeMode.CENTER_CROP, Layout.NCHW,
                new float[3], new float[] {1, 1, 1}, 8);
        float[] out = new float[p.inputLength()];
        p.convert(img, out, 0);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertThat(out[y * 4 + x]).as("R at %d,%d", x, y).isCloseTo((x + 6) * 15 / 255f, within(EPS));
                assertThat(out[16 + y * 4 + x]).as("G at %d,%d", x, y).isCloseTo((y + 2) * 30 / 255f, within(EPS));
            }
        }
        // Without the short-side resize the same image gives the largest centred square (x 4..11), scaled down.
        Preprocessing largest = new Preprocessing(4, 4, ColorMode.RGB, ResizeMode.CENTER_CROP, Layout.NCHW,
                new float[3], new float[] {1, 1, 1});
        float[] whole = new float[largest.inputLength()];
        largest.convert(img, whole, 0);
        assertThat(whole[0]).isLessThan(out[0]);
        assertThat(whole[3]).isGreaterThan(out[3]);
    }

    @Test
    void imagenetIsShortSide256CentreCrop224AndScalesWithTheSize() {
        Preprocessing p = Preprocessing.imagenet(224, 224, Layout.NCHW);
        assertThat(p.resizeShortSide()).isEqualTo(256);
        assertThat(p.resize()).isEqualTo(ResizeMode.CENTER_CROP);
        assertThat(p.mean()).containsExactly(0.485f, 0.456f, 0.406f);
        assertThat(p.std()).containsExactly(0.229f, 0.224f, 0.225f);
        assertThat(p.decodeSide()).isEqualTo(512);
        assertThat(p.toString()).contains("short side 256");
        assertThat(Preprocessing.unitScale(64, 64, ColorMode.RGB, ResizeMode.SQUASH).decodeSide()).isEqualTo(128);
        assertThatThrownBy(() -> new Preprocessing(4, 4, ColorMode.RGB, ResizeMode.SQUASH, Layout.NCHW,
                new float[3], new float[] {1, 1, 1}, 8)).hasMessageContaining("CENTER_CROP");
        assertThatThrownBy(() -> new Preprocessing(8, 8, ColorMode.RGB, ResizeMode.CENTER_CROP, Layout.NCHW,
                new float[3], new float[] {1, 1, 1}, 4)).hasMessageContaining("smaller than the crop");
        assertThat(p).isNotEqualTo(new Preprocessing(224, 224, p.color(), p.resize(), p.layout(), p.mean(), p.std()));
    }

    @Test
    void bgrSwapsTheFirstAndLastChannelInBothLayouts() {
        Preprocessing rgb = new Preprocessing(2, 2, ColorMode.RGB, ResizeMode.SQUASH, Layout.NCHW,
                new float[] {0.1f, 0.2f, 0.3f}, new float[] {1, 2, 4});
        Preprocessing bgr = new Preprocessing(2, 2, ColorMode.BGR, ResizeMode.SQUASH, Layout.NCHW,
                new float[] {0.3f, 0.2f, 0.1f}, new float[] {4, 2, 1});
        float[] a = new float[12];
        float[] b = new float[12];
        rgb.convert(quad(BufferedImage.TYPE_INT_RGB), a, 0);
        bgr.convert(quad(BufferedImage.TYPE_INT_RGB), b, 0);
        for (int i = 0; i < 4; i++) {
            assertThat(b[i]).isEqualTo(a[8 + i]);     // B plane first
            assertThat(b[4 + i]).isEqualTo(a[4 + i]);
            assertThat(b[8 + i]).isEqualTo(a[i]);
        }
        float[] c = new float[12];
        bgr.withLayout(Layout.NHWC).convert(quad(BufferedImage.TYPE_INT_RGB), c, 0);
        assertThat(new float[] {c[0], c[1], c[2]}).containsExactly(b[0], b[4], b[8]);
    }

    @Test
    void jsonWithoutTheShortSideReadsAsBeforeAndZeroIsNotWritten() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String old = "{\"width\":64,\"height\":64,\"color\":\"RGB\",\"resize\":\"SQUASH\",\"layout\":\"NHWC\","
                + "\"mean\":[0.0,0.0,0.0],\"std\":[1.0,1.0,1.0]}";
        Preprocessing read = json.readValue(old, Preprocessing.class);
        assertThat(read).isEqualTo(new Preprocessing(64, 64, ColorMode.RGB, ResizeMode.SQUASH, Layout.NHWC,
                new float[3], new float[] {1, 1, 1}));
        assertThat(read.resizeShortSide()).isZero();
        assertThat(json.writeValueAsString(read)).isEqualTo(old);
        Preprocessing imagenet = Preprocessing.imagenet(224, 224, Layout.NCHW);
        String written = json.writeValueAsString(imagenet);
        assertThat(written).contains("\"resizeShortSide\":256");
        assertThat(json.readValue(written, Preprocessing.class)).isEqualTo(imagenet);
    }
}
