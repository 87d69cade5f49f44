package dev.loupe.backbone;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The native-op forward pass gives DL4J's own outputs, and declines graphs it does not cover. */
class NativeGraphForwardTest {

    /** Largest |native − DL4J| relative to the largest |DL4J| value of each output. */
    private static double relativeDifference(ComputationGraph graph, List<String> outputs, INDArray input) {
        NativeGraphForward forward = NativeGraphForward.of(graph, outputs);
        assertThat(forward).as("the graph is covered").isNotNull();
        INDArray[] expected = graph.output(false, input);
        INDArray[] actual = forward.output(input.dup());
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i].shape()).as(outputs.get(i)).isEqualTo(expected[i].shape());
            double scale = Math.max(1e-6, expected[i].amaxNumber().doubleValue());
            worst = Math.max(worst, expected[i].sub(actual[i]).amaxNumber().doubleValue() / scale);
        }
        return worst;
    }

    @Test
    void modelZeroGivesDl4jsOutputs() throws Exception {
        ComputationGraph graph = (ComputationGraph) BackboneFiles.read(BackboneLoader.locateModelZero()).network();
        INDArray input = Nd4j.randn(DataType.FLOAT, 5, 64, 64, 3);
        assertThat(relativeDifference(graph, List.of("gap1", "gap2", "gap3", "gap4"), input)).isLessThan(1e-4);
    }

    @Test
    void theChannelsFirstStandInGivesDl4jsOutputs() {
        ComputationGraph graph = StandInModel.network();
        INDArray input = Nd4j.randn(DataType.FLOAT, 3, 3, 64, 64);
        assertThat(relativeDifference(graph, List.of("gap1", "gap2", "gap3", "gap4"), input)).isLessThan(1e-4);
    }

    /** Strides, explicit padding, other activations, average and 3x3 'same' pooling, global max pooling, a spatial output. */
    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void everyCoveredLayerOptionGivesDl4jsOutputs(CNN2DFormat format) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(20, 18, 2, format));
        g.addLayer("a", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(6).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.TANH).dataFormat(format).build(), "in");
        g.addLayer("b", new ConvolutionLayer.Builder(3, 2).padding(1, 1).nOut(5).convolutionMode(ConvolutionMode.Truncate)
                .activation(Activation.IDENTITY).dataFormat(format).build(), "a");
        g.addLayer("avg", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2)
                .convolutionMode(ConvolutionMode.Truncate).dataFormat(format).build(), "b");
        g.addLayer("max", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same).dataFormat(format).build(), "b");
        g.addLayer("c", new ConvolutionLayer.Builder(1, 1).nOut(4).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).hasBias(false).dataFormat(format).build(), "max");
        g.addLayer("gmax", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "c");
        g.addLayer("gavg", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "avg");
        List<String> outputs = List.of("b", "gavg", "gmax");
        g.setOutputs(outputs.toArray(String[]::new));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        INDArray input = format == CNN2DFormat.NHWC
                ? Nd4j.randn(DataType.FLOAT, 4, 20, 18, 2) : Nd4j.randn(DataType.FLOAT, 4, 2, 20, 18);
        assertThat(relativeDifference(graph, outputs, input)).isLessThan(1e-4);
    }

    @Test
    void aGraphWithAnUncoveredLayerKeepsDl4jsForwardPass() throws Exception {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.FLOAT).convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("input").setInputTypes(InputType.convolutional(16, 16, 3));
        g.addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "input");
        g.addLayer("bn", new BatchNormalization.Builder().build(), "conv1");
        g.addLayer("gap1", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn");
        g.setOutputs("gap1");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        assertThat(NativeGraphForward.of(graph, List.of("gap1"))).isNull();
        // A dilated convolution is not covered either.
        ComputationGraphConfiguration.GraphBuilder d = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.FLOAT).convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("input").setInputTypes(InputType.convolutional(16, 16, 3));
        d.addLayer("conv1", new ConvolutionLayer.Builder(3, 3).dilation(2, 2).nOut(4).build(), "input");
        d.addLayer("gap1", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv1");
        d.setOutputs("gap1");
        ComputationGraph dilated = new ComputationGraph(d.build());
        dilated.init();
        assertThat(NativeGraphForward.of(dilated, List.of("gap1"))).isNull();

        Preprocessing p = new Preprocessing(16, 16, Preprocessing.ColorMode.RGB, Preprocessing.ResizeMode.SQUASH,
                Preprocessing.Layout.NCHW, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
        try (Dl4jBackbone backbone = Dl4jBackbone.wrap(graph, "bn-net", "test", List.of("gap1"), p, "bn-net@1", "test")) {
            assertThat(backbone.nativeForward()).isFalse();
            float[][] e = backbone.embedInput(Nd4j.randn(DataType.FLOAT, 2, 3, 16, 16));
            assertThat(e).hasNumberOfRows(2);
            assertThat(e[0]).hasSize(4);
        }
    }

    @Test
    void modelZeroLoadsWithTheNativeForwardPass() throws Exception {
        try (Backbone zero = BackboneLoader.load(BackboneLoader.MODEL_ZERO)) {
            assertThat(zero).isInstanceOf(Dl4jBackbone.class);
            assertThat(((Dl4jBackbone) zero).nativeForward()).isTrue();
        }
    }
}
