package dev.loupe.export.onnx;

import dev.loupe.LoupeException;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.OnnxBackboneMetadata;
import dev.loupe.backbone.onnx.OnnxGraphs;
import dev.loupe.onnx.OnnxProto.AttributeProto;
import dev.loupe.onnx.OnnxProto.GraphProto;
import dev.loupe.onnx.OnnxProto.ModelProto;
import dev.loupe.onnx.OnnxProto.NodeProto;
import dev.loupe.onnx.OnnxProto.OperatorSetIdProto;
import dev.loupe.onnx.OnnxProto.SparseTensorProto;
import dev.loupe.onnx.OnnxProto.TensorProto;
import dev.loupe.onnx.OnnxProto.ValueInfoProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.loupe.export.onnx.OnnxGraph.attr;
import static dev.loupe.export.onnx.OnnxGraph.ints;

/**
 * An ONNX backbone's own graph, taken into the export (docs/adr/0020-onnx-export.md): Loupe's input standardisation in
 * front of the backbone's input, the backbone's nodes that compute the embedding tensor (the classifier after it is
 * left out), and the embedding's reduction and L2 normalisation as {@link OnnxBackbone} does them. The backbone's
 * IR version and operator sets are kept; what Loupe adds is written for that opset.
 */
final class OnnxBackboneWriter {

    /** Loupe's own nodes need numpy-style broadcasting (opset 7) and Reshape's shape input (opset 5). */
    static final int MIN_OPSET = 7;

    private OnnxBackboneWriter() {
    }

    /** The model under construction: its header (IR, opsets, functions) and its graph, with the embedding written. */
    record Start(ModelProto.Builder model, GraphProto.Builder graph, OnnxGraph g) {
    }

    static Start start(OnnxBackbone backbone) {
        OnnxBackboneMetadata m = backbone.metadata();
        String file = backbone.modelFile().getFileName().toString();
        ModelProto source;
        try {
            String sha = BackboneFiles.sha256(backbone.modelFile());
            if (!sha.equalsIgnoreCase(m.sha256())) {
                throw new LoupeException("Cannot export to ONNX: the base model file " + backbone.modelFile()
                        + " has changed since the project opened it (SHA-256 " + sha + ", expected " + m.sha256() + ").");
            }
            source = OnnxGraphs.read(backbone.modelFile());
        } catch (BackboneException e) {
            throw new LoupeException("Cannot export to ONNX: the base model cannot be read: " + e.getMessage(), e);
        }
        int opset = defaultOpset(source);
        if (opset < MIN_OPSET) {
            throw new LoupeException("Cannot export to ONNX: the base model " + file + " uses ONNX opset " + opset
                    + "; Loupe appends its head to opset " + MIN_OPSET + " or newer. Convert the model to a newer opset"
                    + " (e.g. onnx.version_converter) and make the project on that file.");
        }
        // The export's own input and output names must be free: a backbone that uses them gets its tensors renamed.
        Set<String> reserved = names(source.getGraph());
        Map<String, String> renamed = new HashMap<>();
        for (String ours : List.of(OnnxExport.INPUT, OnnxExport.OUTPUT)) {
            if (reserved.contains(ours)) {
                String name = "backbone/" + ours;
                for (int k = 2; reserved.contains(name); k++) name = "backbone/" + ours + "_" + k;
                reserved.add(name);
                renamed.put(ours, name);
            }
        }
        reserved.addAll(List.of(OnnxExport.INPUT, OnnxExport.OUTPUT));
        GraphProto src = renamed.isEmpty() ? source.getGraph() : rename(source.getGraph(), renamed);
        String inputName = renamed.getOrDefault(m.inputName(), m.inputName());
        String embeddingTensor = renamed.getOrDefault(m.embeddingTensor(), m.embeddingTensor());
        List<NodeProto> kept = needed(src, embeddingTensor);
        Set<String> used = new HashSet<>();
        for (NodeProto n : kept) {
            used.addAll(n.getInputList());
            subgraphNames(n, used);
        }

        GraphProto.Builder graph = GraphProto.newBuilder().setName(src.getName().isEmpty() ? "loupe_classifier" : src.getName());
        graph.addInput(OnnxExport.imageInput(backbone));
        OnnxGraph g = new OnnxGraph(graph, opset, reserved);
        String x = OnnxExport.standardised(g, m.preprocessing(), m.preprocessing().layout());
        g.node("Identity", List.of(x), inputName);
        graph.addAllNode(kept);
        Set<String> initializers = new HashSet<>();
        for (TensorProto t : src.getInitializerList()) {
            if (used.contains(t.getName())) {
                graph.addInitializer(t);
                initializers.add(t.getName());
            }
        }
        for (SparseTensorProto t : src.getSparseInitializerList()) {
            if (used.contains(t.getValues().getName())) graph.addSparseInitializer(t);
        }
        // Files before IR 4 list every initializer as a graph input too.
        for (ValueInfoProto in : src.getInputList()) {
            if (initializers.contains(in.getName())) graph.addInput(in);
        }
        Set<String> computed = new HashSet<>();
        for (NodeProto n : kept) computed.addAll(n.getOutputList());
        for (ValueInfoProto v : src.getValueInfoList()) {
            if (computed.contains(v.getName())) graph.addValueInfo(v);
        }
        g.embedding = reduced(g, m, embeddingTensor);

        ModelProto.Builder model = ModelProto.newBuilder().setIrVersion(source.getIrVersion())
                .addAllOpsetImport(source.getOpsetImportList()).addAllFunctions(source.getFunctionsList());
        return new Start(model, graph, g);
    }

    /** The embedding tensor reduced to {@code [N, dim]} and, when the backbone does it, divided by its L2 norm. */
    private static String reduced(OnnxGraph g, OnnxBackboneMetadata m, String t) {
        long d = m.dim();
        String x = switch (m.reduction()) {
            case NONE, FLATTEN -> g.op("Flatten", "embedding/flat", List.of(t), attr("axis", 1L));
            // [n, d, rest...]: the mean over everything after the channel, as a channels-first global average pool.
            case MEAN_NCHW -> reduce(g, "ReduceMean", "embedding/mean",
                    g.op("Reshape", "embedding/channels_first", List.of(t, g.longs("embedding/shape", new long[] {0, d, -1}))),
                    new long[] {2}, false);
            // [n, rest..., d]: the mean over everything before the channel.
            case MEAN_NHWC -> reduce(g, "ReduceMean", "embedding/mean",
                    g.op("Reshape", "embedding/channels_last", List.of(t, g.longs("embedding/shape", new long[] {0, -1, d}))),
                    new long[] {1}, false);
            // [n, tokens, d]: the first token.
            case FIRST_TOKEN -> g.op("Gather", "embedding/first_token", List.of(
                    g.op("Reshape", "embedding/tokens", List.of(t, g.longs("embedding/shape", new long[] {0, -1, d}))),
                    g.longScalar("embedding/token0", 0)), attr("axis", 1L));
        };
        if (!m.l2Normalize()) return x;
        String squares = g.op("Mul", "embedding/squares", List.of(x, x));
        String norm = g.op("Sqrt", "embedding/norm", List.of(reduce(g, "ReduceSum", "embedding/sum_squares", squares,
                new long[] {1}, true)));
        // A zero vector stays zero, as in OnnxBackbone; any other is divided by its norm (1e-30 is lost in the sum).
        String safe = g.op("Add", "embedding/norm_safe", List.of(norm, g.scalar("embedding/tiny", 1e-30f)));
        return g.op("Div", "embedding/l2", List.of(x, safe));
    }

    /** A Reduce* node in the form of the graph's opset: axes as an attribute before 13 (ReduceSum) or 18 (the others). */
    static String reduce(OnnxGraph g, String op, String base, String x, long[] axes, boolean keepDims) {
        int axesAsInput = op.equals("ReduceSum") ? 13 : 18;
        AttributeProto keep = attr("keepdims", keepDims ? 1L : 0L);
        if (g.opset() >= axesAsInput) {
            return g.op(op, base, List.of(x, g.longs(base + "_axes", axes)), keep);
        }
        return g.op(op, base, List.of(x), ints("axes", axes), keep);
    }

    private static int defaultOpset(ModelProto model) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) return (int) o.getVersion();
        }
        return 0;
    }

    /** The nodes the tensor depends on, in the file's order (which ONNX requires to be topological). */
    private static List<NodeProto> needed(GraphProto graph, String tensor) {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            for (String o : graph.getNode(i).getOutputList()) producer.put(o, i);
        }
        boolean[] keep = new boolean[graph.getNodeCount()];
        List<String> stack = new ArrayList<>(List.of(tensor));
        Set<String> seen = new HashSet<>();
        while (!stack.isEmpty()) {
            String name = stack.remove(stack.size() - 1);
            Integer i = producer.get(name);
            if (!seen.add(name) || i == null || keep[i]) continue;
            keep[i] = true;
            NodeProto n = graph.getNode(i);
            stack.addAll(n.getInputList());
            Set<String> inner = new HashSet<>();
            subgraphNames(n, inner);
            stack.addAll(inner);
        }
        List<NodeProto> out = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) if (keep[i]) out.add(graph.getNode(i));
        return out;
    }

    /** Every tensor name a node's subgraphs (If, Loop, Scan) read, which may come from the outer graph. */
    private static void subgraphNames(NodeProto node, Set<String> into) {
        for (AttributeProto a : node.getAttributeList()) {
            List<GraphProto> graphs = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) graphs.add(a.getG());
            for (GraphProto sub : graphs) {
                for (NodeProto n : sub.getNodeList()) {
                    into.addAll(n.getInputList());
                    subgraphNames(n, into);
                }
            }
        }
    }

    /** The graph with every occurrence of the names in {@code map} replaced (nodes, subgraphs, weights, value infos). */
    private static GraphProto rename(GraphProto graph, Map<String, String> map) {
        GraphProto.Builder b = graph.toBuilder();
        for (int i = 0; i < b.getNodeCount(); i++) {
            NodeProto.Builder n = b.getNode(i).toBuilder();
            for (int k = 0; k < n.getInputCount(); k++) n.setInput(k, map.getOrDefault(n.getInput(k), n.getInput(k)));
            for (int k = 0; k < n.getOutputCount(); k++) n.setOutput(k, map.getOrDefault(n.getOutput(k), n.getOutput(k)));
            for (int a = 0; a < n.getAttributeCount(); a++) {
                AttributeProto.Builder attribute = n.getAttribute(a).toBuilder();
                if (attribute.hasG()) attribute.setG(rename(attribute.getG(), map));
                for (int k = 0; k < attribute.getGraphsCount(); k++) attribute.setGraphs(k, rename(attribute.getGraphs(k), map));
                n.setAttribute(a, attribute);
            }
            b.setNode(i, n);
        }
        for (int i = 0; i < b.getInitializerCount(); i++) {
            String name = b.getInitializer(i).getName();
            if (map.containsKey(name)) b.setInitializer(i, b.getInitializer(i).toBuilder().setName(map.get(name)));
        }
        renameInfos(b.getInputBuilderList(), map);
        renameInfos(b.getOutputBuilderList(), map);
        renameInfos(b.getValueInfoBuilderList(), map);
        return b.build();
    }

    private static void renameInfos(List<ValueInfoProto.Builder> infos, Map<String, String> map) {
        for (ValueInfoProto.Builder v : infos) {
            if (map.containsKey(v.getName())) v.setName(map.get(v.getName()));
        }
    }

    /** Every name the source graph uses, so Loupe's names never clash with one. */
    private static Set<String> names(GraphProto graph) {
        Set<String> names = new HashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            names.addAll(n.getInputList());
            names.addAll(n.getOutputList());
            names.add(n.getName());
        }
        for (TensorProto t : graph.getInitializerList()) names.add(t.getName());
        for (ValueInfoProto v : graph.getInputList()) names.add(v.getName());
        for (ValueInfoProto v : graph.getOutputList()) names.add(v.getName());
        for (ValueInfoProto v : graph.getValueInfoList()) names.add(v.getName());
        return names;
    }
}
