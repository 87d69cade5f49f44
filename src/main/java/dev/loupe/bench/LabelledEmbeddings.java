package dev.loupe.bench;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Objects;

/** Embeddings with their true classes: {@code n} rows of {@code d} floats (row-major) and one class per row. */
public record LabelledEmbeddings(float[] x, int[] y, int d) {
    public LabelledEmbeddings {
        Objects.requireNonNull(x);
        Objects.requireNonNull(y);
        if (d < 1 || x.length != (long) y.length * d) throw new IllegalArgumentException("x must hold n*d floats");
    }

    public int n() { return y.length; }

    /** The rows in the given order, as a new N×D float matrix. */
    public INDArray matrix(int[] order) {
        float[] out = new float[order.length * d];
        for (int i = 0; i < order.length; i++) System.arraycopy(x, order[i] * d, out, i * d, d);
        return Nd4j.create(out, new long[] {order.length, d}, 'c');
    }

    public INDArray matrix() { return Nd4j.create(x.clone(), new long[] {n(), d}, 'c'); }

    /** Only the rows listed. */
    public LabelledEmbeddings subset(int[] rows) {
        float[] out = new float[rows.length * d];
        int[] yy = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(x, rows[i] * d, out, i * d, d);
            yy[i] = y[rows[i]];
        }
        return new LabelledEmbeddings(out, yy, d);
    }

    /** Rows per class. */
    public int[] classCounts(int classes) {
        int[] c = new int[classes];
        for (int v : y) c[v]++;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelledEmbeddings e && d == e.d && Arrays.equals(y, e.y) && Arrays.equals(x, e.x);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(y) * 31 + d; }

    @Override
    public String toString() { return "LabelledEmbeddings[n=" + n() + ", d=" + d + "]"; }
}
