package dev.loupe.datacheck;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * A two-sample test of "do these embeddings come from the same distribution": the unbiased MMD² statistic with an
 * RBF kernel whose bandwidth is the median pairwise squared distance (median heuristic), and a permutation
 * threshold, so the false-alarm rate is {@code alpha} whenever the two samples are exchangeable. Both samples are
 * subsampled at random to bound the cost ({@link Config#maxReference()} + {@link Config#maxCandidate()} points:
 * one Gram matrix by GEMM, then O(n²) per permutation).
 */
public final class DriftTest {

    /** The share of reference points counted as far from the rest of the reference: the expected {@code farShare}. */
    public static final double FAR_QUANTILE = 0.05;

    /**
     * @param alpha         false-alarm rate the permutation threshold is set at
     * @param permutations  permutations of the pooled sample; the smallest p-value is 1/(permutations+1)
     * @param maxReference  at most this many reference (project) points, drawn at random
     * @param maxCandidate  at most this many candidate (new) points, drawn at random
     * @param minCandidate  fewer new points than this are not tested (too few to say anything)
     */
    public record Config(double alpha, int permutations, int maxReference, int maxCandidate, int minCandidate, long seed) {
        public static final Config DEFAULT = new Config(0.01, 200, 1000, 500, 20, 42);

        public Config {
            if (!(alpha > 0 && alpha < 1)) throw new IllegalArgumentException("alpha must be in (0, 1)");
            if (permutations < 1 / alpha - 1) throw new IllegalArgumentException("too few permutations for alpha " + alpha);
            if (maxReference < 2 || maxCandidate < 2 || minCandidate < 2) throw new IllegalArgumentException("samples too small");
        }

        public Config withSeed(long s) { return new Config(alpha, permutations, maxReference, maxCandidate, minCandidate, s); }
        public Config withAlpha(double a) { return new Config(a, permutations, maxReference, maxCandidate, minCandidate, seed); }
    }

    /**
     * The outcome.
     *
     * @param mmd2        the statistic on the two samples
     * @param threshold   the (1 − alpha) quantile of the statistic under permutation
     * @param pValue      (1 + permutations at or above the statistic) / (1 + permutations)
     * @param bandwidth   the kernel's squared-distance scale: k(x, y) = exp(−|x − y|² / bandwidth)
     * @param referenceRows indices (into the reference array) of the points that were tested
     * @param candidateRows indices (into the candidate array) of the points that were tested
     * @param witness     per tested candidate point: mean kernel to the other candidates minus mean kernel to the
     *                    reference points. High values mark what the new set has and the reference lacks.
     * @param far         per tested candidate point: whether it is far from every reference point ({@link #farShare()})
     */
    public record Result(double mmd2, double threshold, double pValue, double alpha, double bandwidth, int permutations,
                         int[] referenceRows, int[] candidateRows, double[] witness, boolean[] far) {
        public boolean drifted() { return pValue <= alpha; }

        /**
         * Share of tested candidate points farther from their nearest reference point than 95 % of reference points
         * are from theirs (leave-one-out): about {@link DriftTest#FAR_QUANTILE} for a sample like the reference.
         */
        public double farShare() {
            int c = 0;
            for (boolean f : far) if (f) c++;
            return far.length == 0 ? 0 : (double) c / far.length;
        }
        public int referenceCount() { return referenceRows.length; }
        public int candidateCount() { return candidateRows.length; }
    }

    private DriftTest() {
    }

    /** Tests {@code candidate} against {@code reference}; rows are embeddings of one length. Null when cancelled. */
    public static Result test(float[][] reference, float[][] candidate, Config config, BooleanSupplier cancel) {
        if (reference.length < 2 || candidate.length < 2) {
            throw new IllegalArgumentException("each sample needs at least 2 points");
        }
        SplittableRandom rnd = new SplittableRandom(config.seed());
        int[] refRows = sample(reference.length, config.maxReference(), rnd);
        int[] candRows = sample(candidate.length, config.maxCandidate(), rnd);
        int n = refRows.length;
        int m = candRows.length;
        int total = n + m;
        int d = reference[refRows[0]].length; // rows left out of the sample may be null (ProjectDrift.rowsUsed)
        float[] pooled = new float[total * d];
        for (int i = 0; i < n; i++) System.arraycopy(reference[refRows[i]], 0, pooled, i * d, d);
        for (int j = 0; j < m; j++) System.arraycopy(candidate[candRows[j]], 0, pooled, (n + j) * d, d);
        double[][] k = kernel(pooled, total, d);
        double bandwidth = k[0][0]; // kernel() leaves the bandwidth on the diagonal, then sets it to 1
        for (int i = 0; i < total; i++) k[i][i] = 1.0;

        boolean[] inCand = new boolean[total];
        for (int j = n; j < total; j++) inCand[j] = true;
        double observed = mmd2(k, inCand, n, m);
        double[] nulls = new double[config.permutations()];
        int[] order = new int[total];
        for (int i = 0; i < total; i++) order[i] = i;
        boolean[] perm = new boolean[total];
        int atOrAbove = 0;
        for (int p = 0; p < nulls.length; p++) {
            if (cancel.getAsBoolean()) return null;
            // a fresh random subset of size m plays the candidate sample
            for (int i = total - 1; i > 0; i--) {
                int r = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[r];
                order[r] = t;
            }
            Arrays.fill(perm, false);
            for (int j = 0; j < m; j++) perm[order[j]] = true;
            nulls[p] = mmd2(k, perm, n, m);
            if (nulls[p] >= observed) atOrAbove++;
        }
        double[] sorted = nulls.clone();
        Arrays.sort(sorted);
        double threshold = sorted[Math.min(sorted.length - 1, (int) Math.ceil((1 - config.alpha()) * sorted.length) - 1)];
        double pValue = (1.0 + atOrAbove) / (1.0 + nulls.length);

        double[] witness = new double[m];
        for (int j = 0; j < m; j++) {
            double[] row = k[n + j];
            double toRef = 0;
            for (int i = 0; i < n; i++) toRef += row[i];
            double toCand = 0;
            for (int t = n; t < total; t++) if (t != n + j) toCand += row[t];
            witness[j] = toCand / (m - 1) - toRef / n;
        }
        // nearest-neighbour similarity (the kernel falls with distance): reference points among themselves, leave one out
        double[] nnRef = new double[n];
        for (int i = 0; i < n; i++) {
            double best = 0;
            for (int t = 0; t < n; t++) if (t != i && k[i][t] > best) best = k[i][t];
            nnRef[i] = best;
        }
        double[] sortedNn = nnRef.clone();
        Arrays.sort(sortedNn);
        double cut = sortedNn[(int) Math.floor(FAR_QUANTILE * (n - 1))];
        boolean[] far = new boolean[m];
        for (int j = 0; j < m; j++) {
            double best = 0;
            for (int i = 0; i < n; i++) if (k[n + j][i] > best) best = k[n + j][i];
            far[j] = best < cut;
        }
        return new Result(observed, threshold, pValue, config.alpha(), bandwidth, nulls.length, refRows, candRows, witness, far);
    }

    /** Unbiased MMD² of the split {@code inCand} (true: candidate) over the pooled kernel matrix. */
    static double mmd2(double[][] k, boolean[] inCand, int n, int m) {
        double xx = 0;
        double yy = 0;
        double xy = 0;
        int total = k.length;
        for (int i = 0; i < total; i++) {
            double[] row = k[i];
            boolean ci = inCand[i];
            for (int j = i + 1; j < total; j++) {
                double v = row[j];
                boolean cj = inCand[j];
                if (ci == cj) {
                    if (ci) yy += v; else xx += v;
                } else {
                    xy += v;
                }
            }
        }
        return 2 * xx / ((double) n * (n - 1)) + 2 * yy / ((double) m * (m - 1)) - 2 * xy / ((double) n * m);
    }

    /**
     * The RBF kernel matrix of {@code total} rows, bandwidth by the median heuristic. Its diagonal holds the
     * bandwidth on return (the caller resets it to 1), which saves a second return value.
     */
    private static double[][] kernel(float[] pooled, int total, int d) {
        double[][] dist = squaredDistances(pooled, total, d);
        double[] upper = new double[total * (total - 1) / 2];
        int u = 0;
        for (int i = 0; i < total; i++) for (int j = i + 1; j < total; j++) upper[u++] = dist[i][j];
        double bandwidth = median(upper);
        if (!(bandwidth > 0)) bandwidth = 1.0; // every point the same: any bandwidth gives the same answer
        for (int i = 0; i < total; i++) {
            double[] row = dist[i];
            for (int j = 0; j < total; j++) row[j] = i == j ? bandwidth : Math.exp(-row[j] / bandwidth);
        }
        return dist;
    }

    /** All pairwise squared Euclidean distances, by one GEMM. */
    static double[][] squaredDistances(float[] rows, int count, int d) {
        INDArray x = Nd4j.create(rows, new long[] {count, d}, 'c').castTo(DataType.DOUBLE);
        INDArray g = x.mmul(x.transpose());
        double[] gram = g.data().asDouble();
        double[][] out = new double[count][count];
        for (int i = 0; i < count; i++) {
            double gi = gram[i * count + i];
            for (int j = 0; j < count; j++) {
                out[i][j] = Math.max(0, gi + gram[j * count + j] - 2 * gram[i * count + j]);
            }
        }
        return out;
    }

    static double median(double[] v) {
        if (v.length == 0) return 0;
        double[] s = v.clone();
        Arrays.sort(s);
        int h = s.length / 2;
        return s.length % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2;
    }

    /** {@code min(count, max)} distinct indices below {@code count}, in random order. */
    static int[] sample(int count, int max, SplittableRandom rnd) {
        int[] all = new int[count];
        for (int i = 0; i < count; i++) all[i] = i;
        int k = Math.min(count, max);
        for (int i = 0; i < k; i++) {
            int r = i + rnd.nextInt(count - i);
            int t = all[i];
            all[i] = all[r];
            all[r] = t;
        }
        return Arrays.copyOf(all, k);
    }
}
