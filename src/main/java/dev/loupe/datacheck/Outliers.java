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
    /**
     * The bound of the looks view (robust z of the log kNN distance between standardised {@link PixelPrint#looks()}):
     * higher than the model's, because how images look varies more within a collection (ADR 0038, measured in
     * docs/BENCHMARKS.md).
     */
    public static final double LOOKS_Z = 3.5;
    static final int MAX_REFERENCE = 5000;
    static final double SAME = 0.02;

    /**
     * One image's score; {@code outlier} when beyond the threshold; {@code why} says which view found it far (null:
     * the embedding's, the only one).
     */
    public record Scored(long id, double score, boolean outlier, String why) {
        public Scored(long id, double score, boolean outlier) {
            this(id, score, outlier, null);
        }
    }

    /** Why a {@link #combined} outlier is one: far in the model's view, or unlike the rest in how it looks. */
    public static final String FAR_FOR_THE_MODEL = "far from every other image in the model's view";
    public static final String LOOKS_UNLIKE = "looks unlike the rest";

    /**
     * The {@link PixelPrint#looks()} of every image, each measure centred on its median over the images and divided by
     * its robust spread (1.4826 × MAD, at least half its standard deviation and 0.01), so that no measure weighs by
     * its units and a measure on which nearly every image agrees still counts a departure from it.
     */
    public static float[][] standardised(double[][] looks) {
        int n = looks.length;
        if (n == 0) return new float[0][];
        int d = looks[0].length;
        float[][] out = new float[n][d];
        double[] col = new double[n];
        for (int j = 0; j < d; j++) {
            double sum = 0, sq = 0;
            for (int i = 0; i < n; i++) {
                col[i] = looks[i][j];
                sum += col[i];
                sq += col[i] * col[i];
            }
            double med = DriftTest.median(col.clone());
            double[] dev = new double[n];
            for (int i = 0; i < n; i++) dev[i] = Math.abs(col[i] - med);
            double mean = sum / n, sd = Math.sqrt(Math.max(0, sq / n - mean * mean));
            double scale = Math.max(Math.max(1.4826 * DriftTest.median(dev), 0.5 * sd), 0.01);
            for (int i = 0; i < n; i++) out[i][j] = (float) ((col[i] - med) / scale);
        }
        return out;
    }

    /**
     * Two views of the same images in one list: each image's robust z-score in each (its log score minus the median
     * log score, over 1.4826 × MAD) divided by that view's bound, the larger kept as its score; an outlier when that
     * exceeds 1 (beyond either bound). {@code byLooks} may miss images (no thumbnail): those keep the model's view
     * alone. Highest first; the result's threshold is 1.
     */
    public static Result combined(Result byModel, double zModel, Result byLooks, double zLooks) {
        java.util.Map<Long, Double> looks = new java.util.HashMap<>();
        for (Scored s : byLooks.scores()) looks.put(s.id(), robustZ(byLooks, s.score()) / zLooks);
        List<Scored> out = new ArrayList<>(byModel.scores().size());
        for (Scored s : byModel.scores()) {
            double m = robustZ(byModel, s.score()) / zModel;
            Double l = looks.get(s.id());
            boolean byLook = l != null && l > m;
            double best = byLook ? l : m;
            out.add(new Scored(s.id(), best, best > 1, byLook ? LOOKS_UNLIKE : FAR_FOR_THE_MODEL));
        }
        out.sort(Comparator.comparingDouble((Scored s) -> -s.score()).thenComparingLong(Scored::id));
        return new Result(out, 1, 0, 1);
    }

    private static double robustZ(Result r, double score) {
        if (!(r.logMad() > 0)) return 0;
        return (Math.log(Math.max(score, 1e-12)) - r.logMedian()) / (1.4826 * r.logMad());
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

    /**
     * The product's check: far from every other image in the model's view (embeddings, bound {@code z}), or unlike the
     * rest in how it looks (the {@link PixelPrint#looks()} of each image's print, bound {@code z} × LOOKS_Z / DEFAULT_Z),
     * {@link #combined}. {@code prints} gives an image's print (null when it has no thumbnail: the model's view alone).
     * Null if cancelled; {@code progress} gets the share done.
     */
    public static Result find(long[] ids, float[][] vectors, java.util.function.LongFunction<PixelPrint> prints, int k, double z,
                              long seed, BooleanSupplier cancel, java.util.function.DoubleConsumer progress) {
        return withLooks(ids, find(ids, vectors, k, z, seed, Metric.EUCLIDEAN, cancel, p -> progress.accept(0.3 * p)),
                prints, k, z, seed, cancel, progress);
    }

    /** {@link #find(long[], float[][], java.util.function.LongFunction, int, double, long, BooleanSupplier,
     *  java.util.function.DoubleConsumer)} on the project's native rows (no heap copy of the embeddings). */
    public static Result find(ProjectVectors v, java.util.function.LongFunction<PixelPrint> prints, int k, double z,
                              long seed, BooleanSupplier cancel, java.util.function.DoubleConsumer progress) {
        return withLooks(v.ids(), find(v.ids(), () -> v.similarities(false), k, z, seed, cancel, p -> progress.accept(0.3 * p)),
                prints, k, z, seed, cancel, progress);
    }

    private static Result withLooks(long[] ids, Result byModel, java.util.function.LongFunction<PixelPrint> prints, int k,
                                    double z, long seed, BooleanSupplier cancel, java.util.function.DoubleConsumer progress) {
        if (byModel == null) return null;
        List<Long> withPrint = new ArrayList<>();
        List<double[]> looks = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (cancel.getAsBoolean()) return null;
            PixelPrint p = prints.apply(ids[i]);
            if (p != null) {
                withPrint.add(ids[i]);
                looks.add(p.looks());
            }
            if (i % 256 == 0) progress.accept(0.3 + 0.6 * i / ids.length);
        }
        Result byLooks = find(withPrint.stream().mapToLong(Long::longValue).toArray(),
                standardised(looks.toArray(new double[0][])), k, z, seed, Metric.EUCLIDEAN, cancel, p -> progress.accept(0.9 + 0.1 * p));
        if (byLooks == null) return null;
        progress.accept(1.0);
        return combined(byModel, z, byLooks, z * LOOKS_Z / DEFAULT_Z);
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
        return find(ids, () -> metric == Metric.ANGULAR ? Similarities.of(vectors) : Similarities.dotProducts(vectors), k, z,
                seed, cancel, progress);
    }

    /** The embedding view alone on the project's native rows; null if cancelled. */
    public static Result find(ProjectVectors v, int k, double z, long seed, Metric metric, BooleanSupplier cancel) {
        return find(v.ids(), () -> v.similarities(metric == Metric.ANGULAR), k, z, seed, cancel, p -> { });
    }

    /** Scores the rows {@code similarities} makes (closed here); null if cancelled. */
    private static Result find(long[] ids, java.util.function.Supplier<Similarities> similarities, int k, double z, long seed,
                               BooleanSupplier cancel, java.util.function.DoubleConsumer progress) {
        int n = ids.length;
        double[] score = new double[n];
        if (n > k + 1) {
            int[] ref = n <= MAX_REFERENCE ? null : DriftTest.sample(n, MAX_REFERENCE, new SplittableRandom(seed));
            int[] refIndex = ref == null ? null : ref.clone();
            if (refIndex != null) Arrays.sort(refIndex);
            final int[] cols = refIndex;
            try (Similarities sims = similarities.get()) {
            double same = SAME * SAME * typicalSquaredDistance(sims);
            boolean done = sims.forEachBlock(cols, (from, to, s, m) -> {
                // the k smallest squared distances, largest on top
                PriorityQueue<Double> top = new PriorityQueue<>(k + 1, Comparator.reverseOrder());
                for (int i = from; i < to; i++) {
                    top.clear();
                    int off = (i - from) * m;
                    for (int j = 0; j < m; j++) {
                        int col = cols == null ? j : cols[j];
                        double d2 = Math.max(0, sims.squaredNorm(i) + sims.squaredNorm(col) - 2.0 * s.get(off + j));
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
