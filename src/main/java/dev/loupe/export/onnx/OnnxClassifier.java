package dev.loupe.export.onnx;

import dev.loupe.Faults;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.loupe.LoupeException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * An exported classifier opened with ONNX Runtime for Java, as a user would run it: images in as
 * {@code N x H x W x 3} RGB values 0..255, class probabilities out. The export checks every file with it before
 * moving the file into place.
 */
public final class OnnxClassifier implements AutoCloseable {

    private final OrtSession session;
    private final long[] imageShape; // [H, W, 3]

    private OnnxClassifier(OrtSession session, long[] imageShape) {
        this.session = session;
        this.imageShape = imageShape;
    }

    /** Opens an exported file. */
    public static OnnxClassifier open(Path file) {
        return open(file.toString(), null);
    }

    /** Opens an exported model held in memory. */
    public static OnnxClassifier open(byte[] model) {
        return open(null, model);
    }

    private static OnnxClassifier open(String file, byte[] model) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            // Idle spinning threads would take the cores ND4J needs (onnxruntime#11841).
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            OrtSession session = file != null ? env.createSession(file, options) : env.createSession(model, options);
            try {
                var info = session.getInputInfo().get(OnnxExport.INPUT);
                if (info == null || !session.getOutputInfo().containsKey(OnnxExport.OUTPUT)) {
                    throw new LoupeException((file == null ? "The model" : file) + " is not a classifier exported by Loupe"
                            + " (no '" + OnnxExport.INPUT + "' input or '" + OnnxExport.OUTPUT + "' output).");
                }
                long[] shape = ((ai.onnxruntime.TensorInfo) info.getInfo()).getShape();
                return new OnnxClassifier(session, new long[] {shape[1], shape[2], shape[3]});
            } catch (RuntimeException | OrtException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new LoupeException("ONNX Runtime cannot load " + (file == null ? "the model" : file) + ": " + Faults.describe(e), e);
        }
    }

    /** The model's metadata ({@code metadata_props}): class names, preprocessing, provenance. */
    public Map<String, String> metadata() {
        try {
            return session.getMetadata().getCustomMetadata();
        } catch (OrtException e) {
            throw new LoupeException("Cannot read the model's metadata: " + Faults.describe(e), e);
        }
    }

    /** Input height and width. */
    public int height() {
        return (int) imageShape[0];
    }

    public int width() {
        return (int) imageShape[1];
    }

    /** Probabilities of {@code n} images given as {@code n x H x W x 3} RGB values 0..255. */
    public float[][] probabilities(float[] rgb, int n) {
        long per = imageShape[0] * imageShape[1] * imageShape[2];
        if (rgb.length != n * per) {
            throw new IllegalArgumentException(rgb.length + " values for " + n + " images of " + per);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        // A direct buffer in native order is used as is; any other is copied first.
        FloatBuffer buffer = ByteBuffer.allocateDirect(4 * rgb.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        buffer.put(rgb).rewind();
        try (OnnxTensor input = OnnxTensor.createTensor(env, buffer, new long[] {n, imageShape[0], imageShape[1], imageShape[2]});
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            return (float[][]) result.get(OnnxExport.OUTPUT).orElseThrow().getValue();
        } catch (OrtException e) {
            throw new LoupeException("ONNX Runtime failed to run the model: " + Faults.describe(e), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new LoupeException("Cannot close the ONNX session: " + Faults.describe(e), e);
        }
    }
}
