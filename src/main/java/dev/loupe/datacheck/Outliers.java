package dev.loupe.datacheck;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Images far from everything: each image's score is its mean Euclidean distance to its k nearest neighbours in
 * embedding space, and an outlier's score lies beyond a robust threshold on the log scale (kNN distances are skewed
 * to the right): log score > median + {@code z} × 1.4826 × MAD of the log scores. Neighbours are searched among at
 * most {@link #MAX_REFERENCE} images drawn at random, which bounds the cost on large projects; copies of an image
 * (distance below {@link #SAME} of the median score) are not counted as its neighbours, so two copies of a piece of
 * junk do not hide each other.
 */
public final class Outliers {

    public static final int DEFAULT_K = 10;
    public static final double DEFAULT_Z = 3.0;
    static final int MAX_REFERENCE = 5000;
    static final double SAME = 0.02;

    /** One image's score; {@code outlier} when beyond the threshold. */
    public record Scored(long id, double score, boolean outlier) {
    }

    /** Every image's score, highest first, the threshold used, and the median and MAD of the log scores. */
    public record Result(List<Scored> scores, double threshold, double logMedian, double logMad) {
        public Result {
            scores = List.copyOf(scores);
        }

        public List<Scored> outliers() {
            return scores.stream().filter(Scored::outlier).toList();
        }
    }

    private Outliers() {
    }

    /** The median squared distance between a few hundred pairs: the scale that "a copy" is measured against. */
    private static double typicalSquaredDistance(Similarities sims) {
        int n = sims.size();
        SplittableRandom r = new SplittableRandom(1);
        double[] d2 = new double[Math.min(500, n)];
        // squared norms of centred vectors: E|x - y|² = |x|² + |y|² for independent rows (their mean is 0)
        for (int t = 0; t < d2.length; t++) d2[t] = sims.squaredNorm(r.nextInt(n)) + sims.squaredNorm(r.nextInt(n));
        return DriftTest.median(d2);
    }

    /** How distance is measured. */
    public enum Metric {
        /** Euclidean distance between the embeddings. */
        EUCLIDEAN,
        /** Euclidean distance between the centred embeddings scaled to unit length (a function of the cosine). */
        ANGULAR
    }

    /** {@link #find(long[], float[][], int, double, long, Metric, BooleanSupplier)} with the {@link Metric#EUCLIDEAN} metric. */
    public static Result find(long[] ids, float[][] vectors, int k, double z, long seed, BooleanSupplier cancel) {
        return find(ids, vectors, k, z, seed, Metric.EUCLIDEAN, cancel);
    }

    /** Scores every row; null if cancelled. Needs more than {@code k} rows (fewer: every score is 0, none flagged). */
    public static Result find(long[] ids, float[][] vectors, int k, double z, long seed, Metric metric, BooleanSupplier cancel) {
        return find(ids, vectors, k, z, seed, metric, cancel, p -> { });
    }

    /** As above; {@code progress} receives the share of images scored (0..1) from the calling thread. */
    public static Result find(long[] ids, float[][] vectors, int k, double z, long seed, Metric metric, BooleanSupplier cancel,
                              java.util.function.DoubleConsumer progress) {
        int n = ids.length;
        double[] score = new double[n];
        if (n > k + 1) {
            int[] ref = n <= MAX_REFERENCE ? null : DriftTest.sample(n, MAX_REFERENCE, new SplittableRandom(seed));
            int[] refIndex = ref == null ? null : ref.clone();
            if (refIndex != null) Arrays.sort(refIndex);
            final int[] cols = refIndex;
            Similarities sims = metric == Metric.ANGULAR ? Similarities.of(vectors) : Similarities.dotProducts(vectors);
            double same = SAME * SAME * typicalSquaredDistance(sims);
            boolean done = sims.forEachBlock(cols, (from, to, s, m) -> {
                // the k smallest squared distances, largest on top
                PriorityQueue<Double> top = new PriorityQueue<>(k + 1, Comparator.reverseOrder());
                for (int i = from; i < to; i++) {
                    top.clear();
                    int off = (i - from) * m;
                    for (int j = 0; j < m; j++) {
                        int col = cols == null ? j : cols[j];
                        double d2 = Math.max(0, sims.squaredNorm(i) + sims.squaredNorm(col) - 2.0 * s[off + j]);
                        if (col == i || d2 <= same) continue;
                        if (top.size() < k) top.add(d2);
                        else if (d2 < top.peek()) {
                            top.poll();
                            top.add(d2);
                        }
                    }
                    double sum = 0;
                    for (double v : top) sum += Math.sqrt(v);
                    score[i] = top.isEmpty() ? 0 : sum / top.size();
                }
                progress.accept((double) to / n);
            }, cancel);
            if (!done) return null;
        }
        double[] logs = new double[n];
        for (int i = 0; i < n; i++) logs[i] = Math.log(Math.max(score[i], 1e-12));
        double median = DriftTest.median(logs);
        double[] dev = new double[n];
        for (int i = 0; i < n; i++) dev[i] = Math.abs(logs[i] - median);
        double mad = DriftTest.median(dev);
        double threshold = Math.exp(median + z * 1.4826 * mad);
        List<Scored> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new Scored(ids[i], score[i], n > k + 1 && mad > 0 && score[i] > threshold));
        out.sort(Comparator.comparingDouble((Scored s) -> -s.score()).thenComparingLong(Scored::id));
        progress.accept(1.0);
        return new Result(out, threshold, median, mad);
    }
}
