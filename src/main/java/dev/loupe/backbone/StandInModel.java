package dev.loupe.backbone;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Builds the random-init stand-in for Model Zero (4 conv blocks 16-32-64-128 at 64x64 RGB, every
 * block's global-average-pooled output joined: 240 values); since the trained Model Zero ships
 * (models/MODEL_CARD.md) it is the random-init baseline.
 *
 * <p>{@code java -cp ... dev.loupe.backbone.StandInModel write [models/model-zero.zip]} writes it;
 * {@code ... bench [file] [images]} measures embedding throughput at batch 32.
 */
public final class StandInModel {

    /** Seed of the stand-in's weights; changing it changes the file and its id. */
    public static final long SEED = 20240501L;
    public static final int[] BLOCK_WIDTHS = {16, 32, 64, 128};
    public static final String NAME = "model-zero";

    private StandInModel() {
    }

    public static Preprocessing preprocessing() {
        return new Preprocessing(64, 64, Preprocessing.ColorMode.RGB, Preprocessing.ResizeMode.SQUASH,
                Preprocessing.Layout.NCHW, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
    }

    /** The untrained network with fixed-seed weights. */
    public static ComputationGraph network() {
        return network(preprocessing(), BLOCK_WIDTHS, SEED);
    }

    /** A conv net of {@code widths.length} blocks (conv3x3-relu, then 2x2 max-pool), each pooled to "gapN". */
    public static ComputationGraph network(Preprocessing p, int[] widths, long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder();
        List<String> outputs = addBlocks(g, p, widths);
        g.setOutputs(outputs.toArray(String[]::new));
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    /**
     * Adds the input "input" and the blocks to {@code g} (layer names "convN", "poolN", "gapN"); returns the
     * "gapN" names, whose joined outputs are the embedding. The builder's defaults must give 'same' convolutions.
     * {@code BackboneTrainer} builds its training graph with this, so trained backbones have this exact shape.
     */
    public static List<String> addBlocks(ComputationGraphConfiguration.GraphBuilder g, Preprocessing p, int[] widths) {
        g.addInputs("input").setInputTypes(InputType.convolutional(p.height(), p.width(), p.channels()));
        String previous = "input";
        List<String> outputs = new ArrayList<>();
        for (int b = 0; b < widths.length; b++) {
            String conv = "conv" + (b + 1);
            g.addLayer(conv, new ConvolutionLayer.Builder(3, 3).nOut(widths[b]).activation(Activation.RELU).build(),
                    previous);
            g.addLayer("gap" + (b + 1), new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), conv);
            outputs.add("gap" + (b + 1));
            if (b < widths.length - 1) {
                String pool = "pool" + (b + 1);
                g.addLayer(pool, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), conv);
                previous = pool;
            }
        }
        return outputs;
    }

    public static BackboneMetadata metadata() {
        List<String> layers = new ArrayList<>();
        for (int b = 0; b < BLOCK_WIDTHS.length; b++) {
            layers.add("gap" + (b + 1));
        }
        return new BackboneMetadata(NAME,
                "Stand-in for Model Zero: an UNTRAINED 4-block conv net (16-32-64-128 filters, 64x64 RGB,"
                        + " random weights, seed " + SEED + "), all blocks' average-pooled outputs joined."
                        + " It will be replaced by the trained Model Zero.",
                layers, Arrays.stream(BLOCK_WIDTHS).sum(), preprocessing());
    }

    public static void main(String[] args) throws Exception {
        String verb = args.length > 0 ? args[0] : "write";
        Path file = Path.of(args.length > 1 ? args[1] : "models/model-zero.zip");
        switch (verb) {
            case "write" -> {
                BackboneFiles.write(file, network(), metadata());
                System.out.println("wrote " + file + " (" + Files.size(file) + " bytes), id "
                        + Dl4jBackbone.load(file).id());
            }
            case "bench" -> bench(file, args.length > 2 ? Integer.parseInt(args[2]) : 640);
            default -> System.err.println("usage: StandInModel write|bench [file] [images]");
        }
    }

    static void bench(Path file, int images) throws Exception {
        int batch = 32;
        Random random = new Random(1);
        List<BufferedImage> pictures = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            // Photo-sized pictures, so the timing includes the resize.
            BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
            Graphics2D gr = img.createGraphics();
            for (int k = 0; k < 20; k++) {
                gr.setColor(new Color(random.nextInt(0xffffff)));
                gr.fillOval(random.nextInt(320), random.nextInt(240), 20 + random.nextInt(100), 20 + random.nextInt(100));
            }
            gr.dispose();
            pictures.add(img);
        }
        try (Backbone backbone = BackboneLoader.load(file.toString())) {
            for (int i = 0; i < 3; i++) {
                backbone.embed(pictures); // warm-up
            }
            long convertNanos = 0;
            long netNanos = 0;
            int rounds = Math.max(1, images / batch);
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                var input = backbone.preprocessing().toInput(pictures);
                long t1 = System.nanoTime();
                backbone.embedInput(input);
                long t2 = System.nanoTime();
                convertNanos += t1 - t0;
                netNanos += t2 - t1;
            }
            double n = rounds * (double) batch;
            System.out.printf("%s: %d images at batch %d: %.0f img/s overall (convert %.2f ms/img, network %.2f ms/img)%n",
                    backbone.id(), (int) n, batch, n / ((convertNanos + netNanos) / 1e9),
                    convertNanos / 1e6 / n, netNanos / 1e6 / n);
        }
    }
}
