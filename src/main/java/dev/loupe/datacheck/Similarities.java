package dev.loupe.datacheck;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.function.BooleanSupplier;

/**
 * Cosine similarities between embeddings, a block of rows at a time (one GEMM per block). Vectors are centred on
 * their mean first: backbone features are often all positive, which crowds every cosine near 1; centred, unrelated
 * images spread around 0. The centred rows and each block's results stay in native memory (ADR 0040): on 100,000
 * 480-d rows a heap copy was 190 MB and a block's results 100 MB more, which set the app's heap limit.
 */
final class Similarities implements AutoCloseable {
    static final int BLOCK = 64;

    /** Receives one block: {@code sims.get((i - from) * cols + j)} is the similarity of row i to column j. */
    interface BlockSink {
        void accept(int from, int to, FloatBuffer sims, int cols);
    }

    private final INDArray rows;
    /** What {@link #close} frees: {@code rows}, or the whole buffer that {@code rows} is the leading rows of. */
    private final INDArray owner;
    private final FloatBuffer flat;
    private final int n;
    private final int d;
    private final float[] squaredNorms;

    private Similarities(INDArray rows, INDArray owner, float[] squaredNorms) {
        this.rows = rows;
        this.owner = owner;
        this.n = (int) rows.rows();
        this.d = (int) rows.columns();
        this.flat = n == 0 ? FloatBuffer.allocate(0) : floats(rows);
        this.squaredNorms = squaredNorms;
    }

    private static FloatBuffer floats(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** The dot product of two rows (the centred cosine for {@link #of}). */
    float dot(int i, int j) {
        double sum = 0;
        int a = i * d;
        int b = j * d;
        for (int t = 0; t < d; t++) sum += flat.get(a + t) * flat.get(b + t);
        return (float) sum;
    }

    /**
     * Centred but not scaled: the dot products then give Euclidean distances,
     * |x − y|² = {@link #squaredNorm}(x) + {@link #squaredNorm}(y) − 2 x·y.
     */
    static Similarities dotProducts(float[][] vectors) {
        return buildInPlace(matrix(vectors), null, false);
    }

    float squaredNorm(int row) { return squaredNorms[row]; }

    /** Centres the vectors on their mean and scales each to unit length (a zero vector stays zero). */
    static Similarities of(float[][] vectors) {
        return buildInPlace(matrix(vectors), null, true);
    }

    /**
     * The rows {@code select} of {@code source} (every row when null; a c-ordered n × d float matrix that is not a
     * view, left as it is) centred on their mean, each then scaled to unit length when {@code scale}, in a native copy
     * of their own. Sums in double, as on the heap before.
     */
    static Similarities build(INDArray source, int[] select, boolean scale) {
        return build(source, select, scale, false);
    }

    /**
     * As {@link #build(INDArray, int[], boolean)}, but written over {@code source} itself, which the result then owns
     * and frees (ADR 0040): no second copy of 100,000 embeddings. {@code select} must be ascending (row i is
     * written from row select[i] ≥ i, so no row is overwritten before it is read).
     */
    static Similarities buildInPlace(INDArray source, int[] select, boolean scale) {
        return build(source, select, scale, true);
    }

    private static Similarities build(INDArray source, int[] select, boolean scale, boolean inPlace) {
        int d = (int) source.columns();
        int n = select == null ? (int) source.rows() : select.length;
        FloatBuffer in = n == 0 ? FloatBuffer.allocate(0) : floats(source);
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            int at = (select == null ? i : select[i]) * d;
            for (int j = 0; j < d; j++) mean[j] += in.get(at + j);
        }
        for (int j = 0; j < d; j++) mean[j] /= Math.max(1, n);
        INDArray out = inPlace ? source : Nd4j.create(DataType.FLOAT, new long[] {n, Math.max(1, d)}, 'c');
        FloatBuffer o = n == 0 ? FloatBuffer.allocate(0) : floats(out);
        float[] sq = new float[n];
        for (int i = 0; i < n; i++) {
            int at = (select == null ? i : select[i]) * d;
            double norm = 0;
            if (scale) {
                for (int j = 0; j < d; j++) {
                    double c = in.get(at + j) - mean[j];
                    norm += c * c;
                }
                double s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
                for (int j = 0; j < d; j++) o.put(i * d + j, (float) ((in.get(at + j) - mean[j]) * s));
                sq[i] = norm > 0 ? 1f : 0f;
            } else {
                for (int j = 0; j < d; j++) {
                    float c = (float) (in.get(at + j) - mean[j]);
                    o.put(i * d + j, c);
                    norm += (double) c * c;
                }
                sq[i] = (float) norm;
            }
        }
        if (!inPlace || n == source.rows()) return new Similarities(out, out, sq);
        if (n == 0) return new Similarities(Nd4j.create(DataType.FLOAT, 0, Math.max(1, d)), source, sq);
        // fewer rows kept than stored: the leading n rows, which the writes above compacted
        return new Similarities(source.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()), source, sq);
    }

    private static INDArray matrix(float[][] vectors) {
        int n = vectors.length;
        int d = n == 0 ? 1 : vectors[0].length;
        INDArray m = Nd4j.create(DataType.FLOAT, new long[] {n, d}, 'c');
        if (n == 0) return m;
        FloatBuffer fb = floats(m);
        for (int i = 0; i < n; i++) fb.put(i * d, vectors[i]);
        return m;
    }

    int size() { return n; }

    /**
     * Row blocks of this set against the columns listed (all rows when {@code cols} is null); false if cancelled.
     * A block has at most {@link #BLOCK} rows; its results are read from native memory, one buffer reused.
     */
    boolean forEachBlock(int[] cols, BlockSink sink, BooleanSupplier cancel) {
        INDArray right = cols == null ? rows : rows.getRows(cols);
        int m = (int) right.rows();
        INDArray s = null;
        try {
            for (int from = 0; from < n; from += BLOCK) {
                if (cancel.getAsBoolean()) return false;
                int to = Math.min(n, from + BLOCK);
                if (s == null || s.rows() != to - from) {
                    if (s != null) s.close();
                    s = Nd4j.create(DataType.FLOAT, new long[] {to - from, m}, 'c');
                }
                try (INDArray block = rows.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c')) {
                    Nd4j.gemm(block, right, s, false, true, 1.0, 0.0);
                }
                sink.accept(from, to, floats(s), m);
            }
            return true;
        } finally {
            if (s != null) s.close();
            if (right != rows) right.close();
        }
    }

    /** Frees the native rows now rather than when a collection finds them. */
    @Override
    public void close() {
        owner.close();
    }
}
