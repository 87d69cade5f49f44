package dev.loupe.training;

import dev.loupe.Faults;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Immutable copy of everything a {@link Head} learns: parameters, Adam moments, step counters, class mask.
 * Restoring it reproduces predictions exactly, which is what undo and divergence roll-back need.
 */
public final class HeadState {
    private static final int MAGIC_V1 = 0x4C53_5431; // "LST1": no input normalisation
    private static final int MAGIC_V2 = 0x4C53_5432; // "LST2": LST1 + optional input normalisation
    private static final int MAGIC = 0x4C53_5433;    // "LST3": LST2 + the temperature of the shown probabilities
    private static final int MAX_LENGTH = 1 << 26;

    private final HeadConfig config;
    private final int classCount;
    private final boolean[] active;
    private final float[] params;
    private final float[] updater;
    private final int iterationCount;
    private final int epochCount;
    private final InputNormalization normalization;
    private final double temperature;

    HeadState(HeadConfig config, int classCount, boolean[] active, float[] params, float[] updater,
              int iterationCount, int epochCount, InputNormalization normalization, double temperature) {
        this.config = config;
        this.classCount = classCount;
        this.active = active.clone();
        this.params = params;
        this.updater = updater;
        this.iterationCount = iterationCount;
        this.epochCount = epochCount;
        this.normalization = normalization;
        this.temperature = temperature;
    }

    public HeadConfig config() { return config; }
    public int classCount() { return classCount; }
    public boolean isActive(int c) { return active[c]; }
    public int iterationCount() { return iterationCount; }
    /** The standardisation applied to embeddings before the head, or null for none. */
    public InputNormalization normalization() { return normalization; }
    /** The temperature the head's logits are divided by before the softmax (1 = none; see {@link Calibration}). */
    public double temperature() { return temperature; }

    /**
     * One fully connected layer of the head: {@code y = x · Wᵀ + b}, for readers outside Loupe (the ONNX export).
     *
     * @param weights {@code out × in} values, row-major: row j holds output j's weights
     * @param bias    {@code out} values
     */
    public record Dense(int in, int out, float[] weights, float[] bias) {
        public Dense {
            weights = weights.clone();
            bias = bias.clone();
        }

        @Override
        public float[] weights() { return weights.clone(); }

        @Override
        public float[] bias() { return bias.clone(); }
    }

    /**
     * The layers the head applies after the input standardisation, input first: the hidden ReLU layer when the
     * configuration has one, then the output layer (logits, before the temperature and the softmax). Masked
     * columns are as stored: W = 0 and a very negative bias.
     */
    public java.util.List<Dense> layers() {
        int in = config.inputDim();
        int hidden = config.hiddenUnits();
        java.util.List<Dense> out = new java.util.ArrayList<>();
        int offset = 0;
        if (hidden > 0) {
            out.add(dense(offset, in, hidden));
            offset += in * hidden + hidden;
            in = hidden;
        }
        out.add(dense(offset, in, classCount));
        return out;
    }

    // DL4J keeps a layer's W (in × out) in 'f' order, then b: column j of W, output j's weights, is contiguous,
    // which is exactly the out × in row-major layout.
    private Dense dense(int offset, int in, int out) {
        float[] w = Arrays.copyOfRange(params, offset, offset + in * out);
        float[] b = Arrays.copyOfRange(params, offset + in * out, offset + in * out + out);
        return new Dense(in, out, w, b);
    }

    boolean[] activeCopy() { return active.clone(); }
    float[] paramsView() { return params; }
    float[] updaterView() { return updater; }
    int epochCount() { return epochCount; }

    /** Exact binary form (raw floats), for undo history and model-version side files. */
    public void writeTo(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(new java.io.BufferedOutputStream(out, 1 << 16));
        d.writeInt(MAGIC);
        d.writeInt(config.inputDim());
        d.writeInt(config.hiddenUnits());
        d.writeDouble(config.learningRate());
        d.writeDouble(config.l2());
        d.writeLong(config.seed());
        d.writeInt(classCount);
        for (boolean a : active) d.writeBoolean(a);
        d.writeInt(iterationCount);
        d.writeInt(epochCount);
        writeFloats(d, params);
        writeFloats(d, updater);
        d.writeBoolean(normalization != null);
        if (normalization != null) {
            writeFloats(d, normalization.mean());
            writeFloats(d, normalization.scale());
        }
        d.writeDouble(temperature);
        d.flush();
    }

    public static HeadState readFrom(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int magic = d.readInt();
        if (magic != MAGIC && magic != MAGIC_V2 && magic != MAGIC_V1) throw new IOException("not a Loupe head state");
        HeadConfig cfg = new HeadConfig(d.readInt(), d.readInt(), d.readDouble(), d.readDouble(), d.readLong());
        int c = d.readInt();
        if (c < 0 || c > MAX_LENGTH) throw new IOException("an impossible class count (" + c + ")");
        boolean[] act = new boolean[c];
        for (int i = 0; i < c; i++) act[i] = d.readBoolean();
        int it = d.readInt();
        int ep = d.readInt();
        float[] params = readFloats(d);
        float[] updater = readFloats(d);
        InputNormalization norm = null;
        if (magic != MAGIC_V1 && d.readBoolean()) {
            float[] mean = readFloats(d);
            float[] scale = readFloats(d);
            if (mean.length != cfg.inputDim()) throw new IOException("input normalisation of the wrong width");
            try {
                norm = new InputNormalization(mean, scale);
            } catch (IllegalArgumentException e) {
                throw new IOException("bad input normalisation: " + Faults.describe(e), e);
            }
        }
        double temperature = magic == MAGIC ? d.readDouble() : 1.0;
        if (!(temperature > 0) || Double.isInfinite(temperature)) throw new IOException("bad temperature " + temperature);
        return new HeadState(cfg, c, act, params, updater, it, ep, norm, temperature);
    }

    private static void writeFloats(DataOutputStream d, float[] a) throws IOException {
        d.writeInt(a.length);
        for (float v : a) d.writeFloat(v);
    }

    private static float[] readFloats(DataInputStream d) throws IOException {
        int n = d.readInt();
        // a garbled length must not become an OutOfMemoryError: no head comes near 2^26 floats (256 MB)
        if (n < 0 || n > MAX_LENGTH) throw new IOException("an impossible array length (" + n + ")");
        float[] a = new float[n];
        for (int i = 0; i < a.length; i++) a[i] = d.readFloat();
        return a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeadState s && classCount == s.classCount && iterationCount == s.iterationCount
                && epochCount == s.epochCount && config.equals(s.config) && Arrays.equals(active, s.active)
                && Arrays.equals(params, s.params) && Arrays.equals(updater, s.updater)
                && java.util.Objects.equals(normalization, s.normalization) && temperature == s.temperature;
    }

    @Override
    public int hashCode() { return Arrays.hashCode(params) * 31 + classCount; }
}
