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
    private static final int MAGIC_V3 = 0x4C53_5433; // "LST3": LST2 + the temperature of the shown probabilities
    private static final int MAGIC_V4 = 0x4C53_5434; // "LST4": LST3 + unseen-class share, kept predictions, estimate curve
    private static final int MAGIC_V5 = 0x4C53_5435; // "LST5": LST4 + each kept prediction's weight
    private static final int MAGIC = 0x4C53_5436;    // "LST6": LST5 + the uniform share of the shown probabilities
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
    private final double temperatureLogSd;
    private final double unseenShare;
    private final double uniformShare;
    private final Calibration.Records records;
    private final EstimateHistory history;

    HeadState(HeadConfig config, int classCount, boolean[] active, float[] params, float[] updater,
              int iterationCount, int epochCount, InputNormalization normalization, double temperature,
              double temperatureLogSd, double unseenShare, double uniformShare, Calibration.Records records,
              EstimateHistory history) {
        this.config = config;
        this.classCount = classCount;
        this.active = active.clone();
        this.params = params;
        this.updater = updater;
        this.iterationCount = iterationCount;
        this.epochCount = epochCount;
        this.normalization = normalization;
        this.temperature = temperature;
        this.temperatureLogSd = temperatureLogSd;
        this.unseenShare = unseenShare;
        this.uniformShare = uniformShare;
        this.records = records;
        this.history = history;
    }

    public HeadConfig config() { return config; }
    public int classCount() { return classCount; }
    public boolean isActive(int c) { return active[c]; }
    public int iterationCount() { return iterationCount; }
    /** The standardisation applied to embeddings before the head, or null for none. */
    public InputNormalization normalization() { return normalization; }
    /** The temperature the head's logits are divided by before the softmax (1 = none; see {@link Calibration}). */
    public double temperature() { return temperature; }
    /** Standard deviation of log {@link #temperature()} as fitted (0 when it was not fitted). */
    public double temperatureLogSd() { return temperatureLogSd; }
    /**
     * The share of images expected to belong to classes without an example yet: every shown probability is
     * {@code (1 − unseenShare) · softmax(logits / temperature)} (see {@link Calibration}).
     */
    public double unseenShare() { return unseenShare; }
    /**
     * The part of each shown distribution spread evenly over the classes with examples, before the unseen share:
     * {@code (1 − unseenShare) · ((1 − uniformShare) · softmax(logits / temperature) + uniformShare / K)} on the K classes
     * with examples (see {@link Calibration}). 0 for states written before it existed (LST5 and older).
     */
    public double uniformShare() { return uniformShare; }
    /** The prequential predictions the temperature was fitted on. */
    public Calibration.Records calibrationRecords() { return records; }
    /** The estimated accuracy on the unlabelled images at each label count so far. */
    public EstimateHistory estimateHistory() { return history; }

    /**
     * This state without the kept predictions (the shown probabilities stay exactly the same): what a model file
     * for use outside the project needs.
     */
    public HeadState withoutCalibrationRecords() {
        return new HeadState(config, classCount, active, params, updater, iterationCount, epochCount, normalization,
                temperature, temperatureLogSd, unseenShare, uniformShare, Calibration.Records.EMPTY, EstimateHistory.EMPTY);
    }

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
        d.writeDouble(temperatureLogSd);
        d.writeDouble(unseenShare);
        d.writeDouble(uniformShare);
        records.writeTo(d);
        history.writeTo(d);
        d.flush();
    }

    public static HeadState readFrom(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int magic = d.readInt();
        if (magic != MAGIC && magic != MAGIC_V5 && magic != MAGIC_V4 && magic != MAGIC_V3 && magic != MAGIC_V2 && magic != MAGIC_V1) {
            throw new IOException("not a Loupe head state");
        }
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
        double temperature = magic == MAGIC || magic == MAGIC_V5 || magic == MAGIC_V4 || magic == MAGIC_V3 ? d.readDouble() : 1.0;
        if (!(temperature > 0) || Double.isInfinite(temperature)) throw new IOException("bad temperature " + temperature);
        double logSd = 0, unseen = 0, uniform = 0;
        Calibration.Records records = Calibration.Records.EMPTY;
        EstimateHistory history = EstimateHistory.EMPTY;
        if (magic == MAGIC || magic == MAGIC_V5 || magic == MAGIC_V4) {
            logSd = d.readDouble();
            unseen = d.readDouble();
            if (magic == MAGIC) uniform = d.readDouble();
            if (!(logSd >= 0) || !(unseen >= 0 && unseen < 1) || !(uniform >= 0 && uniform < 1)) {
                throw new IOException("bad calibration " + logSd + ", " + unseen + ", " + uniform);
            }
            records = Calibration.Records.readFrom(d, magic != MAGIC_V4);
            history = EstimateHistory.readFrom(d);
        }
        return new HeadState(cfg, c, act, params, updater, it, ep, norm, temperature, logSd, unseen, uniform, records, history);
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
                && java.util.Objects.equals(normalization, s.normalization) && temperature == s.temperature
                && temperatureLogSd == s.temperatureLogSd && unseenShare == s.unseenShare && uniformShare == s.uniformShare && records.equals(s.records)
                && history.equals(s.history);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(params) * 31 + classCount; }
}
