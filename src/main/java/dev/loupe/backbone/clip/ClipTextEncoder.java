package dev.loupe.backbone.clip;

import dev.loupe.Faults;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.TextEncoder;
import dev.loupe.backbone.onnx.OnnxRuntimes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * CLIP's text tower as an ONNX model (e.g. jina-ai/clip-as-service's {@code textual.onnx}) run by ONNX Runtime, fed
 * by {@link ClipTokenizer}: inputs {@code input_ids} and {@code attention_mask} ([N, 77], int32 or int64, as the graph
 * declares), one output [N, D]. On the shared environment with spinning off ({@link OnnxRuntimes}); every tensor and
 * result is closed as soon as it is read.
 */
public final class ClipTextEncoder implements TextEncoder {

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    private static final int MAX_BATCH = 16;

    private final ClipTokenizer tokenizer;
    private final OrtSession session;
    private final String id;
    private final String output;
    private final int dim;
    private final int context;
    private final boolean longIds;
    private final boolean hasMask;
    private final int runBatch; // rows per run: up to MAX_BATCH for a dynamic batch, else the graph's fixed one
    private final boolean dynamicBatch;
    private boolean closed;

    private ClipTextEncoder(ClipTokenizer tokenizer, OrtSession session, String id, String output, int dim,
                            int context, boolean longIds, boolean hasMask, long batch) {
        this.tokenizer = tokenizer;
        this.session = session;
        this.id = id;
        this.output = output;
        this.dim = dim;
        this.context = context;
        this.longIds = longIds;
        this.hasMask = hasMask;
        this.dynamicBatch = batch <= 0;
        this.runBatch = dynamicBatch ? MAX_BATCH : (int) batch;
    }

    /**
     * Opens a CLIP text model and its vocabulary; a file that is not such a model is refused with what is wrong.
     * The id joins the first 12 hex digits of both files' SHA-256.
     */
    public static ClipTextEncoder open(Path textModel, Path vocabulary) throws BackboneException {
        ClipTokenizer tokenizer = ClipTokenizer.load(vocabulary);
        String file = textModel.getFileName().toString();
        String id = "clip-text@" + BackboneFiles.sha256(textModel).substring(0, 12) + "-"
                + BackboneFiles.sha256(vocabulary).substring(0, 12);
        OrtSession session;
        try (OrtSession.SessionOptions options = OnnxRuntimes.sessionOptions()) {
            session = OnnxRuntimes.environment().createSession(textModel.toString(), options);
        } catch (OrtException e) {
            throw new BackboneException(file + ": ONNX Runtime cannot load the text model: " + Faults.describe(e), e);
        }
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            TensorInfo ids = tensor(inputs.get(INPUT_IDS));
            TensorInfo mask = tensor(inputs.get(ATTENTION_MASK));
            long[] shape = ids == null ? null : ids.getShape();
            boolean intIds = ids != null && (ids.type == OnnxJavaType.INT32 || ids.type == OnnxJavaType.INT64);
            if (shape == null || shape.length != 2 || !intIds || inputs.size() > 2 || (mask == null && inputs.size() == 2)) {
                throw new BackboneException(file + " is not a CLIP text model: it takes " + describe(inputs)
                        + "; Loupe needs '" + INPUT_IDS + "' [N, 77] integer token ids (and optionally '"
                        + ATTENTION_MASK + "')");
            }
            int context = shape[1] > 0 ? (int) shape[1] : ClipTokenizer.CONTEXT_LENGTH;
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            if (outputs.size() != 1) {
                throw new BackboneException(file + " has " + outputs.size() + " outputs; a CLIP text model has one, "
                        + "the text embedding [N, D]");
            }
            String out = outputs.keySet().iterator().next();
            ClipTextEncoder probe = new ClipTextEncoder(tokenizer, session, id, out, -1, context,
                    ids.type == OnnxJavaType.INT64, mask != null, shape[0]);
            float[][] e = probe.run(List.of(""));
            if (e.length != 1 || e[0].length == 0) {
                throw new BackboneException(file + ": its output is not one embedding per text");
            }
            return new ClipTextEncoder(tokenizer, session, id, out, e[0].length, context,
                    ids.type == OnnxJavaType.INT64, mask != null, shape[0]);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session);
            throw new BackboneException(file + ": the text model does not run: " + Faults.describe(e), e);
        } catch (BackboneException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private static TensorInfo tensor(NodeInfo n) {
        return n != null && n.getInfo() instanceof TensorInfo t ? t : null;
    }

    private static String describe(Map<String, NodeInfo> inputs) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
            TensorInfo t = tensor(e.getValue());
            parts.add("'" + e.getKey() + "'" + (t == null ? "" : " " + t.type.toString().toLowerCase(java.util.Locale.ROOT)
                    + " " + Arrays.toString(t.getShape())));
        }
        return String.join(", ", parts);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public synchronized float[][] embed(List<String> texts) {
        if (closed) {
            throw new IllegalStateException("the text model is closed");
        }
        try {
            return run(texts);
        } catch (OrtException e) {
            throw new IllegalStateException("the text model failed: " + Faults.describe(e), e);
        }
    }

    private float[][] run(List<String> texts) throws OrtException {
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < texts.size(); start += runBatch) {
            int m = Math.min(runBatch, texts.size() - start);
            int n = dynamicBatch ? m : runBatch; // a fixed batch is filled up by repeating the last text
            int[][] rows = new int[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = tokenizer.tokens(texts.get(start + Math.min(i, m - 1)), context);
            }
            float[][] got = runRows(rows);
            System.arraycopy(got, 0, out, start, m);
        }
        return out;
    }

    private float[][] runRows(int[][] rows) throws OrtException {
        int n = rows.length;
        long[] shape = {n, context};
        ByteBuffer idBytes = ByteBuffer.allocateDirect(n * context * (longIds ? 8 : 4)).order(ByteOrder.nativeOrder());
        ByteBuffer maskBytes = ByteBuffer.allocateDirect(n * context * (longIds ? 8 : 4)).order(ByteOrder.nativeOrder());
        for (int[] row : rows) {
            int len = tokenizer.length(row);
            for (int j = 0; j < context; j++) {
                if (longIds) {
                    idBytes.putLong(row[j]);
                    maskBytes.putLong(j < len ? 1 : 0);
                } else {
                    idBytes.putInt(row[j]);
                    maskBytes.putInt(j < len ? 1 : 0);
                }
            }
        }
        idBytes.flip();
        maskBytes.flip();
        var env = OnnxRuntimes.environment();
        try (OnnxTensor ids = longIds ? OnnxTensor.createTensor(env, idBytes.asLongBuffer(), shape)
                : OnnxTensor.createTensor(env, idBytes.asIntBuffer(), shape);
             OnnxTensor mask = longIds ? OnnxTensor.createTensor(env, maskBytes.asLongBuffer(), shape)
                     : OnnxTensor.createTensor(env, maskBytes.asIntBuffer(), shape)) {
            Map<String, OnnxTensor> feed = hasMask ? Map.of(INPUT_IDS, ids, ATTENTION_MASK, mask) : Map.of(INPUT_IDS, ids);
            try (OrtSession.Result result = session.run(feed, java.util.Set.of(output))) {
                OnnxValue v = result.get(0);
                if (!(v instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
                    throw new IllegalStateException("the text model's output is not a float tensor");
                }
                long[] s = t.getInfo().getShape();
                if (s.length != 2 || s[0] != n) {
                    throw new IllegalStateException("the text model's output has shape " + Arrays.toString(s)
                            + ", not [" + n + ", D]");
                }
                int d = (int) s[1];
                FloatBuffer fb = t.getFloatBuffer();
                float[][] out = new float[n][d];
                for (int i = 0; i < n; i++) {
                    fb.get(out[i]);
                }
                return out;
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            closeQuietly(session);
        }
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException | RuntimeException ignored) {
            // nothing more can be done about a session that will not close
        }
    }

    @Override
    public String toString() {
        return "ClipTextEncoder[" + id + ", " + dim + "-d]";
    }
}
