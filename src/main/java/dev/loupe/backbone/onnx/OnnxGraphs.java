package dev.loupe.backbone.onnx;

import dev.loupe.Faults;
import dev.loupe.backbone.BackboneException;
import dev.loupe.onnx.OnnxProto.GraphProto;
import dev.loupe.onnx.OnnxProto.ModelProto;
import dev.loupe.onnx.OnnxProto.NodeProto;
import dev.loupe.onnx.OnnxProto.TensorProto;
import dev.loupe.onnx.OnnxProto.TensorShapeProto;
import dev.loupe.onnx.OnnxProto.TypeProto;
import dev.loupe.onnx.OnnxProto.ValueInfoProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reading ONNX graphs as protobuf: what a model takes and gives, which tensors it has, and adding an output. */
public final class OnnxGraphs {

    /** ONNX's element type number for float32 ({@code TensorProto.DataType.FLOAT}). */
    public static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;

    private static final Set<String> CLASSIFIER_TAIL = Set.of("Softmax", "LogSoftmax", "Identity", "Sigmoid", "Flatten");
    private static final Set<String> FEATURE_OPS = Set.of("GlobalAveragePool", "AveragePool", "GlobalMaxPool",
            "ReduceMean", "Flatten", "Reshape", "Squeeze", "Gemm", "MatMul");

    private OnnxGraphs() {
    }

    /** A graph input or output: name, ONNX element type, and dimensions ({@code -1} where dynamic). */
    public record Tensor(String name, int elementType, long[] dims) {
        public int rank() {
            return dims.length;
        }

        /** Dimensions as {@code [N, 3, 224, 224]}, {@code ?} where dynamic. */
        public String shape() {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < dims.length; i++) {
                b.append(i > 0 ? ", " : "").append(dims[i] < 0 ? "?" : String.valueOf(dims[i]));
            }
            return b.append(']').toString();
        }
    }

    /**
     * Parses an ONNX file; a file that is missing, not ONNX, truncated, or keeps its weights in external files is
     * refused with a message naming the file and what is wrong.
     */
    public static ModelProto read(Path file) throws BackboneException {
        String name = file.getFileName().toString();
        ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(coded);
        } catch (NoSuchFileException e) {
            throw new BackboneException(name + ": file not found (" + file.toAbsolutePath() + ")", e);
        } catch (InvalidProtocolBufferException e) {
            throw new BackboneException(name + " is not an ONNX model, or a truncated one (" + Faults.describe(e) + ")", e);
        } catch (IOException e) {
            throw new BackboneException(name + ": could not read the file: " + Faults.describe(e), e);
        }
        if (model.getIrVersion() <= 0 || !model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new BackboneException(name + " is not an ONNX model (no graph in it)");
        }
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                throw new BackboneException(name + " keeps its weights in separate files (ONNX external data, e.g. '"
                        + t.getName() + "'); Loupe needs a single-file ONNX model");
            }
        }
        return model;
    }

    /** The graph's real inputs: declared inputs that are not initializers (older exporters list weights as inputs). */
    public static List<Tensor> inputs(GraphProto graph) {
        Set<String> weights = new HashSet<>();
        for (TensorProto t : graph.getInitializerList()) {
            weights.add(t.getName());
        }
        List<Tensor> out = new ArrayList<>();
        for (ValueInfoProto v : graph.getInputList()) {
            if (!weights.contains(v.getName())) {
                out.add(tensor(v));
            }
        }
        return out;
    }

    /** The graph's outputs. */
    public static List<Tensor> outputs(GraphProto graph) {
        return graph.getOutputList().stream().map(OnnxGraphs::tensor).toList();
    }

    private static Tensor tensor(ValueInfoProto v) {
        TypeProto type = v.getType();
        if (!type.hasTensorType()) {
            return new Tensor(v.getName(), -1, new long[0]);
        }
        TypeProto.Tensor t = type.getTensorType();
        TensorShapeProto shape = t.getShape();
        long[] dims = new long[shape.getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            TensorShapeProto.Dimension d = shape.getDim(i);
            dims[i] = d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : -1;
        }
        return new Tensor(v.getName(), t.getElemType(), dims);
    }

    /** Every tensor a node of the graph computes, in the file's (topological) order. */
    public static Set<String> nodeOutputs(GraphProto graph) {
        Set<String> names = new LinkedHashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    names.add(o);
                }
            }
        }
        return names;
    }

    /**
     * The tensor a classifier's embedding is best read from: the input of the final Gemm or MatMul (the pooled
     * features before the classification layer), following the first graph output back through a softmax, bias add
     * or flatten; the first graph output itself when it is not made by such a layer (a feature extractor).
     */
    public static String defaultEmbedding(GraphProto graph) {
        String first = graph.getOutput(0).getName();
        Map<String, NodeProto> producers = producers(graph);
        Set<String> weights = new HashSet<>();
        for (TensorProto t : graph.getInitializerList()) {
            weights.add(t.getName());
        }
        NodeProto node = producers.get(first);
        for (int hops = 0; node != null && hops < 4 && CLASSIFIER_TAIL.contains(node.getOpType()); hops++) {
            node = producers.get(node.getInput(0));
        }
        if (node != null && node.getOpType().equals("Add")) {
            for (String in : node.getInputList()) {
                NodeProto p = producers.get(in);
                if (p != null && p.getOpType().equals("MatMul")) {
                    node = p;
                    break;
                }
            }
        }
        if (node != null && (node.getOpType().equals("Gemm") || node.getOpType().equals("MatMul"))) {
            for (String in : node.getInputList()) {
                if (!weights.contains(in) && !in.isEmpty()) {
                    return in;
                }
            }
        }
        return first;
    }

    /**
     * Tensors worth offering when a named one does not exist: the graph outputs and the last outputs of pooling,
     * flattening and fully connected nodes, at most {@code limit}, each with the op that makes it.
     */
    public static List<String> candidates(GraphProto graph, int limit) {
        List<String> found = new ArrayList<>();
        for (NodeProto n : graph.getNodeList()) {
            if (FEATURE_OPS.contains(n.getOpType())) {
                for (String o : n.getOutputList()) {
                    found.add(o + " (" + n.getOpType() + ")");
                }
            }
        }
        List<String> out = new ArrayList<>(found.subList(Math.max(0, found.size() - limit), found.size()));
        for (ValueInfoProto o : graph.getOutputList()) {
            out.add(o.getName() + " (graph output)");
        }
        return out;
    }

    private static Map<String, NodeProto> producers(GraphProto graph) {
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String o : n.getOutputList()) {
                producers.put(o, n);
            }
        }
        return producers;
    }

    /** Whether {@code tensor} is one of the graph's outputs. */
    public static boolean isOutput(GraphProto graph, String tensor) {
        return graph.getOutputList().stream().anyMatch(v -> v.getName().equals(tensor));
    }

    /**
     * The model with {@code tensor} added as a graph output (name only: ONNX Runtime infers its type), so a session
     * can fetch it; only graph outputs can be fetched. The file's hash must have been checked before: the name is
     * trusted to mean what the catalog or the project says it means.
     */
    public static ModelProto withOutput(ModelProto model, String tensor) {
        if (isOutput(model.getGraph(), tensor)) {
            return model;
        }
        GraphProto graph = model.getGraph().toBuilder()
                .addOutput(ValueInfoProto.newBuilder().setName(tensor).build())
                .build();
        return model.toBuilder().setGraph(graph).build();
    }
}
