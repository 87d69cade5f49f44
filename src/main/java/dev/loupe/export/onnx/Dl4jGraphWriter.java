package dev.loupe.export.onnx;

import dev.loupe.LoupeException;
import dev.loupe.backbone.Dl4jBackbone;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSELU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.loupe.export.onnx.OnnxGraph.attr;
import static dev.loupe.export.onnx.OnnxGraph.ints;

/**
 * Writes a DL4J backbone's forward pass, from its standardised input to its embedding, as ONNX nodes
 * (docs/adr/0020-onnx-export.md). Inside the ONNX graph every image tensor is NCHW, whatever the DL4J layers' own
 * format; each layer is written from its DL4J semantics. Anything without an exact mapping is refused with its
 * layer's name and type: a wrong file is worse than none.
 */
final class Dl4jGraphWriter {

    /**
     * A tensor of the graph under construction.
     *
     * @param name  its ONNX name
     * @param shape without the batch: {@code [c, h, w]} for an image tensor (NCHW in the graph), {@code [f]} for a vector
     * @param nhwc  whether DL4J holds this activation as NHWC (it decides which axes its layers mean)
     */
    record Tensor(String name, long[] shape, boolean nhwc) {
        boolean spatial() {
            return shape.length == 3;
        }

        long channels() {
            return shape[0];
        }
    }

    private final OnnxGraph g;
    private final String source;

    private Dl4jGraphWriter(OnnxGraph g, String source) {
        this.g = g;
        this.source = source;
    }

    /**
     * Appends the backbone's nodes to {@code g}; {@code input} is the standardised NCHW image. Returns the name of
     * the {@code [N, dim]} embedding: the feature layers' outputs, each global-average-pooled if spatial, joined in
     * order, as {@link Dl4jBackbone#embedInput} computes it.
     */
    static String embedding(OnnxGraph g, Dl4jBackbone backbone, Tensor input) {
        Dl4jGraphWriter w = new Dl4jGraphWriter(g, backbone.id());
        Model network = backbone.network();
        List<String> featureLayers = backbone.metadata().featureLayers();
        Map<String, Tensor> outputs;
        if (network instanceof ComputationGraph graph) {
            outputs = w.graph(graph, input, featureLayers);
        } else if (network instanceof MultiLayerNetwork mln) {
            outputs = w.layers(mln, input, featureLayers);
        } else {
            throw new LoupeException("Cannot export to ONNX: the base model " + backbone.id() + " is a "
                    + network.getClass().getSimpleName() + ", which Loupe cannot write as ONNX.");
        }
        List<String> parts = new ArrayList<>();
        long dim = 0;
        for (String layer : featureLayers) {
            Tensor t = outputs.get(layer);
            if (t.spatial()) {
                String pooled = g.op("GlobalAveragePool", layer + "/embedding_pool", List.of(t.name()));
                parts.add(g.op("Flatten", layer + "/embedding", List.of(pooled), attr("axis", 1L)));
            } else if (t.shape().length == 1) {
                parts.add(t.name());
            } else {
                throw w.unsupported(layer, "feature layer", "its output has rank " + (t.shape().length + 1));
            }
            dim += t.channels();
        }
        if (dim != backbone.dim()) {
            throw new LoupeException("Cannot export to ONNX: the graph written for " + backbone.id() + " gives "
                    + dim + " embedding values, the backbone " + backbone.dim() + ". Please report this.");
        }
        return parts.size() == 1 ? parts.get(0) : g.op("Concat", "embedding", parts, attr("axis", 1L));
    }

    // ---- networks ----------------------------------------------------------------------------------------

    private Map<String, Tensor> graph(ComputationGraph graph, Tensor input, List<String> featureLayers) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1) {
            throw new LoupeException("Cannot export to ONNX: the base model " + source + " has "
                    + conf.getNetworkInputs().size() + " inputs; Loupe writes one image input.");
        }
        String networkInput = conf.getNetworkInputs().get(0);
        Map<String, List<String>> inputsOf = conf.getVertexInputs();
        // Only what the feature layers need: a classifier after them may hold layers with no mapping.
        Set<String> needed = new HashSet<>();
        List<String> stack = new ArrayList<>(featureLayers);
        while (!stack.isEmpty()) {
            String v = stack.remove(stack.size() - 1);
            if (v.equals(networkInput) || !needed.add(v)) continue;
            stack.addAll(inputsOf.getOrDefault(v, List.of()));
        }
        Map<String, Tensor> out = new HashMap<>();
        out.put(networkInput, input);
        for (int index : graph.topologicalSortOrder()) {
            String name = graph.getVertices()[index].getVertexName();
            if (!needed.contains(name)) continue;
            List<Tensor> ins = new ArrayList<>();
            for (String in : inputsOf.get(name)) ins.add(out.get(in));
            GraphVertex vertex = conf.getVertices().get(name);
            Tensor y;
            if (vertex instanceof LayerVertex lv) {
                Tensor x = single(name, ins);
                if (lv.getPreProcessor() != null) x = preprocess(name, lv.getPreProcessor(), x);
                y = layer(name, lv.getLayerConf().getLayer(), graph.getLayer(name), x);
            } else if (vertex.getClass() == MergeVertex.class) {
                y = merge(name, mergeAxis(graph, name, (MergeVertex) vertex), ins);
            } else if (vertex.getClass() == ElementWiseVertex.class) {
                y = elementWise(name, (ElementWiseVertex) vertex, ins);
            } else {
                throw unsupported(name, vertex.getClass().getSimpleName(), null);
            }
            out.put(name, y);
        }
        return out;
    }

    private Map<String, Tensor> layers(MultiLayerNetwork mln, Tensor input, List<String> featureLayers) {
        List<String> names = mln.getLayerNames();
        int deepest = 0;
        for (String f : featureLayers) deepest = Math.max(deepest, names.indexOf(f));
        Map<String, Tensor> out = new HashMap<>();
        Tensor x = input;
        for (int i = 0; i <= deepest; i++) {
            String name = names.get(i);
            InputPreProcessor pre = mln.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) x = preprocess(name, pre, x);
            x = layer(name, mln.getLayerWiseConfigurations().getConf(i).getLayer(), mln.getLayer(i), x);
            out.put(name, x);
        }
        return out;
    }

    private Tensor single(String name, List<Tensor> ins) {
        if (ins.size() != 1) throw unsupported(name, "layer", "it has " + ins.size() + " inputs");
        return ins.get(0);
    }

    // ---- layers ------------------------------------------------------------------------------------------

    private Tensor layer(String name, Layer layer, org.deeplearning4j.nn.api.Layer params, Tensor x) {
        // Exact classes only: subclasses (Deconvolution2D, SeparableConvolution2D, Subsampling1DLayer, ...) compute
        // something else.
        Class<?> type = layer.getClass();
        if (type == ConvolutionLayer.class) return convolution(name, (ConvolutionLayer) layer, params, x);
        if (type == SubsamplingLayer.class) return pooling(name, (SubsamplingLayer) layer, x);
        if (type == GlobalPoolingLayer.class) return globalPooling(name, (GlobalPoolingLayer) layer, x);
        if (type == BatchNormalization.class) return batchNorm(name, (BatchNormalization) layer, params, x);
        if (type == DenseLayer.class) return dense(name, (DenseLayer) layer, params, x);
        if (type == ActivationLayer.class) return activation(name, ((ActivationLayer) layer).getActivationFn(), x);
        if (type == DropoutLayer.class) return x; // inference: identity
        if (type == ZeroPaddingLayer.class) return zeroPadding(name, (ZeroPaddingLayer) layer, x);
        throw unsupported(name, type.getSimpleName(), null);
    }

    private Tensor convolution(String name, ConvolutionLayer c, org.deeplearning4j.nn.api.Layer params, Tensor x) {
        String type = "ConvolutionLayer";
        requireSpatial(name, type, x);
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        if (k.length != 2 || s.length != 2 || d.length != 2) throw unsupported(name, type, "not a 2-D convolution");
        if (c.getNIn() != x.channels()) {
            throw unsupported(name, type, "it takes " + c.getNIn() + " channels but is given " + x.channels());
        }
        long[][] geometry = window(name, type, c.getConvolutionMode(), c.getPadding(), k, s, d, x, false);
        INDArray w = params.getParam("W"); // [out, in, kH, kW]: ONNX's OIHW in either DL4J format
        List<String> inputs = new ArrayList<>(List.of(x.name(), g.floats(name + "/W", w.shape(), values(w))));
        if (c.hasBias()) {
            inputs.add(g.floats(name + "/B", new long[] {c.getNOut()}, values(params.getParam("b"))));
        }
        String y = g.op("Conv", name + "/conv", inputs, ints("kernel_shape", k[0], k[1]), ints("strides", s[0], s[1]),
                ints("dilations", d[0], d[1]), ints("pads", geometry[1]), attr("group", 1L));
        Tensor out = new Tensor(y, new long[] {c.getNOut(), geometry[0][0], geometry[0][1]},
                c.getCnn2dDataFormat() == CNN2DFormat.NHWC);
        return activation(name, c.getActivationFn(), out);
    }

    private Tensor pooling(String name, SubsamplingLayer p, Tensor x) {
        String type = "SubsamplingLayer";
        requireSpatial(name, type, x);
        int[] k = p.getKernelSize();
        int[] s = p.getStride();
        int[] d = p.getDilation();
        if (k.length != 2 || s.length != 2) throw unsupported(name, type, "not a 2-D pooling");
        if (d != null && (d[0] != 1 || d[1] != 1)) throw unsupported(name, type, "dilated pooling");
        String op = switch (p.getPoolingType()) {
            case MAX -> "MaxPool";
            case AVG -> "AveragePool";
            default -> throw unsupported(name, type, p.getPoolingType() + " pooling");
        };
        long[][] geometry = window(name, type, p.getConvolutionMode(), p.getPadding(), k, s, new int[] {1, 1}, x,
                p.getPoolingType() == PoolingType.AVG);
        String y = p.getPoolingType() == PoolingType.MAX
                ? g.op(op, name + "/pool", List.of(x.name()), ints("kernel_shape", k[0], k[1]), ints("strides", s[0], s[1]),
                        ints("pads", geometry[1]))
                : g.op(op, name + "/pool", List.of(x.name()), ints("kernel_shape", k[0], k[1]), ints("strides", s[0], s[1]),
                        ints("pads", geometry[1]), attr("count_include_pad", p.isAvgPoolIncludePadInDivisor() ? 1L : 0L));
        return new Tensor(y, new long[] {x.channels(), geometry[0][0], geometry[0][1]},
                p.getCnn2dDataFormat() == CNN2DFormat.NHWC);
    }

    /**
     * Output size {@code [oh, ow]} and ONNX pads {@code [top, left, bottom, right]} of a convolution or pooling window.
     * DL4J's Same mode pads like TensorFlow: output ceil(in / stride), the odd pixel of padding after the image.
     */
    private long[][] window(String name, String type, ConvolutionMode mode, int[] padding, int[] k, int[] s, int[] d,
                            Tensor x, boolean averaging) {
        long[] in = {x.shape()[1], x.shape()[2]};
        long[] outSize = new long[2];
        long[] pads = new long[4];
        for (int i = 0; i < 2; i++) {
            long effective = (long) (k[i] - 1) * d[i] + 1;
            if (mode == ConvolutionMode.Same) {
                if (padding != null && (padding[0] != 0 || padding[1] != 0)) {
                    throw unsupported(name, type, "'Same' mode with explicit padding");
                }
                outSize[i] = (in[i] + s[i] - 1) / s[i];
                long total = Math.max(0, (outSize[i] - 1) * s[i] + effective - in[i]);
                pads[i] = total / 2;
                pads[i + 2] = total - total / 2;
            } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
                long p = padding == null ? 0 : padding[i];
                outSize[i] = (in[i] + 2 * p - effective) / s[i] + 1;
                pads[i] = p;
                pads[i + 2] = p;
            } else {
                throw unsupported(name, type, "convolution mode " + mode);
            }
            if (outSize[i] < 1) throw unsupported(name, type, "its window does not fit the " + in[0] + "x" + in[1] + " input");
        }
        if (averaging && (pads[0] | pads[1] | pads[2] | pads[3]) != 0 && mode == ConvolutionMode.Same) {
            // Which padded cells DL4J counts in a 'Same' average depends on its op's mode flags; not needed, not covered.
            throw unsupported(name, type, "average pooling with 'Same' padding");
        }
        return new long[][] {outSize, pads};
    }

    private Tensor globalPooling(String name, GlobalPoolingLayer p, Tensor x) {
        String type = "GlobalPoolingLayer";
        requireSpatial(name, type, x);
        int[] dims = p.getPoolingDimensions();
        int[] spatial = x.nhwc() ? new int[] {1, 2} : new int[] {2, 3};
        if (dims != null && !Arrays.equals(dims, spatial)) {
            throw unsupported(name, type, "pooling over dimensions " + Arrays.toString(dims) + " (not the image's height and width)");
        }
        String y = switch (p.getPoolingType()) {
            case AVG -> g.op("GlobalAveragePool", name + "/pool", List.of(x.name()));
            case MAX -> g.op("GlobalMaxPool", name + "/pool", List.of(x.name()));
            case SUM -> g.op("ReduceSum", name + "/pool", List.of(x.name(), g.longs(name + "/axes", new long[] {2, 3})),
                    attr("keepdims", 1L));
            default -> throw unsupported(name, type, p.getPoolingType() + " pooling");
        };
        if (!p.isCollapseDimensions()) {
            return new Tensor(y, new long[] {x.channels(), 1, 1}, x.nhwc());
        }
        return new Tensor(g.op("Flatten", name + "/flatten", List.of(y), attr("axis", 1L)), new long[] {x.channels()}, false);
    }

    private Tensor batchNorm(String name, BatchNormalization bn, org.deeplearning4j.nn.api.Layer params, Tensor x) {
        long c = x.channels();
        if (bn.getNOut() != c) throw unsupported(name, "BatchNormalization", "it normalises " + bn.getNOut() + " channels of " + c);
        float[] gamma;
        float[] beta;
        if (bn.isLockGammaBeta()) {
            gamma = filled((int) c, (float) bn.getGamma());
            beta = filled((int) c, (float) bn.getBeta());
        } else {
            gamma = values(params.getParam("gamma"));
            beta = values(params.getParam("beta"));
        }
        float[] mean = values(params.getParam("mean"));
        float[] var;
        float eps;
        if (params.paramTable().containsKey("log10stdev")) {
            // Stored as log10 of the standard deviation, eps already inside: DL4J divides by 10^log10stdev.
            float[] log10std = values(params.getParam("log10stdev"));
            var = new float[log10std.length];
            for (int i = 0; i < var.length; i++) {
                double std = Math.pow(10, log10std[i]);
                var[i] = (float) (std * std);
            }
            eps = 0f;
        } else {
            var = values(params.getParam("var"));
            eps = (float) bn.getEps();
        }
        long[] dim = {c};
        String y = g.op("BatchNormalization", name + "/bn", List.of(x.name(), g.floats(name + "/gamma", dim, gamma),
                g.floats(name + "/beta", dim, beta), g.floats(name + "/mean", dim, mean), g.floats(name + "/var", dim, var)),
                attr("epsilon", eps));
        // No activation: DL4J's batch-norm layer ignores its configured one (the builder's default is sigmoid).
        return new Tensor(y, x.shape(), x.nhwc());
    }

    private Tensor dense(String name, DenseLayer dense, org.deeplearning4j.nn.api.Layer params, Tensor x) {
        if (x.shape().length != 1) throw unsupported(name, "DenseLayer", "its input is an image tensor without a flatten step");
        if (dense.getNIn() != x.channels()) {
            throw unsupported(name, "DenseLayer", "it takes " + dense.getNIn() + " values but is given " + x.channels());
        }
        INDArray w = params.getParam("W"); // [in, out]
        List<String> inputs = new ArrayList<>(List.of(x.name(), g.floats(name + "/W", w.shape(), values(w))));
        if (dense.hasBias()) inputs.add(g.floats(name + "/B", new long[] {dense.getNOut()}, values(params.getParam("b"))));
        String y = g.op("Gemm", name + "/dense", inputs);
        return activation(name, dense.getActivationFn(), new Tensor(y, new long[] {dense.getNOut()}, false));
    }

    private Tensor zeroPadding(String name, ZeroPaddingLayer z, Tensor x) {
        requireSpatial(name, "ZeroPaddingLayer", x);
        int[] p = z.getPadding(); // top, bottom, left, right
        String pads = g.longs(name + "/pads", new long[] {0, 0, p[0], p[2], 0, 0, p[1], p[3]});
        String y = g.op("Pad", name + "/pad", List.of(x.name(), pads), attr("mode", "constant"));
        return new Tensor(y, new long[] {x.channels(), x.shape()[1] + p[0] + p[1], x.shape()[2] + p[2] + p[3]},
                z.getDataFormat() == CNN2DFormat.NHWC);
    }

    private Tensor activation(String name, IActivation fn, Tensor x) {
        List<String> in = List.of(x.name());
        String base = name + "/act";
        String y;
        if (fn == null || fn instanceof ActivationIdentity) {
            return x;
        } else if (fn.getClass() == ActivationReLU.class) {
            ActivationReLU r = (ActivationReLU) fn;
            boolean plain = zeroOrNull(r.getThreshold()) && zeroOrNull(r.getNegativeSlope());
            if (!plain) throw unsupported(name, "ReLU activation", "a threshold or negative slope");
            y = r.getMax() == null ? g.op("Relu", base, in) : clip(base, x, 0f, r.getMax().floatValue());
        } else if (fn.getClass() == ActivationReLU6.class) {
            y = clip(base, x, 0f, 6f);
        } else if (fn.getClass() == ActivationLReLU.class) {
            y = g.op("LeakyRelu", base, in, attr("alpha", (float) ((ActivationLReLU) fn).getAlpha()));
        } else if (fn.getClass() == ActivationELU.class) {
            y = g.op("Elu", base, in, attr("alpha", (float) ((ActivationELU) fn).getAlpha()));
        } else if (fn.getClass() == ActivationTanH.class) {
            y = g.op("Tanh", base, in);
        } else if (fn.getClass() == ActivationSigmoid.class) {
            y = g.op("Sigmoid", base, in);
        } else if (fn.getClass() == ActivationHardSigmoid.class) {
            y = g.op("HardSigmoid", base, in, attr("alpha", 0.2f), attr("beta", 0.5f));
        } else if (fn.getClass() == ActivationHardTanH.class) {
            y = clip(base, x, -1f, 1f);
        } else if (fn.getClass() == ActivationSoftPlus.class) {
            y = g.op("Softplus", base, in);
        } else if (fn.getClass() == ActivationSELU.class) {
            y = g.op("Selu", base, in);
        } else if (fn.getClass() == ActivationSwish.class) {
            y = g.op("Mul", base, List.of(x.name(), g.op("Sigmoid", base + "_sigmoid", in)));
        } else if (fn.getClass() == ActivationSoftmax.class && !x.spatial()) {
            y = g.op("Softmax", base, in, attr("axis", -1L));
        } else {
            throw unsupported(name, fn.getClass().getSimpleName().replaceFirst("^Activation", "") + " activation", null);
        }
        return new Tensor(y, x.shape(), x.nhwc());
    }

    private String clip(String base, Tensor x, float min, float max) {
        return g.op("Clip", base, List.of(x.name(), g.scalar(base + "_min", min), g.scalar(base + "_max", max)));
    }

    // ---- vertices and preprocessors ----------------------------------------------------------------------

    private Tensor preprocess(String name, InputPreProcessor pre, Tensor x) {
        if (pre.getClass() == CnnToFeedForwardPreProcessor.class && x.spatial()) {
            CnnToFeedForwardPreProcessor p = (CnnToFeedForwardPreProcessor) pre;
            long[] s = x.shape();
            if (p.getNumChannels() != s[0] || p.getInputHeight() != s[1] || p.getInputWidth() != s[2]) {
                throw unsupported(name, "CnnToFeedForwardPreProcessor", "it expects " + p.getNumChannels() + "x"
                        + p.getInputHeight() + "x" + p.getInputWidth() + " but is given " + s[0] + "x" + s[1] + "x" + s[2]);
            }
            String in = x.name();
            if (p.getFormat() == CNN2DFormat.NHWC) {
                // DL4J flattens NHWC activations in height, width, channel order.
                in = g.op("Transpose", name + "/to_nhwc", List.of(in), ints("perm", 0, 2, 3, 1));
            }
            return new Tensor(g.op("Flatten", name + "/flatten", List.of(in), attr("axis", 1L)),
                    new long[] {s[0] * s[1] * s[2]}, false);
        }
        throw unsupported(name, pre.getClass().getSimpleName() + " (input preprocessor)", null);
    }

    /**
     * The axis the running vertex joins along. The configuration's value can differ from what runs: DL4J M2.1 copies it
     * when the graph is built and rewrites the configuration's later, when input types are inferred again (NHWC gets 3
     * there while the running vertex keeps 1, the height).
     */
    private static int mergeAxis(ComputationGraph graph, String name, MergeVertex conf) {
        try {
            java.lang.reflect.Field f = org.deeplearning4j.nn.graph.vertex.impl.MergeVertex.class.getDeclaredField("mergeAxis");
            f.setAccessible(true);
            return f.getInt(graph.getVertex(name));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return conf.getMergeAxis();
        }
    }

    private Tensor merge(String name, int mergeAxis, List<Tensor> ins) {
        boolean spatial = ins.get(0).spatial();
        long channels = 0;
        for (Tensor t : ins) {
            if (t.spatial() != spatial || spatial && !Arrays.equals(Arrays.copyOfRange(t.shape(), 1, 3),
                    Arrays.copyOfRange(ins.get(0).shape(), 1, 3))) {
                throw unsupported(name, "MergeVertex", "its inputs have different shapes");
            }
            channels += t.channels();
        }
        boolean nhwc = ins.get(0).nhwc();
        int channelAxis = !spatial ? 1 : nhwc ? 3 : 1;
        if (mergeAxis != channelAxis) {
            throw unsupported(name, "MergeVertex", "DL4J joins its inputs along axis " + mergeAxis + ", not the channels");
        }
        long[] shape = ins.get(0).shape().clone();
        shape[0] = channels;
        String y = g.op("Concat", name + "/concat", ins.stream().map(Tensor::name).toList(), attr("axis", 1L));
        return new Tensor(y, shape, nhwc);
    }

    private Tensor elementWise(String name, ElementWiseVertex v, List<Tensor> ins) {
        for (Tensor t : ins) {
            if (!Arrays.equals(t.shape(), ins.get(0).shape())) throw unsupported(name, "ElementWiseVertex", "inputs of different shapes");
        }
        List<String> names = ins.stream().map(Tensor::name).toList();
        String op = switch (v.getOp()) {
            case Add -> "Sum";
            case Average -> "Mean";
            case Max -> "Max";
            case Product -> "Mul";
            case Subtract -> "Sub";
        };
        if ((op.equals("Mul") || op.equals("Sub")) && ins.size() != 2) {
            if (op.equals("Sub")) throw unsupported(name, "ElementWiseVertex", "subtracting " + ins.size() + " inputs");
            String acc = names.get(0);
            for (int i = 1; i < names.size(); i++) acc = g.op("Mul", name + "/product", List.of(acc, names.get(i)));
            return new Tensor(acc, ins.get(0).shape(), ins.get(0).nhwc());
        }
        return new Tensor(g.op(op, name + "/" + op.toLowerCase(java.util.Locale.ROOT), names), ins.get(0).shape(), ins.get(0).nhwc());
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private void requireSpatial(String name, String type, Tensor x) {
        if (!x.spatial()) throw unsupported(name, type, "its input is not an image tensor");
    }

    /** The error for anything without an exact mapping: names the layer, its type and what is missing. */
    private LoupeException unsupported(String layer, String type, String detail) {
        return new LoupeException("Cannot export to ONNX: layer '" + layer + "' (" + type + ") of the base model "
                + source + " has no exact ONNX form in Loupe" + (detail == null ? "" : " (" + detail + ")")
                + ". Nothing was written. Export the model as a .zip instead (`loupe export PROJECT --model FILE.zip`),"
                + " which runs with `loupe predict`.");
    }

    private static float[] values(INDArray a) {
        return Nd4j.toFlattened('c', a.castTo(DataType.FLOAT)).toFloatVector();
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static boolean zeroOrNull(Double d) {
        return d == null || d == 0.0;
    }
}
