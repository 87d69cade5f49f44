package dev.loupe.datacheck;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.BooleanSupplier;

/**
 * Cosine similarities between embeddings, a block of rows at a time (one GEMM per block, so memory stays at
 * {@value #BLOCK} × N floats). Vectors are centred on their mean first: backbone features are often all
 * positive, which crowds every cosine near 1; centred, unrelated images spread around 0.
 */
final class Similarities {
    static final int BLOCK = 256;

    /** Receives one block: {@code sims[(i - from) * cols + j]} is the similarity of row i to column j. */
    interface BlockSink {
        void accept(int from, int to, float[] sims, int cols);
    }

    private final INDArray rows;
    private final int n;
    private final float[] squaredNorms;
    private final float[] flat;
    private final int d;

    private Similarities(float[] flat, int n, int d, float[] squaredNorms) {
        this.rows = Nd4j.create(flat, new long[] {n, d}, 'c');
        this.n = n;
        this.squaredNorms = squaredNorms;
        this.flat = flat;
        this.d = d;
    }

    /** The dot product of two rows (the centred cosine for {@link #of}). */
    float dot(int i, int j) {
        double sum = 0;
        int a = i * d;
        int b = j * d;
        for (int t = 0; t < d; t++) sum += flat[a + t] * flat[b + t];
        return (float) sum;
    }

    /**
     * Centred but not scaled: the dot products then give Euclidean distances,
     * |x − y|² = {@link #squaredNorm}(x) + {@link #squaredNorm}(y) − 2 x·y.
     */
    static Similarities dotProducts(float[][] vectors) {
        int n = vectors.length;
        int d = n == 0 ? 1 : vectors[0].length;
        double[] mean = mean(vectors, d);
        float[] flat = new float[n * d];
        float[] sq = new float[n];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                float c = (float) (vectors[i][j] - mean[j]);
                flat[i * d + j] = c;
                norm += (double) c * c;
            }
            sq[i] = (float) norm;
        }
        return new Similarities(flat, n, d, sq);
    }

    float squaredNorm(int row) { return squaredNorms[row]; }

    private static double[] mean(float[][] vectors, int d) {
        double[] mean = new double[d];
        for (float[] v : vectors) for (int j = 0; j < d; j++) mean[j] += v[j];
        for (int j = 0; j < d; j++) mean[j] /= Math.max(1, vectors.length);
        return mean;
    }

    /** Centres the vectors on their mean and scales each to unit length (a zero vector stays zero). */
    static Similarities of(float[][] vectors) {
        int n = vectors.length;
        int d = n == 0 ? 1 : vectors[0].length;
        double[] mean = mean(vectors, d);
        float[] flat = new float[n * d];
        float[] sq = new float[n];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                double c = vectors[i][j] - mean[j];
                norm += c * c;
            }
            double s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
            for (int j = 0; j < d; j++) flat[i * d + j] = (float) ((vectors[i][j] - mean[j]) * s);
            sq[i] = norm > 0 ? 1f : 0f;
        }
        return new Similarities(flat, n, d, sq);
    }

    int size() { return n; }

    /** Row blocks of this set against the columns listed (all rows when {@code cols} is null); false if cancelled. */
    boolean forEachBlock(int[] cols, BlockSink sink, BooleanSupplier cancel) {
        INDArray right = cols == null ? rows : rows.getRows(cols);
        INDArray rightT = right.transpose().dup('c');
        int m = (int) right.rows();
        for (int from = 0; from < n; from += BLOCK) {
            if (cancel.getAsBoolean()) return false;
            int to = Math.min(n, from + BLOCK);
            INDArray block = rows.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray s = Nd4j.create(DataType.FLOAT, new long[] {to - from, m}, 'c');
            Nd4j.gemm(block.dup('c'), rightT, s, false, false, 1.0, 0.0);
            sink.accept(from, to, s.data().asFloat(), m);
        }
        return true;
    }
}
