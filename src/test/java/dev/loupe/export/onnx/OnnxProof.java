package dev.loupe.export.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.export.ExportFixtures;
import dev.loupe.export.LoupeModel;
import dev.loupe.export.Prediction;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What an exported ONNX file must reproduce: Loupe's own predictions of some image files through the exported .zip
 * (as {@code loupe predict} runs it, images decoded as it decodes them), and the ONNX input for the same images.
 *
 * @param rgb      the images fitted to the model's size, {@code n x height x width x 3} RGB 0..255
 * @param expected Loupe's probabilities, one row per file
 */
public record OnnxProof(List<Path> files, float[] rgb, int height, int width, float[][] expected, List<String> labels) {

    /** The folder of the onnxruntime-node runner (package.json, run.mjs, node_modules after `npm ci`). */
    public static final Path NODE_RUNNER = Path.of("scripts", "onnx-node");

    public static OnnxProof of(Path loupeZip, List<Path> files) throws Exception {
        try (LoupeModel model = LoupeModel.load(loupeZip)) {
            var images = ExportFixtures.decode(model.backbone(), files);
            List<Prediction> predictions = model.predict(images);
            float[][] expected = new float[predictions.size()][];
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < expected.length; i++) {
                expected[i] = predictions.get(i).probabilities();
                labels.add(predictions.get(i).label());
            }
            Preprocessing p = model.backbone().preprocessing();
            return new OnnxProof(List.copyOf(files), p.fittedRgb(images), p.height(), p.width(), expected, labels);
        }
    }

    /** Largest |got − expected| over every image and column; fails on a shape mismatch. */
    public double maxDifference(float[][] got) {
        assertThat(got).hasNumberOfRows(expected.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            assertThat(got[i]).hasSize(expected[i].length);
            for (int k = 0; k < expected[i].length; k++) {
                double d = Math.abs(expected[i][k] - got[i][k]);
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
            }
        }
        return worst;
    }

    /**
     * Runs {@code onnx} on the images with onnxruntime-node ({@code scripts/onnx-node/run.mjs}). Skips the test when node
     * or the package is missing, unless {@code -Dloupe.onnxNode=required} (as {@code .ci/run} sets it), which fails it.
     */
    public float[][] runWithNode(Path onnx, Path work) throws Exception {
        boolean required = "required".equals(System.getProperty("loupe.onnxNode"));
        String missing = nodeMissing();
        if (missing != null) {
            if (required) throw new AssertionError("onnxruntime-node is required (-Dloupe.onnxNode=required): " + missing);
            assumeTrue(false, "onnxruntime-node check skipped: " + missing
                    + ". Install it with `npm ci --ignore-scripts --prefix scripts/onnx-node` (.ci/run does).");
        }
        Path pixels = work.resolve("pixels.f32");
        ByteBuffer bytes = ByteBuffer.allocate(4 * rgb.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(rgb);
        Files.write(pixels, bytes.array());
        Path out = work.resolve("node-output.json");
        Process process = new ProcessBuilder("node", NODE_RUNNER.resolve("run.mjs").toAbsolutePath().toString(),
                onnx.toAbsolutePath().toString(), pixels.toString(), String.valueOf(files.size()), String.valueOf(height),
                String.valueOf(width), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("node run.mjs: " + log).isZero();
        JsonNode result = new ObjectMapper().readTree(out.toFile());
        assertThat(result.get("inputNames").get(0).asText()).isEqualTo(OnnxExport.INPUT);
        assertThat(result.get("outputNames").get(0).asText()).isEqualTo(OnnxExport.OUTPUT);
        JsonNode rows = result.get("probabilities");
        float[][] got = new float[rows.size()][];
        for (int i = 0; i < got.length; i++) {
            got[i] = new float[rows.get(i).size()];
            for (int k = 0; k < got[i].length; k++) got[i][k] = (float) rows.get(i).get(k).asDouble();
        }
        return got;
    }

    /** Why onnxruntime-node cannot run here, or null when it can. */
    static String nodeMissing() {
        if (!Files.isDirectory(NODE_RUNNER.resolve("node_modules/onnxruntime-node"))) {
            return "scripts/onnx-node/node_modules/onnxruntime-node is not installed";
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? null : "`node --version` failed";
        } catch (IOException | InterruptedException e) {
            return "no `node` on the PATH (" + e.getMessage() + ")";
        }
    }
}
