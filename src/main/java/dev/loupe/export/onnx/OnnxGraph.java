package dev.loupe.export.onnx;

import com.google.protobuf.ByteString;
import dev.loupe.onnx.OnnxProto.AttributeProto;
import dev.loupe.onnx.OnnxProto.GraphProto;
import dev.loupe.onnx.OnnxProto.NodeProto;
import dev.loupe.onnx.OnnxProto.TensorProto;
import dev.loupe.onnx.OnnxProto.TensorShapeProto;
import dev.loupe.onnx.OnnxProto.TypeProto;
import dev.loupe.onnx.OnnxProto.ValueInfoProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An ONNX graph under construction: weights as initializers, nodes appended in execution order, and tensor names
 * that never clash (ours carry the {@value #PREFIX} prefix; an appended backbone's names are reserved as they are).
 */
final class OnnxGraph {

    /** Prefix of every name this builder makes, so a backbone's own names stay untouched. */
    static final String PREFIX = "loupe/";

    private final GraphProto.Builder graph;
    private final int opset;
    private final Set<String> used = new HashSet<>();
    /** The backbone's {@code [N, dim]} embedding, once written. */
    String embedding;

    /** A builder over {@code graph} (empty, or a backbone's graph being extended) for operator set {@code opset}. */
    OnnxGraph(GraphProto.Builder graph, int opset, Collection<String> reserved) {
        this.graph = graph;
        this.opset = opset;
        used.addAll(reserved);
    }

    /** The ai.onnx operator set the nodes are written for. */
    int opset() {
        return opset;
    }

    GraphProto.Builder proto() {
        return graph;
    }

    /** A name not used yet, {@value #PREFIX}{@code base} if it is free. */
    String name(String base) {
        String candidate = PREFIX + base;
        for (int n = 2; used.contains(candidate); n++) {
            candidate = PREFIX + base + "_" + n;
        }
        used.add(candidate);
        return candidate;
    }

    /** A float initializer of shape {@code dims}; returns its name. */
    String floats(String base, long[] dims, float[] values) {
        long count = 1;
        for (long d : dims) count *= d;
        if (count != values.length) {
            throw new IllegalArgumentException(base + ": " + values.length + " values for shape " + java.util.Arrays.toString(dims));
        }
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return initializer(base, TensorProto.DataType.FLOAT, dims, ByteString.copyFrom(bytes.array()));
    }

    /** A float scalar initializer (shape []). */
    String scalar(String base, float value) {
        return floats(base, new long[0], new float[] {value});
    }

    /** An int64 initializer (axes, pads, shapes); returns its name. */
    String longs(String base, long[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return initializer(base, TensorProto.DataType.INT64, new long[] {values.length}, ByteString.copyFrom(bytes.array()));
    }

    /** An int64 scalar initializer (shape []), e.g. a Gather index that drops its axis. */
    String longScalar(String base, long value) {
        ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(value);
        return initializer(base, TensorProto.DataType.INT64, new long[0], ByteString.copyFrom(bytes.array()));
    }

    private String initializer(String base, TensorProto.DataType type, long[] dims, ByteString raw) {
        String name = name(base);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(raw);
        for (long d : dims) t.addDims(d);
        graph.addInitializer(t);
        return name;
    }

    /** Appends a node with one output, named after {@code base}; returns the output's name. */
    String op(String opType, String base, List<String> inputs, AttributeProto... attributes) {
        String out = name(base);
        node(opType, inputs, out, attributes);
        return out;
    }

    /** Appends a node whose one output has a name chosen by the caller (e.g. an appended backbone's input). */
    void node(String opType, List<String> inputs, String output, AttributeProto... attributes) {
        used.add(output);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(output).addOutput(output);
        inputs.forEach(n::addInput);
        for (AttributeProto a : attributes) n.addAttribute(a);
        graph.addNode(n);
    }

    /**
     * A float tensor's type with the batch first: symbolic ({@code N}) when {@code fixedBatch} is 0, e.g.
     * {@code [N, 64, 64, 3]}.
     */
    static ValueInfoProto batchedFloat(String name, long fixedBatch, long[] rest, String doc) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(fixedBatch > 0 ? TensorShapeProto.Dimension.newBuilder().setDimValue(fixedBatch)
                : TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : rest) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name).setDocString(doc)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }

    static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto attr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto attr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)).build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) a.addInts(v);
        return a.build();
    }
}
