package dev.loupe.export.onnx;

import dev.loupe.LoupeException;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.backbone.Dl4jBackbone;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.StandInModel;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each DL4J layer Loupe maps to ONNX, run by ONNX Runtime against DL4J's own forward pass (the embedding, through
 * {@link Dl4jBackbone#embed}), in both data formats; and layers without a mapping refused by name.
 */
class Dl4jGraphWriterTest {

    /** Relative to the value's size (random nets give embeddings from 1e-3 to 1e3). */
    private static final double TOLERANCE = 1e-4;

    @Test
    void modelZeroGivesTheSameEmbeddingsAsLoupe() throws Exception {
        try (Backbone zero = BackboneLoader.load(BackboneLoader.MODEL_ZERO)) {
            assertThat(EmbeddingCheck.difference((Dl4jBackbone) zero)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void theNetsTrainBackboneWritesMapExactly() throws Exception {
        // train-backbone's output has the stand-in's shape (NCHW, 'same' convolutions, four pooled blocks).
        try (Dl4jBackbone standIn = Dl4jBackbone.wrap(StandInModel.network(), StandInModel.metadata(), "stand-in@test", "test")) {
            assertThat(EmbeddingCheck.difference(standIn)).isLessThan(TOLERANCE);
        }
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void convolutionsPoolingNormalisationMergesAndDenseLayersMapExactly(CNN2DFormat format) throws Exception {
        ComputationGraphConfiguration.GraphBuilder g = builder();
        g.addInputs("in").setInputTypes(InputType.convolutional(20, 18, 3, format));
        g.addLayer("conv1", conv(3, 8, Activation.RELU, format).stride(2, 2).build(), "in");
        g.addLayer("bn1", new BatchNormalization.Builder().useLogStd(true).dataFormat(format).build(), "conv1");
        g.addLayer("act1", new ActivationLayer.Builder().activation(Activation.LEAKYRELU).build(), "bn1");
        g.addLayer("pool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                .dataFormat(format).build(), "act1");
        g.addLayer("conv2a", conv(1, 6, Activation.TANH, format).convolutionMode(ConvolutionMode.Truncate).build(), "pool1");
        g.addLayer("conv2b", conv(3, 6, Activation.ELU, format).dilation(2, 2).hasBias(false).build(), "pool1");
        if (format == CNN2DFormat.NCHW) {
            g.addVertex("merge", new MergeVertex(), "conv2a", "conv2b");
        } else {
            // DL4J M2.1 joins these NHWC activations along the height (a merge of its own runs fine:
            // anNhwcMergeJoinsTheChannels); the writer follows the running vertex, and this graph fails in DL4J itself.
            g.addVertex("merge", new ElementWiseVertex(ElementWiseVertex.Op.Add), "conv2a", "conv2b");
        }
        g.addLayer("bn2", new BatchNormalization.Builder().useLogStd(false).dataFormat(format).build(), "merge");
        int merged = format == CNN2DFormat.NCHW ? 12 : 6;
        g.addLayer("conv3a", conv(1, merged, Activation.SIGMOID, format).build(), "bn2");
        g.addLayer("conv3b", conv(1, merged, Activation.SOFTPLUS, format).build(), "bn2");
        g.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "conv3a", "conv3b", "bn2");
        g.addVertex("product", new ElementWiseVertex(ElementWiseVertex.Op.Product), "conv3a", "conv3b");
        g.addVertex("average", new ElementWiseVertex(ElementWiseVertex.Op.Average), "add", "product");
        g.addVertex("max", new ElementWiseVertex(ElementWiseVertex.Op.Max), "average", "conv3a");
        g.addVertex("difference", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "max", "conv3b");
        g.addLayer("pad", new ZeroPaddingLayer.Builder(1, 2, 0, 1).dataFormat(format).build(), "difference");
        g.addLayer("conv4", conv(2, 10, Activation.SELU, format).convolutionMode(ConvolutionMode.Truncate)
                .padding(1, 1).stride(2, 1).build(), "pad");
        g.addLayer("drop", new DropoutLayer.Builder(0.5).build(), "conv4");
        g.addLayer("avg", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2)
                .convolutionMode(ConvolutionMode.Truncate).dataFormat(format).build(), "drop");
        g.addLayer("maxTruncate", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(1, 1)
                .convolutionMode(ConvolutionMode.Truncate).dataFormat(format).build(), "conv4");
        g.addLayer("gapMax", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "maxTruncate");
        g.addLayer("gapAvg", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "avg");
        g.addLayer("gapSum", new GlobalPoolingLayer.Builder(PoolingType.SUM).build(), "merge");
        // DL4J M2.1 cannot run an uncollapsed NHWC global pooling (its reshape fails).
        g.addLayer("gapKeep", new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(format == CNN2DFormat.NHWC).build(), "conv4");
        g.addLayer("dense", new DenseLayer.Builder().nOut(5).activation(Activation.SWISH).build(), "avg");
        g.addLayer("dense2", new DenseLayer.Builder().nOut(4).activation(Activation.HARDSIGMOID).build(), "dense");
        g.addLayer("bnDense", new BatchNormalization.Builder().lockGammaBeta(true).gamma(1.5).beta(-0.25).build(), "dense2");
        List<String> features = List.of("gapMax", "gapAvg", "gapSum", "gapKeep", "conv2a", "bnDense", "dense");
        g.setOutputs("gapMax", "gapAvg", "gapSum", "gapKeep", "conv2a", "bnDense", "dense");
        ComputationGraph net = graph(g);
        try (Dl4jBackbone backbone = wrap(net, format, 18, 20, Preprocessing.ColorMode.RGB, features)) {
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(TOLERANCE);
        }
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void everyMappedActivationMatches(CNN2DFormat format) throws Exception {
        Activation[] activations = {Activation.RELU, Activation.RELU6, Activation.LEAKYRELU, Activation.ELU,
                Activation.TANH, Activation.SIGMOID, Activation.HARDSIGMOID, Activation.HARDTANH, Activation.SOFTPLUS,
                Activation.SELU, Activation.SWISH, Activation.IDENTITY};
        ComputationGraphConfiguration.GraphBuilder g = builder();
        g.addInputs("in").setInputTypes(InputType.convolutional(9, 11, 3, format));
        List<String> features = new ArrayList<>();
        for (Activation a : activations) {
            String conv = "conv_" + a.name();
            g.addLayer(conv, conv(3, 4, a, format).build(), "in");
            g.addLayer("gap_" + a.name(), new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), conv);
            features.add("gap_" + a.name());
        }
        g.addLayer("dense", new DenseLayer.Builder().nOut(6).activation(Activation.IDENTITY).build(), features.get(0));
        g.addLayer("softmax", new ActivationLayer.Builder().activation(Activation.SOFTMAX).build(), "dense");
        features.add("softmax");
        g.setOutputs(features.toArray(String[]::new));
        try (Dl4jBackbone backbone = wrap(graph(g), format, 11, 9, Preprocessing.ColorMode.RGB, features)) {
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void anNhwcMergeJoinsTheChannels() throws Exception {
        ComputationGraphConfiguration.GraphBuilder g = builder();
        g.addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3, CNN2DFormat.NHWC));
        g.addLayer("a", conv(3, 4, Activation.RELU, CNN2DFormat.NHWC).build(), "in");
        g.addLayer("b", conv(1, 5, Activation.TANH, CNN2DFormat.NHWC).build(), "in");
        g.addVertex("merge", new MergeVertex(), "a", "b");
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "merge");
        g.setOutputs("gap");
        try (Dl4jBackbone backbone = wrap(graph(g), CNN2DFormat.NHWC, 8, 8, Preprocessing.ColorMode.RGB, List.of("gap"))) {
            assertThat(backbone.dim()).isEqualTo(9);
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void averagePoolingWithPaddingCountsThePaddingAsDl4jSays() throws Exception {
        for (boolean include : new boolean[] {true, false}) {
            ComputationGraphConfiguration.GraphBuilder g = builder();
            g.addInputs("in").setInputTypes(InputType.convolutional(7, 7, 3));
            g.addLayer("avg", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2).padding(1, 1)
                    .convolutionMode(ConvolutionMode.Truncate).avgPoolIncludePadInDivisor(include).build(), "in");
            g.addLayer("maxPadded", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2).padding(1, 1)
                    .convolutionMode(ConvolutionMode.Truncate).build(), "in");
            g.setOutputs("avg", "maxPadded");
            try (Dl4jBackbone backbone = wrap(graph(g), CNN2DFormat.NCHW, 7, 7, Preprocessing.ColorMode.RGB,
                    List.of("avg", "maxPadded"))) {
                assertThat(EmbeddingCheck.difference(backbone)).as("avgPoolIncludePadInDivisor " + include).isLessThan(TOLERANCE);
            }
        }
    }

    @Test
    void aGreyBackboneSeesTheLumaLoupeComputes() throws Exception {
        ComputationGraphConfiguration.GraphBuilder g = builder();
        g.addInputs("in").setInputTypes(InputType.convolutional(16, 16, 1));
        g.addLayer("conv", conv(3, 5, Activation.RELU, CNN2DFormat.NCHW).build(), "in");
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv");
        g.setOutputs("gap");
        Preprocessing p = new Preprocessing(16, 16, Preprocessing.ColorMode.GREY, Preprocessing.ResizeMode.CENTER_CROP,
                Preprocessing.Layout.NCHW, new float[] {0.3f}, new float[] {0.2f});
        try (Dl4jBackbone backbone = Dl4jBackbone.wrap(graph(g), "grey", "", List.of("gap"), p, "grey@test", "test")) {
            // The luma is rounded to an integer before the lookup; a 1e-6 slip in it would move values by 0.02.
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(1e-5);
        }
    }

    @Test
    void aMultiLayerNetworkWithAFlattenMapsToo() throws Exception {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).dataFormat(CNN2DFormat.NHWC).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).dataFormat(CNN2DFormat.NHWC).build())
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nOut(3).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(10, 12, 3, CNN2DFormat.NHWC))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        randomise(net);
        String dense = net.getLayerNames().get(2);
        try (Dl4jBackbone backbone = wrap(net, CNN2DFormat.NHWC, 12, 10, Preprocessing.ColorMode.RGB, List.of(dense))) {
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void aLayerWithoutAMappingIsRefusedByNameAndType() throws Exception {
        ComputationGraphConfiguration.GraphBuilder g = builder();
        g.addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3));
        g.addLayer("up", new Deconvolution2D.Builder(2, 2).stride(2, 2).nOut(4).build(), "in");
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "up");
        g.setOutputs("gap");
        try (Dl4jBackbone backbone = wrap(graph(g), CNN2DFormat.NCHW, 8, 8, Preprocessing.ColorMode.RGB, List.of("gap"))) {
            assertThatThrownBy(() -> OnnxExport.embeddingModel(backbone))
                    .isInstanceOf(LoupeException.class)
                    .hasMessageContaining("layer 'up' (Deconvolution2D)")
                    .hasMessageContaining("--model FILE.zip");
        }
        ComputationGraphConfiguration.GraphBuilder p = builder();
        p.addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3));
        p.addLayer("pnorm", new SubsamplingLayer.Builder(PoolingType.PNORM).kernelSize(2, 2).stride(2, 2).pnorm(2).build(), "in");
        p.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "pnorm");
        p.setOutputs("gap");
        try (Dl4jBackbone backbone = wrap(graph(p), CNN2DFormat.NCHW, 8, 8, Preprocessing.ColorMode.RGB, List.of("gap"))) {
            assertThatThrownBy(() -> OnnxExport.embeddingModel(backbone))
                    .hasMessageContaining("layer 'pnorm' (SubsamplingLayer)").hasMessageContaining("PNORM pooling");
        }
    }

    @Test
    void onlyTheLayersTheFeaturesNeedAreWritten() throws Exception {
        // A classifier after the feature layer may hold anything: it is not part of the embedding.
        ComputationGraphConfiguration.GraphBuilder g = builder();
        g.addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3));
        g.addLayer("conv", conv(3, 4, Activation.RELU, CNN2DFormat.NCHW).build(), "in");
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv");
        g.addLayer("up", new Deconvolution2D.Builder(2, 2).stride(2, 2).nOut(4).build(), "conv");
        g.setOutputs("gap", "up");
        try (Dl4jBackbone backbone = wrap(graph(g), CNN2DFormat.NCHW, 8, 8, Preprocessing.ColorMode.RGB, List.of("gap"))) {
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(TOLERANCE);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static ComputationGraphConfiguration.GraphBuilder builder() {
        return new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same).graphBuilder();
    }

    private static ConvolutionLayer.Builder conv(int k, int nOut, Activation a, CNN2DFormat format) {
        return new ConvolutionLayer.Builder(k, k).nOut(nOut).activation(a).dataFormat(format);
    }

    private static ComputationGraph graph(ComputationGraphConfiguration.GraphBuilder g) {
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        randomise(net);
        return net;
    }

    /** Every parameter random (biases and batch-norm statistics included), variances positive. */
    private static void randomise(Model net) {
        Random random = new Random(5);
        org.deeplearning4j.nn.api.Layer[] layers = net instanceof ComputationGraph cg ? cg.getLayers()
                : ((MultiLayerNetwork) net).getLayers();
        for (org.deeplearning4j.nn.api.Layer layer : layers) {
            for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                INDArray p = e.getValue();
                float[] v = new float[(int) p.length()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = e.getKey().equals("var") ? 0.5f + random.nextFloat() : (random.nextFloat() - 0.5f);
                }
                p.assign(Nd4j.createFromArray(v).reshape(p.shape()));
            }
        }
    }

    private static Dl4jBackbone wrap(Model net, CNN2DFormat format, int width, int height, Preprocessing.ColorMode color,
                                     List<String> features) throws Exception {
        int c = color == Preprocessing.ColorMode.RGB ? 3 : 1;
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int i = 0; i < c; i++) {
            mean[i] = 0.4f + 0.05f * i;
            std[i] = 0.2f + 0.03f * i;
        }
        Preprocessing p = new Preprocessing(width, height, color, Preprocessing.ResizeMode.SQUASH,
                format == CNN2DFormat.NHWC ? Preprocessing.Layout.NHWC : Preprocessing.Layout.NCHW, mean, std);
        return Dl4jBackbone.wrap(net, "test", "", features, p, "test@" + format, "test");
    }
}
