package dev.loupe.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Turns Model Zero's Keras export ({@code scripts/model-zero/export_keras_h5.py}) into Loupe's
 * {@code models/model-zero.zip} and checks that DL4J gives the embeddings PyTorch gave.
 *
 * <p>{@code java -cp ... dev.loupe.backbone.ModelZeroImport model-zero.h5 model-zero.expected.json models/model-zero.zip}
 * imports, writes the zip, reloads it, compares the check images' embeddings with the expected ones
 * (exit status 1 when any value is off by more than {@link #TOLERANCE}) and measures throughput.
 */
public final class ModelZeroImport {

    /** Largest accepted difference between DL4J's and PyTorch's embedding values. */
    public static final double TOLERANCE = 1e-4;

    private ModelZeroImport() {
    }

    /** The expected embeddings written by the export script: check images and what they embed to. */
    public record Expected(int size, List<String> featureLayers, int dim, String description,
                           List<BufferedImage> images, List<float[]> embeddings) {

        public static Expected read(Path json) throws IOException {
            JsonNode root = new ObjectMapper().readTree(json.toFile());
            List<String> layers = new ArrayList<>();
            root.get("feature_layers").forEach(n -> layers.add(n.asText()));
            List<BufferedImage> images = new ArrayList<>();
            List<float[]> embeddings = new ArrayList<>();
            for (JsonNode image : root.get("images")) {
                Path png = json.resolveSibling(image.get("png").asText());
                BufferedImage img = ImageIO.read(png.toFile());
                if (img == null) {
                    throw new IOException(png + ": not a readable image");
                }
                images.add(img);
                JsonNode e = image.get("embedding");
                float[] v = new float[e.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) e.get(i).asDouble();
                }
                embeddings.add(v);
            }
            return new Expected(root.get("size").asInt(), layers, root.get("dim").asInt(),
                    root.path("loupe_description").asText(""), images, embeddings);
        }

        /** Model Zero's preprocessing: RGB, squashed to size, (p/255 - 0.5)/0.25, alpha on white. */
        public Preprocessing preprocessing() {
            return new Preprocessing(size, size, Preprocessing.ColorMode.RGB, Preprocessing.ResizeMode.SQUASH,
                    Preprocessing.Layout.NHWC, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
        }

        /** Largest absolute difference between {@code backbone}'s embeddings of the images and the expected ones. */
        public double maxDifference(Backbone backbone) {
            float[][] got = backbone.embed(images);
            double worst = 0;
            for (int i = 0; i < got.length; i++) {
                float[] want = embeddings.get(i);
                if (got[i].length != want.length) {
                    return Double.POSITIVE_INFINITY;
                }
                for (int j = 0; j < want.length; j++) {
                    worst = Math.max(worst, Math.abs(got[i][j] - want[j]));
                }
            }
            return worst;
        }
    }

    /** Imports the .h5 as Model Zero and writes it to {@code target}; returns the written file's backbone. */
    public static Dl4jBackbone importTo(Path h5, Expected expected, Path target) throws BackboneException, IOException {
        try (Dl4jBackbone imported = KerasBackbone.load(h5, expected.preprocessing(), expected.featureLayers())) {
            BackboneMetadata metadata = new BackboneMetadata(BackboneLoader.MODEL_ZERO, expected.description(),
                    expected.featureLayers(), expected.dim(), imported.preprocessing());
            BackboneFiles.write(target, imported.network(), metadata);
        }
        return Dl4jBackbone.load(target);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ModelZeroImport MODEL.h5 EXPECTED.json OUT.zip");
            System.exit(2);
        }
        Path h5 = Path.of(args[0]);
        Expected expected = Expected.read(Path.of(args[1]));
        Path target = Path.of(args[2]);
        double diff;
        String id;
        try (Dl4jBackbone zero = importTo(h5, expected, target)) {
            id = zero.id();
            diff = expected.maxDifference(zero);
            System.out.println("wrote " + target + " (" + Files.size(target) + " bytes), id " + id + ", dim " + zero.dim()
                    + ", " + zero.preprocessing());
        }
        System.out.printf("check: %d images, largest |DL4J - PyTorch| = %.3g (tolerance %.0e)%n",
                expected.images().size(), diff, TOLERANCE);
        if (!(diff <= TOLERANCE)) {
            System.err.println("DL4J's embeddings differ from PyTorch's: do not ship this file");
            System.exit(1);
        }
        StandInModel.bench(target, 640);
    }
}
