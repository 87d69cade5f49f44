package dev.loupe.export.onnx;

import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.Preprocessing.ColorMode;
import dev.loupe.backbone.Preprocessing.Layout;
import dev.loupe.backbone.Preprocessing.ResizeMode;
import dev.loupe.importing.ImageDecoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's Python preprocessing ({@code scripts/onnx/loupe_onnx.py}'s {@code fit}) gives the pixels Loupe feeds
 * its own model: images decoded as predict decodes them, then {@link Preprocessing#fittedRgb}. Skipped when no Python
 * with numpy and Pillow is found.
 */
class OnnxPythonPreprocessingTest {

    @TempDir
    static Path dir;

    static List<Path> files = new ArrayList<>();

    @BeforeAll
    static void images() throws IOException {
        Random random = new Random(3);
        int[][] sizes = {{48, 40}, {256, 129}, {129, 256}, {300, 170}, {640, 480}, {1000, 611}, {97, 300}};
        for (int[] size : sizes) {
            String type = size[0] == 1000 ? "jpg" : "png";
            boolean alpha = size[0] % 2 == 0 && type.equals("png");
            BufferedImage img = new BufferedImage(size[0], size[1], alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(random.nextInt(0xffffff)));
            g.fillRect(0, 0, size[0], size[1] / 3);
            for (int k = 0; k < 30; k++) {
                g.setColor(new Color(random.nextInt(0xffffff) | (alpha && k % 2 == 0 ? 0x60000000 : 0xff000000), true));
                g.fillOval(random.nextInt(size[0]), random.nextInt(size[1]), 5 + random.nextInt(size[0] / 3),
                        5 + random.nextInt(size[1] / 3));
            }
            g.dispose();
            Path file = dir.resolve(size[0] + "x" + size[1] + "." + type);
            assertThat(ImageIO.write(img, type, file.toFile())).isTrue();
            files.add(file);
        }
        BufferedImage grey = new BufferedImage(90, 70, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 70; y++) for (int x = 0; x < 90; x++) grey.getRaster().setSample(x, y, 0, (x * 3 + y * 5) % 256);
        files.add(dir.resolve("grey.png"));
        assertThat(ImageIO.write(grey, "png", files.get(files.size() - 1).toFile())).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"64, 64, SQUASH, 0", "32, 32, CENTER_CROP, 0", "224, 224, CENTER_CROP, 256", "48, 32, CENTER_CROP, 0"})
    void pythonsFitGivesLoupesPixels(int width, int height, ResizeMode resize, int shortSide) throws Exception {
        String python = python();
        List<Path> files = new ArrayList<>(OnnxPythonPreprocessingTest.files);
        files.add(orientedJpeg(python));
        Preprocessing p = new Preprocessing(width, height, ColorMode.RGB, resize, Layout.NHWC,
                new float[] {0, 0, 0}, new float[] {1, 1, 1}, shortSide);
        ImageDecoder decoder = new ImageDecoder();
        List<BufferedImage> images = new ArrayList<>();
        for (Path f : files) images.add(decoder.decode(f, p.decodeSide()).image());
        float[] loupe = p.fittedRgb(images);

        Path out = dir.resolve("python-" + width + "-" + resize + "-" + shortSide + ".f32");
        StringBuilder list = new StringBuilder();
        for (Path f : files) list.append("'").append(f.toAbsolutePath()).append("',");
        String code = "import sys, numpy as np; sys.path.insert(0, 'scripts/onnx'); from loupe_onnx import fit; "
                + "np.stack([fit(f, " + width + ", " + height + ", '" + resize + "', " + shortSide + ") for f in ["
                + list + "]]).astype('<f4').tofile('" + out.toAbsolutePath() + "')";
        Process process = new ProcessBuilder(python, "-c", code).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(log).isZero();
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] py = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(py);

        assertThat(py).hasSameSizeAs(loupe);
        int exact = 0;
        double worst = 0;
        for (int i = 0; i < py.length; i++) {
            double d = Math.abs(py[i] - loupe[i]);
            if (d == 0) exact++;
            worst = Math.max(worst, d);
        }
        // Measured: identical but for a few values of up to 3 levels (JPEG decoders' rounding; Java 2D's bilinear at
        // the edge of a centre crop): 96-100 % identical on these images.
        assertThat(worst).as("largest difference in levels").isLessThanOrEqualTo(3);
        assertThat(exact / (double) py.length).as("share of identical values").isGreaterThan(0.95);
    }

    /**
     * A 1200×700 JPEG (read at 1/2..1/8 by the reduced path for the small sizes) whose EXIF says "rotate 90°
     * clockwise", written by Pillow: the reduced read turns it upright after scaling, as {@code fit} must.
     */
    private static synchronized Path orientedJpeg(String python) throws Exception {
        Path file = dir.resolve("oriented.jpg");
        if (Files.exists(file)) return file;
        String code = "import numpy as np; from PIL import Image; y, x = np.mgrid[0:700, 0:1200]; "
                + "a = np.stack([(x * 7 + y) % 256, (y * 3) % 256, ((x // 40 + y // 40) % 2) * 255], -1).astype('uint8'); "
                + "e = Image.Exif(); e[0x0112] = 6; "
                + "Image.fromarray(a).save('" + file.toAbsolutePath() + "', quality=90, exif=e.tobytes())";
        Process process = new ProcessBuilder(python, "-c", code).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(log).isZero();
        return file;
    }

    /** A Python 3 with numpy and Pillow, or the test is skipped. */
    private static String python() throws InterruptedException {
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import numpy, PIL").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) return candidate;
            } catch (IOException e) {
                // not there: try the next
            }
        }
        assumeTrue(false, "No python3 with numpy and Pillow (Debian: python3-numpy python3-pil): the README's Python"
                + " preprocessing is not checked here.");
        return null;
    }
}
