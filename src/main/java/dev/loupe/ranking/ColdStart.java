package dev.loupe.ranking;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Diversity-and-typicality ordering for the first labels: k-means (k-means++ init, seeded, fitted on a subsample)
 * over the embeddings, then the image nearest each centroid, one cluster after another (biggest cluster first),
 * then the second nearest of each, and so on — consecutive picks come from different clusters.
 */
public final class ColdStart {
    public static final int DEFAULT_SAMPLE = 4096;
    public static final int DEFAULT_ITERATIONS = 10;
    private static final int RESTARTS = 3;
    private static final int CHUNK = 8192;

    private final int k;
    private final int[] order;
    private final int[] cluster;
    private final float[] centers; // k × d
    private final long[][] members; // per cluster: (distance bits << 32 | row), nearest first

    private ColdStart(int k, int[] order, int[] cluster, float[] centers, long[][] members) {
        this.k = k;
        this.order = order;
        this.cluster = cluster;
        this.centers = centers;
        this.members = members;
    }

    /** k ≈ 2 × classes, at least 8, at most 256 and at most N. */
    public static int suggestedK(int classCount, int rows) {
        return Math.max(1, Math.min(rows, Math.min(256, Math.max(8, 2 * classCount))));
    }

    public static ColdStart fit(INDArray embeddings, int k, long seed) {
        return fit(embeddings, k, seed, DEFAULT_SAMPLE, DEFAULT_ITERATIONS);
    }

    /** Fits k-means on at most {@code sampleSize} rows, then assigns and orders every row. */
    public static ColdStart fit(INDArray embeddings, int k, long seed, int sampleSize, int iterations) {
        int n = embeddings.rows();
        int d = embeddings.columns();
        k = Math.max(1, Math.min(k, n));
        SplittableRandom rng = new SplittableRandom(seed);
        int s = Math.min(n, Math.max(sampleSize, k));
        int[] sample = sampleRows(n, s, rng);
        sample = finiteRows(embeddings, sample);
        s = sample.length;
        if (s == 0) throw new IllegalArgumentException("no finite embedding to cluster");
        k = Math.min(k, s);
        INDArray pulled = Nd4j.pullRows(embeddings, 1, sample);
        INDArray xs = pulled.dataType() == DataType.FLOAT && pulled.ordering() == 'c' ? pulled
                : pulled.castTo(DataType.FLOAT).dup('c');
        if (xs != pulled) pulled.close();
        float[] x = flat(xs);
        float[] xsq = sumOfSquares(xs);

        float[] best = null;
        double bestInertia = Double.POSITIVE_INFINITY;
        int restarts = k <= 32 ? RESTARTS : 1; // restarts matter for few clusters; many clusters average out
        for (int r = 0; r < restarts; r++) {
            float[] centers = kmeansPlusPlus(xs, xsq, s, d, k, rng);
            double inertia = lloyd(xs, x, xsq, s, d, k, centers, iterations, rng);
            if (inertia < bestInertia) { bestInertia = inertia; best = centers; }
        }
        xs.close();
        return assignAndOrder(embeddings, n, d, k, best);
    }

    public int k() { return k; }
    public int size() { return order.length; }
    /** The i-th row in cold-start order. */
    public int orderAt(int i) { return order[i]; }
    /** The cluster of a row. */
    public int clusterOf(int row) { return cluster[row]; }

    /**
     * How many images a random draw from the collection puts in {@code row}'s cluster for each one the cold start
     * takes from it: {@code k · size / n} (1 when every cluster is the same size). The cold start takes one image per
     * cluster whatever its size; a random image comes from a cluster in proportion to its size.
     */
    public double mass(int row) {
        return k * (double) members[cluster[row]].length / cluster.length;
    }

    /**
     * Every row, the collection's variety first: clusters in farthest-first order (the biggest first, then each time
     * the one whose centre is farthest from those already taken, so consecutive clusters differ most), and from them
     * the nearest image to each centre, then the second nearest of each, and so on.
     */
    public int[] spreadOrder() {
        int d = centers.length / Math.max(1, k);
        boolean[] taken = new boolean[k];
        double[] far = new double[k];
        java.util.Arrays.fill(far, Double.POSITIVE_INFINITY);
        int[] clusters = new int[k];
        int pick = 0;
        for (int j = 1; j < k; j++) if (members[j].length > members[pick].length) pick = j;
        for (int t = 0; t < k; t++) {
            clusters[t] = pick;
            taken[pick] = true;
            int next = -1;
            for (int j = 0; j < k; j++) {
                if (taken[j]) continue;
                double dist = 0;
                for (int i = 0; i < d; i++) {
                    double v = centers[j * d + i] - centers[pick * d + i];
                    dist += v * v;
                }
                far[j] = Math.min(far[j], dist);
                if (members[j].length > 0 && (next < 0 || far[j] > far[next]
                        || far[j] == far[next] && members[j].length > members[next].length)) {
                    next = j;
                }
            }
            if (next < 0) {
                clusters = java.util.Arrays.copyOf(clusters, t + 1);
                break;
            }
            pick = next;
        }
        int[] out = new int[order.length];
        int o = 0;
        for (int round = 0; o < out.length; round++) {
            for (int j : clusters) {
                if (round < members[j].length) out[o++] = (int) members[j][round];
            }
        }
        return out;
    }

    private static int[] sampleRows(int n, int s, SplittableRandom rng) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        for (int i = 0; i < s; i++) { // partial Fisher–Yates
            int j = i + rng.nextInt(n - i);
            int t = idx[i]; idx[i] = idx[j]; idx[j] = t;
        }
        int[] out = Arrays.copyOf(idx, s);
        Arrays.sort(out);
        return out;
    }

    private static float[] kmeansPlusPlus(INDArray xs, float[] xsq, int s, int d, int k, SplittableRandom rng) {
        float[] c = new float[k * d];
        double[] minD = new double[s];
        Arrays.fill(minD, Double.POSITIVE_INFINITY);
        int pick = rng.nextInt(s);
        for (int j = 0; j < k; j++) {
            INDArray row = xs.getRow(pick);
            float[] cj = flat(row);
            System.arraycopy(cj, 0, c, j * d, d);
            if (j == k - 1) break;
            float[] dots = flatFree(xs.mmul(row.reshape(d, 1)));
            double csq = xsq[pick];
            double total = 0;
            for (int i = 0; i < s; i++) {
                double dist = Math.max(0, xsq[i] + csq - 2.0 * dots[i]);
                if (dist < minD[i]) minD[i] = dist;
                total += minD[i];
            }
            pick = rng.nextInt(s);
            if (total > 0) {
                double u = rng.nextDouble() * total;
                for (int i = 0; i < s; i++) {
                    u -= minD[i];
                    if (u <= 0) { pick = i; break; }
                }
            }
        }
        return c;
    }

    private static double lloyd(INDArray xs, float[] x, float[] xsq, int s, int d, int k, float[] c,
                                int iterations, SplittableRandom rng) {
        int[] assign = new int[s];
        double[] sums = new double[k * d];
        int[] counts = new int[k];
        float[] csq = new float[k];
        double inertia = 0;
        for (int it = 0; it <= iterations; it++) {
            for (int j = 0; j < k; j++) csq[j] = (float) sq(c, j * d, d);
            INDArray centres = Nd4j.create(c, new long[] {k, d}, 'c');
            float[] dots = flatFree(xs.mmul(centres.transpose()));
            centres.close();
            inertia = 0;
            boolean changed = false;
            for (int i = 0; i < s; i++) {
                int bj = 0;
                float bd = Float.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    float v = csq[j] - 2f * dots[i * k + j];
                    if (v < bd) { bd = v; bj = j; }
                }
                if (assign[i] != bj || it == 0) changed = true;
                assign[i] = bj;
                inertia += Math.max(0f, bd + xsq[i]);
            }
            if (it == iterations || !changed) break;
            Arrays.fill(sums, 0);
            Arrays.fill(counts, 0);
            for (int i = 0; i < s; i++) {
                int j = assign[i];
                counts[j]++;
                for (int t = 0; t < d; t++) sums[j * d + t] += x[i * d + t];
            }
            for (int j = 0; j < k; j++) {
                if (counts[j] == 0) { // empty cluster: restart it on a random sample row
                    System.arraycopy(x, rng.nextInt(s) * d, c, j * d, d);
                    continue;
                }
                for (int t = 0; t < d; t++) c[j * d + t] = (float) (sums[j * d + t] / counts[j]);
            }
        }
        return inertia;
    }

    /** The sampled rows whose embedding is entirely finite (a broken row must not poison the centroids). */
    private static int[] finiteRows(INDArray emb, int[] sample) {
        INDArray xs = Nd4j.pullRows(emb, 1, sample);
        float[] sums = flatFree(xs.sum(1));
        xs.close();
        int m = 0;
        int[] out = new int[sample.length];
        for (int i = 0; i < sample.length; i++) if (Float.isFinite(sums[i])) out[m++] = sample[i];
        return Arrays.copyOf(out, m);
    }

    /** Row-major copy of any array as a flat float[] (the temporary copy freed at once). */
    private static float[] flat(INDArray a) {
        INDArray c = a.dup('c');
        float[] f = c.data().asFloat();
        c.close();
        return f.length == a.length() ? f : Arrays.copyOf(f, (int) a.length());
    }

    /**
     * {@link #flat} of a temporary, which is freed at once too. Opening a 100,000-image project made ~200 MB of such
     * temporaries here that only a garbage collection would have freed (docs/adr/0037-resident-size-while-labelling.md).
     */
    private static float[] flatFree(INDArray a) {
        float[] f = flat(a);
        a.close();
        return f;
    }

    /** Each row's squared length, without a rows×D temporary. */
    private static float[] sumOfSquares(INDArray rows) {
        INDArray sq = rows.mul(rows);
        float[] out = flatFree(sq.sum(1));
        sq.close();
        return out;
    }

    private static double sq(float[] a, int ao, int d) {
        double s = 0;
        for (int t = 0; t < d; t++) s += (double) a[ao + t] * a[ao + t];
        return s;
    }

    private static ColdStart assignAndOrder(INDArray emb, int n, int d, int k, float[] centers) {
        INDArray cT = Nd4j.createFromArray(centers).reshape('c', k, d).transpose().dup('c'); // D×k
        float[] csq = new float[k];
        for (int j = 0; j < k; j++) csq[j] = (float) sq(centers, j * d, d);
        int[] cluster = new int[n];
        float[] dist = new float[n];
        for (int start = 0; start < n; start += CHUNK) {
            int end = Math.min(n, start + CHUNK);
            INDArray rows = emb.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).castTo(DataType.FLOAT);
            float[] dots = flatFree(rows.mmul(cT));
            float[] xsq = sumOfSquares(rows);
            for (int i = 0; i < end - start; i++) {
                int bj = 0;
                float bd = Float.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    float v = csq[j] - 2f * dots[i * k + j];
                    if (v < bd) { bd = v; bj = j; }
                }
                cluster[start + i] = bj;
                dist[start + i] = Math.max(0f, bd + xsq[i]);
            }
        }
        int[] counts = new int[k];
        for (int c : cluster) counts[c]++;
        long[][] members = new long[k][];
        for (int j = 0; j < k; j++) members[j] = new long[counts[j]];
        int[] fill = new int[k];
        for (int i = 0; i < n; i++) {
            int j = cluster[i];
            members[j][fill[j]++] = ((long) Float.floatToIntBits(dist[i]) << 32) | i; // dist ≥ 0: bits sort as ints
        }
        for (long[] m : members) Arrays.sort(m);
        Integer[] byCount = new Integer[k];
        for (int j = 0; j < k; j++) byCount[j] = j;
        Arrays.sort(byCount, (a, b) -> counts[b] != counts[a] ? Integer.compare(counts[b], counts[a]) : Integer.compare(a, b));
        int[] order = new int[n];
        int o = 0;
        for (int round = 0; o < n; round++) {
            for (int j : byCount) {
                if (round < members[j].length) order[o++] = (int) members[j][round];
            }
        }
        return new ColdStart(k, order, cluster, centers, members);
    }
}
