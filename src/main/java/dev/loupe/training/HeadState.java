package dev.loupe.training;

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
    private static final int MAGIC = 0x4C53_5431; // "LST1"

    private final HeadConfig config;
    private final int classCount;
    private final boolean[] active;
    private final float[] params;
    private final float[] updater;
    private final int iterationCount;
    private final int epochCount;

    HeadState(HeadConfig config, int classCount, boolean[] active, float[] params, float[] updater,
              int iterationCount, int epochCount) {
        this.config = config;
        this.classCount = classCount;
        this.active = active.clone();
        this.params = params;
        this.updater = updater;
        this.iterationCount = iterationCount;
        this.epochCount = epochCount;
    }

    public HeadConfig config() { return config; }
    public int classCount() { return classCount; }
    public boolean isActive(int c) { return active[c]; }
    public int iterationCount() { return iterationCount; }

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
        d.flush();
    }

    public static HeadState readFrom(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        if (d.readInt() != MAGIC) throw new IOException("not a Loupe head state");
        HeadConfig cfg = new HeadConfig(d.readInt(), d.readInt(), d.readDouble(), d.readDouble(), d.readLong());
        int c = d.readInt();
        boolean[] act = new boolean[c];
        for (int i = 0; i < c; i++) act[i] = d.readBoolean();
        int it = d.readInt();
        int ep = d.readInt();
        return new HeadState(cfg, c, act, readFloats(d), readFloats(d), it, ep);
    }

    private static void writeFloats(DataOutputStream d, float[] a) throws IOException {
        d.writeInt(a.length);
        for (float v : a) d.writeFloat(v);
    }

    private static float[] readFloats(DataInputStream d) throws IOException {
        float[] a = new float[d.readInt()];
        for (int i = 0; i < a.length; i++) a[i] = d.readFloat();
        return a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeadState s && classCount == s.classCount && iterationCount == s.iterationCount
                && epochCount == s.epochCount && config.equals(s.config) && Arrays.equals(active, s.active)
                && Arrays.equals(params, s.params) && Arrays.equals(updater, s.updater);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(params) * 31 + classCount; }
}
