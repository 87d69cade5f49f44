package dev.loupe.training;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * The learning curve of one model lineage: the estimated accuracy on the unlabelled images at each label count,
 * oldest first. Immutable and kept with the head's state, so undo and a reopened project see the curve as it was.
 * At most {@link #MAX_POINTS}: when full, every other point of the older half is dropped (the recent part of the
 * curve is what a projection reads).
 */
public final class EstimateHistory {
    /** Points kept at most. */
    public static final int MAX_POINTS = 64;
    /** No points. */
    public static final EstimateHistory EMPTY = new EstimateHistory(new int[0], new double[0]);

    private final int[] labels;
    private final double[] estimate;

    private EstimateHistory(int[] labels, double[] estimate) {
        this.labels = labels;
        this.estimate = estimate;
    }

    public int size() { return labels.length; }
    public int labels(int i) { return labels[i]; }
    public double estimate(int i) { return estimate[i]; }

    /** The label counts, oldest first (a copy). */
    public int[] labelCounts() { return labels.clone(); }

    /** The estimates, oldest first (a copy). */
    public double[] estimates() { return estimate.clone(); }

    /**
     * This curve plus the estimate at {@code labelCount}; an existing point at that label count is replaced, and
     * points at higher label counts (left behind by an undo) are dropped.
     */
    public EstimateHistory with(int labelCount, double value) {
        if (!Double.isFinite(value)) return this;
        int keep = 0;
        while (keep < labels.length && labels[keep] < labelCount) keep++;
        int[] l = Arrays.copyOf(labels, keep + 1);
        double[] e = Arrays.copyOf(estimate, keep + 1);
        l[keep] = labelCount;
        e[keep] = value;
        if (l.length > MAX_POINTS) {
            int half = l.length / 2;
            int n = 0;
            int[] l2 = new int[l.length];
            double[] e2 = new double[l.length];
            for (int i = 0; i < l.length; i++) {
                if (i >= half || i % 2 == 0) {
                    l2[n] = l[i];
                    e2[n++] = e[i];
                }
            }
            l = Arrays.copyOf(l2, n);
            e = Arrays.copyOf(e2, n);
        }
        return new EstimateHistory(l, e);
    }

    void writeTo(DataOutputStream d) throws IOException {
        d.writeInt(size());
        for (int i = 0; i < size(); i++) {
            d.writeInt(labels[i]);
            d.writeDouble(estimate[i]);
        }
    }

    static EstimateHistory readFrom(DataInputStream d) throws IOException {
        int n = d.readInt();
        if (n < 0 || n > MAX_POINTS) throw new IOException("bad estimate history length " + n);
        int[] l = new int[n];
        double[] e = new double[n];
        for (int i = 0; i < n; i++) {
            l[i] = d.readInt();
            e[i] = d.readDouble();
        }
        return new EstimateHistory(l, e);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EstimateHistory h && Arrays.equals(labels, h.labels) && Arrays.equals(estimate, h.estimate);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(labels);
    }
}
