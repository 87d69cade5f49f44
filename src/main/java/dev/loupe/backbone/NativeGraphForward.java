package dev.loupe.backbone;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inference for a ComputationGraph made of plain 2-D convolutions, max/average pooling and global pooling (Model
 * Zero's shape, and the nets {@code train-backbone} writes), run as ND4J's native {@code conv2d} /
 * {@code maxpool2d} ops instead of DL4J's layer code.
 *
 * <p>Why: DL4J 1.0.0-M2.1's convolution layers look for the oneDNN helper under a class name that no longer exists
 * ({@code org.nd4j.nativeblas.Nd4jCpu$Environment}), so they always take the built-in im2col path, even when the
 * native library has oneDNN. The native ops do use it: Model Zero's forward pass is several times faster (ADR 0016,
 * docs/BENCHMARKS.md). The result is the same network's output; {@code NativeGraphForwardTest} checks it against
 * {@code ComputationGraph.output} to 1e-4.
 *
 * <p>{@link #of} returns null for any graph it does not cover exactly (another layer type, a preprocessor,
 * dilation, mixed data formats, ...); the caller then keeps DL4J's own forward pass.
 */
final class NativeGraphForward {

    /** Set to false to always use DL4J's layers (to compare). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("loupe.nativeForward"));

    private record Step(String name, String input, Layer layer, int consumers) {}

    private final ComputationGraph graph;
    private final List<Step> steps;
    private final List<String> outputs;
    private final Set<String> outputSet;
    private final boolean nhwc;

    private NativeGraphForward(ComputationGraph graph, List<Step> steps, List<String> outputs, boolean nhwc) {
        this.graph = graph;
        this.steps = steps;
        this.outputs = outputs;
        this.outputSet = new HashSet<>(outputs);
        this.nhwc = nhwc;
    }

    /**
     * A native forward pass giving the activations of {@code outputs}, or null when the graph has anything this
     * class does not run exactly as DL4J does.
     */
    static NativeGraphForward of(ComputationGraph graph, List<String> outputs) {
        if (!ENABLED) return null;
        var conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1) return null;
        String input = conf.getNetworkInputs().get(0);
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputsOf = conf.getVertexInputs();
        // The vertices the outputs need, each with exactly one input, back to the network input.
        Set<String> needed = new HashSet<>();
        List<String> stack = new ArrayList<>(outputs);
        while (!stack.isEmpty()) {
            String v = stack.remove(stack.size() - 1);
            if (v.equals(input) || !needed.add(v)) continue;
            List<String> in = inputsOf.get(v);
            if (in == null || in.size() != 1) return null;
            stack.add(in.get(0));
        }
        Boolean nhwc = null;
        Map<String, Integer> consumers = new HashMap<>();
        for (String v : needed) consumers.merge(inputsOf.get(v).get(0), 1, Integer::sum);
        List<Step> steps = new ArrayList<>();
        for (int index : graph.topologicalSortOrder()) {
            String name = graph.getVertices()[index].getVertexName();
            if (!needed.contains(name)) continue;
            if (!(vertices.get(name) instanceof LayerVertex lv) || lv.getPreProcessor() != null) return null;
            Layer layer = lv.getLayerConf().getLayer();
            if (!covered(layer)) return null;
            CNN2DFormat format = format(layer);
            if (format != null) {
                boolean isNhwc = format == CNN2DFormat.NHWC;
                if (nhwc != null && nhwc != isNhwc) return null;
                nhwc = isNhwc;
            }
            steps.add(new Step(name, inputsOf.get(name).get(0), layer, consumers.getOrDefault(name, 0)));
        }
        return nhwc == null ? null : new NativeGraphForward(graph, steps, List.copyOf(outputs), nhwc);
    }

    /** Whether this class runs the layer exactly as DL4J does. */
    private static boolean covered(Layer layer) {
        if (layer.getClass() == ConvolutionLayer.class) {
            ConvolutionLayer c = (ConvolutionLayer) layer;
            return c.getKernelSize().length == 2 && ones(c.getDilation()) && supported(c.getConvolutionMode(), c.getPadding());
        }
        if (layer.getClass() == SubsamplingLayer.class) {
            SubsamplingLayer s = (SubsamplingLayer) layer;
            // Average pooling with padding: DL4J's divisor rules differ from the op's; not needed, not covered.
            boolean typeOk = s.getPoolingType() == PoolingType.MAX || s.getPoolingType() == PoolingType.AVG
                    && zeros(s.getPadding()) && s.getConvolutionMode() != ConvolutionMode.Same;
            return typeOk && s.getKernelSize().length == 2 && ones(s.getDilation())
                    && supported(s.getConvolutionMode(), s.getPadding());
        }
        if (layer.getClass() == GlobalPoolingLayer.class) {
            GlobalPoolingLayer g = (GlobalPoolingLayer) layer;
            return (g.getPoolingType() == PoolingType.AVG || g.getPoolingType() == PoolingType.MAX) && g.isCollapseDimensions();
        }
        return false;
    }

    /** A covered layer's data format; null for global pooling (it follows its input's). */
    private static CNN2DFormat format(Layer layer) {
        if (layer instanceof ConvolutionLayer c) return c.getCnn2dDataFormat();
        if (layer instanceof SubsamplingLayer s) return s.getCnn2dDataFormat();
        return null;
    }

    private static boolean supported(ConvolutionMode mode, int[] padding) {
        return mode == ConvolutionMode.Same && zeros(padding)
                || mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict;
    }

    private static boolean ones(int[] a) {
        for (int v : a) if (v != 1) return false;
        return true;
    }

    private static boolean zeros(int[] a) {
        for (int v : a) if (v != 0) return false;
        return true;
    }

    /** The activations of the outputs, in the order given to {@link #of}. */
    INDArray[] output(INDArray input) {
        Map<String, INDArray> live = new HashMap<>();
        Map<String, Integer> pending = new HashMap<>();
        String networkInput = graph.getConfiguration().getNetworkInputs().get(0);
        live.put(networkInput, input);
        for (Step s : steps) {
            INDArray x = live.get(s.input());
            INDArray y = run(s, x);
            live.put(s.name(), y);
            pending.put(s.name(), s.consumers());
            // Free an intermediate activation once its last consumer has run (not the caller's input, not an output).
            if (!s.input().equals(networkInput) && pending.merge(s.input(), -1, Integer::sum) == 0
                    && !outputSet.contains(s.input())) {
                live.remove(s.input()).close();
            }
        }
        INDArray[] out = new INDArray[outputs.size()];
        for (int i = 0; i < out.length; i++) out[i] = live.get(outputs.get(i));
        return out;
    }

    private INDArray run(Step s, INDArray x) {
        Layer layer = s.layer();
        if (layer instanceof GlobalPoolingLayer g) {
            if (x.rank() != 4) throw new IllegalStateException(s.name() + ": global pooling of a rank " + x.rank() + " array");
            int[] dims = g.getPoolingDimensions() != null ? g.getPoolingDimensions() : nhwc ? new int[] {1, 2} : new int[] {2, 3};
            return g.getPoolingType() == PoolingType.AVG ? x.mean(dims) : x.max(dims);
        }
        if (layer instanceof SubsamplingLayer p) {
            boolean same = p.getConvolutionMode() == ConvolutionMode.Same;
            Pooling2DConfig cfg = Pooling2DConfig.builder()
                    .kH(p.getKernelSize()[0]).kW(p.getKernelSize()[1])
                    .sH(p.getStride()[0]).sW(p.getStride()[1])
                    .pH(p.getPadding()[0]).pW(p.getPadding()[1])
                    .dH(1).dW(1)
                    .paddingMode(same ? PaddingMode.SAME : PaddingMode.VALID)
                    .isNHWC(nhwc)
                    .build();
            return p.getPoolingType() == PoolingType.MAX ? Nd4j.cnn().maxPooling2d(x, cfg) : Nd4j.cnn().avgPooling2d(x, cfg);
        }
        ConvolutionLayer c = (ConvolutionLayer) layer;
        var params = graph.getLayer(s.name());
        // DL4J keeps conv weights as [out, in, kH, kW]; the op takes [kH, kW, in, out] in either data format.
        INDArray w = params.getParam("W").permute(2, 3, 1, 0).dup('c');
        INDArray b = c.hasBias() ? params.getParam("b").reshape(params.getParam("b").length()) : null;
        boolean same = c.getConvolutionMode() == ConvolutionMode.Same;
        Conv2DConfig cfg = Conv2DConfig.builder()
                .kH(c.getKernelSize()[0]).kW(c.getKernelSize()[1])
                .sH(c.getStride()[0]).sW(c.getStride()[1])
                .pH(c.getPadding()[0]).pW(c.getPadding()[1])
                .dH(1).dW(1)
                .paddingMode(same ? PaddingMode.SAME : PaddingMode.VALID)
                .dataFormat(nhwc ? "NHWC" : "NCHW")
                .weightsFormat(WeightsFormat.YXIO)
                .build();
        INDArray z = Nd4j.cnn().conv2d(x, w, b, cfg);
        w.close();
        return c.getActivationFn().getActivation(z, false);
    }
}
