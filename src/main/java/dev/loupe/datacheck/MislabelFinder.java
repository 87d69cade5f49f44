package dev.loupe.datacheck;

import dev.loupe.ranking.QueryStrategy;
import dev.loupe.ranking.Ranker;
import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.HeadState;
import dev.loupe.training.InputNormalization;
import dev.loupe.training.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Ranks labelled images by how likely their label is wrong (ADR 0026). Each label is judged by a head that never
 * trained on it: K-fold cross-validation of the project's head (linear softmax, trained from scratch by a private
 * {@link Trainer} on the fold's labels, exactly as the app retrains), never the trainer's live model. The
 * out-of-sample probabilities, temperature-scaled on themselves, are blended with the vote of each image's nearest
 * labelled images in embedding space; then confident learning (Northcutt et al. 2021): class j's threshold t_j is the
 * mean probability of j over the images labelled j, and an image is a suspect when the probability of its label is
 * below that label's threshold and another class reaches its own (the suggestion: the most probable such class).
 * Images are ranked by the probability of their label, lowest first.
 */
public final class MislabelFinder {
    /** Images of a class with fewer labels than this are never flagged: its threshold would mean nothing. */
    public static final int MIN_PER_CLASS = 3;
    /** Nearest labelled images named in a suspect's "why". */
    static final int WHY_NEIGHBOURS = 5;

    /** Progress of a run: {@code done} of {@code total} steps, and what is being done. */
    public interface Progress {
        Progress NONE = (done, total, what) -> { };

        void update(int done, int total, String what);
    }

    private MislabelFinder() {
    }

    /**
     * Runs the check. Cancellable between steps (a fold's training, a block of the neighbour search): when
     * {@code cancelled} turns true, throws {@link CancellationException}.
     *
     * @throws IllegalArgumentException when fewer than two classes have {@link #MIN_PER_CLASS} labels
     */
    public static MislabelReport find(LabelCheckInput in, MislabelOptions o, Progress progress, BooleanSupplier cancelled) {
        return prepare(in, o, progress, cancelled).rank(o);
    }

    /**
     * The expensive part of a check, which the ranking's settings ({@link MislabelOptions#knnWeight()}) do not change:
     * out-of-sample probabilities and nearest neighbours.
     *
     * @param head        out-of-sample, temperature-scaled probabilities, n×C
     * @param nearest     each row's nearest other labelled rows, closest first
     * @param temperature the fitted temperature
     */
    public record Prepared(LabelCheckInput input, double[][] head, int[][] nearest, double temperature) {
        public MislabelReport rank(MislabelOptions o) { return MislabelFinder.rank(input, head, nearest, o, temperature); }
    }

    /** See {@link #find}: everything but the ranking. */
    public static Prepared prepare(LabelCheckInput in, MislabelOptions o, Progress progress, BooleanSupplier cancelled) {
        int[] counts = in.classCounts();
        int usable = 0;
        for (int c : counts) if (c >= MIN_PER_CLASS) usable++;
        if (usable < 2) {
            throw new IllegalArgumentException("checking labels needs at least two classes with " + MIN_PER_CLASS
                    + " or more labelled images each");
        }
        int total = o.folds() + 1;
        float[][] logits = outOfSampleLogits(in, o.folds(), o.seed(),
                f -> progress.update(f, total, "training fold " + (f + 1) + " of " + o.folds()), cancelled);
        double t = fitTemperature(logits, in.labels());
        double[][] head = softmax(logits, t);
        progress.update(o.folds(), total, "finding nearest labelled images");
        int k = Math.min(Math.max(o.neighbours(), WHY_NEIGHBOURS), in.n() - 1);
        int[][] nn = nearest(in, k, cancelled);
        progress.update(total, total, "ranking");
        return new Prepared(in, head, nn, t);
    }

    /** The ranking, from out-of-sample head probabilities and each row's nearest labelled rows (closest first). */
    static MislabelReport rank(LabelCheckInput in, double[][] head, int[][] nn, MislabelOptions o, double temperature) {
        int n = in.n(), c = in.classCount();
        int[] y = in.labels();
        int[] counts = in.classCounts();
        int votes = Math.min(o.neighbours(), nn.length == 0 ? 0 : nn[0].length);
        double[][] p = new double[n][c];
        for (int i = 0; i < n; i++) {
            double[] q = new double[c];
            int k = Math.min(votes, nn[i].length);
            for (int j = 0; j < k; j++) q[y[nn[i][j]]] += 1.0 / k;
            double w = k == 0 ? 0 : o.knnWeight();
            for (int j = 0; j < c; j++) p[i][j] = (1 - w) * head[i][j] + w * q[j];
        }
        double[] threshold = thresholds(p, y, c);
        double[] score = new double[n];
        int[] suggested = new int[n];
        boolean[] suspect = new boolean[n];
        for (int i = 0; i < n; i++) {
            int l = y[i];
            int best = -1, bestAbove = -1;
            for (int j = 0; j < c; j++) {
                if (j == l) continue;
                if (best < 0 || p[i][j] > p[i][best]) best = j;
                if (counts[j] >= MIN_PER_CLASS && p[i][j] >= threshold[j] && (bestAbove < 0 || p[i][j] > p[i][bestAbove])) bestAbove = j;
            }
            score[i] = 1 - p[i][l];
            suspect[i] = counts[l] >= MIN_PER_CLASS && p[i][l] < threshold[l] && bestAbove >= 0;
            suggested[i] = suspect[i] ? bestAbove : best;
        }
        // Lowest out-of-sample probability of the given label first (self-confidence): on Fashion-MNIST it found more
        // flipped labels in the top k than the margin did (ADR 0026).
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
        int[] ranking = new int[n];
        List<Suspect> suspects = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            int i = order[r];
            ranking[r] = i;
            if (!suspect[i]) continue;
            int shown = Math.min(WHY_NEIGHBOURS, nn[i].length);
            int agree = 0;
            for (int j = 0; j < shown; j++) if (y[nn[i][j]] == suggested[i]) agree++;
            String why = why(in.classNames().get(suggested[i]), head[i][suggested[i]], in.classNames().get(y[i]), head[i][y[i]], agree, shown);
            suspects.add(new Suspect(in.imageIds()[i], y[i], suggested[i], score[i], head[i][y[i]], head[i][suggested[i]], agree, shown, why));
        }
        return new MislabelReport(in.classNames(), List.copyOf(suspects), ranking, score, threshold, temperature, n);
    }

    /**
     * The plain sentence shown with a suspect, e.g. "a model that never saw this label gives Coat 0.81 and Pullover
     * 0.07; 4 of its 5 nearest labelled images are Coat".
     */
    static String why(String suggested, double pSuggested, String given, double pGiven, int agree, int shown) {
        String s = String.format(java.util.Locale.ROOT, "a model that never saw this label gives %s %.2f and %s %.2f",
                suggested, pSuggested, given, pGiven);
        if (shown == 0) return s;
        String tail;
        if (shown == 1) {
            tail = agree == 1 ? "its nearest labelled image is " + suggested : "its nearest labelled image is not " + suggested;
        } else if (agree == 0) {
            tail = "none of its " + shown + " nearest labelled images is " + suggested;
        } else if (agree == shown) {
            tail = "all " + shown + " of its nearest labelled images are " + suggested;
        } else {
            tail = agree + " of its " + shown + " nearest labelled images " + (agree == 1 ? "is " : "are ") + suggested;
        }
        return s + "; " + tail;
    }

    /** Per-class confident-learning threshold: the mean probability of class j over the rows labelled j (NaN if none). */
    static double[] thresholds(double[][] p, int[] y, int c) {
        double[] sum = new double[c];
        int[] n = new int[c];
        for (int i = 0; i < y.length; i++) {
            sum[y[i]] += p[i][y[i]];
            n[y[i]]++;
        }
        double[] t = new double[c];
        for (int j = 0; j < c; j++) t[j] = n[j] == 0 ? Double.NaN : sum[j] / n[j];
        return t;
    }

    // ---- the heads ----------------------------------------------------------------------------------------

    /** A fold's index, reported before it trains. */
    interface FoldListener { void starting(int fold); }

    /**
     * Logits of every row from a head trained on the other folds (stratified: each class's rows are dealt round the
     * folds in a seeded random order).
     */
    static float[][] outOfSampleLogits(LabelCheckInput in, int folds, long seed, FoldListener listener, BooleanSupplier cancelled) {
        int n = in.n(), c = in.classCount();
        int[] fold = new int[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int cls = 0; cls < c; cls++) {
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) if (in.labels()[i] == cls) rows.add(i);
            int[] a = rows.stream().mapToInt(Integer::intValue).toArray();
            shuffle(a, r);
            int offset = r.nextInt(folds); // small classes do not all land in fold 0
            for (int k = 0; k < a.length; k++) fold[a[k]] = (k + offset) % folds;
        }
        INDArray all = Nd4j.create(in.x().clone(), new long[] {n, in.d()}, 'c');
        InputNormalization norm = InputNormalization.of(all);
        float[][] out = new float[n][];
        for (int f = 0; f < folds; f++) {
            if (cancelled.getAsBoolean()) throw new CancellationException("label check cancelled");
            listener.starting(f);
            int[] train = rowsWhere(fold, f, false), held = rowsWhere(fold, f, true);
            if (held.length == 0) continue;
            HeadState s = train(all, norm, train, in.labels(), c, in.d(), seed + f);
            float[][] z = Head.fromState(s).logits(Nd4j.pullRows(all, 1, held));
            for (int i = 0; i < held.length; i++) out[held[i]] = z[i];
        }
        return out;
    }

    /**
     * Probabilities of every row from one head trained on all of them (what the naive baseline ranks by): the app's
     * own head and retrain ({@code appHead}), or the check's more strongly regularised one.
     */
    public static double[][] inSampleProbabilities(LabelCheckInput in, long seed, boolean appHead) {
        int n = in.n();
        INDArray all = Nd4j.create(in.x().clone(), new long[] {n, in.d()}, 'c');
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) rows[i] = i;
        HeadState s = appHead
                ? train(all, InputNormalization.of(all), rows, in.labels(), in.classCount(), HeadConfig.linear(in.d(), seed),
                        dev.loupe.training.StepPolicy.defaults(), seed)
                : train(all, InputNormalization.of(all), rows, in.labels(), in.classCount(), in.d(), seed);
        return softmax(Head.fromState(s).logits(all), 1.0);
    }

    /** A head of the check (see {@link #L2}) trained from scratch on {@code rows}. */
    private static HeadState train(INDArray all, InputNormalization norm, int[] rows, int[] labels, int classes, int d, long seed) {
        return train(all, norm, rows, labels, classes, new HeadConfig(d, 0, 1e-2, L2, seed), CONSTANT_L2, seed);
    }

    /** A head trained from scratch on {@code rows}, the way the app retrains (a private trainer, uncalibrated). */
    private static HeadState train(INDArray all, InputNormalization norm, int[] rows, int[] labels, int classes,
                                   HeadConfig config, dev.loupe.training.StepPolicy policy, long seed) {
        INDArray sub = Nd4j.pullRows(all, 1, rows);
        int[] y = new int[rows.length];
        for (int i = 0; i < rows.length; i++) y[i] = labels[rows[i]];
        Head fresh = Head.create(config, classes);
        try (Trainer t = Trainer.builder(sub, fresh).seed(seed).normalization(norm).initialLabels(y).policy(policy)
                .ranker(new Ranker(QueryStrategy.RANDOM, seed, 0, 0, Ranker.DEFAULT_TOP_K)).start()) {
            return t.retrainFromScratchUncalibrated(retrainEpochs(rows.length), 0.0, seed).join().snapshot().headState();
        }
    }

    /**
     * The heads' L2 penalty, constant in the label count. Stronger than the app's (which shrinks as labels grow, to
     * fit thousands of labels closely): a head that cannot memorise a wrong label judges it better. On Fashion-MNIST
     * (2,000 labels, 5 % flipped, a stand-in logistic regression) 0.1 beat 0.01 and 0.001 and tied 0.3 (ADR 0026).
     */
    static final double L2 = 0.1;
    private static final dev.loupe.training.StepPolicy CONSTANT_L2 = new dev.loupe.training.StepPolicy(31, 50, 25, 100, 500, false, 5, 1000, 0);

    /** The app's retrain epochs (LabellingSession.retrainEpochs): enough minibatches on small sets, bounded on large. */
    static int retrainEpochs(int labels) {
        int batches = Math.max(1, (labels + 31) / 32);
        return Math.max(5, Math.min(100, 3000 / batches));
    }

    private static int[] rowsWhere(int[] fold, int f, boolean equal) {
        return java.util.stream.IntStream.range(0, fold.length).filter(i -> (fold[i] == f) == equal).toArray();
    }

    private static void shuffle(int[] a, SplittableRandom r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
    }

    // ---- calibration --------------------------------------------------------------------------------------

    static double[][] softmax(float[][] z, double t) {
        double[][] p = new double[z.length][];
        for (int i = 0; i < z.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (float v : z[i]) max = Math.max(max, v / t);
            double sum = 0;
            p[i] = new double[z[i].length];
            for (int j = 0; j < z[i].length; j++) sum += p[i][j] = Math.exp(z[i][j] / t - max);
            for (int j = 0; j < z[i].length; j++) p[i][j] /= sum;
        }
        return p;
    }

    /**
     * The temperature that makes the out-of-sample probabilities honest: minimises their mean negative log-likelihood
     * of the given labels (golden-section search on log T in [1/20, 20]). A few wrong labels pull T up a little, which
     * errs on the side of modest numbers in the "why".
     */
    static double fitTemperature(float[][] z, int[] y) {
        double lo = Math.log(0.05), hi = Math.log(20);
        double g = (Math.sqrt(5) - 1) / 2;
        double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
        double fa = nll(z, y, Math.exp(a)), fb = nll(z, y, Math.exp(b));
        for (int it = 0; it < 60; it++) {
            if (fa < fb) { hi = b; b = a; fb = fa; a = hi - g * (hi - lo); fa = nll(z, y, Math.exp(a)); }
            else { lo = a; a = b; fa = fb; b = lo + g * (hi - lo); fb = nll(z, y, Math.exp(b)); }
        }
        return Math.exp((lo + hi) / 2);
    }

    private static double nll(float[][] z, int[] y, double t) {
        double s = 0;
        int n = 0;
        for (int i = 0; i < z.length; i++) {
            if (z[i][y[i]] < -1e8f) continue; // a class the fold's head had no example of
            double max = Double.NEGATIVE_INFINITY;
            for (float v : z[i]) max = Math.max(max, v / t);
            double sum = 0;
            for (float v : z[i]) sum += Math.exp(v / t - max);
            s += Math.log(sum) + max - z[i][y[i]] / t;
            n++;
        }
        return n == 0 ? 0 : s / n;
    }

    // ---- neighbours ---------------------------------------------------------------------------------------

    /**
     * The {@code k} nearest other rows of every row, closest first, by cosine similarity of the standardised
     * embeddings (each dimension on the same footing, as the head sees them). Blocks of rows against all rows.
     */
    static int[][] nearest(LabelCheckInput in, int k, BooleanSupplier cancelled) {
        int n = in.n(), d = in.d();
        int[][] out = new int[n][];
        if (k <= 0) {
            for (int i = 0; i < n; i++) out[i] = new int[0];
            return out;
        }
        INDArray x = Nd4j.create(in.x().clone(), new long[] {n, d}, 'c');
        InputNormalization norm = InputNormalization.of(x);
        x.subiRowVector(Nd4j.createFromArray(norm.mean()).reshape(1, d)).muliRowVector(Nd4j.createFromArray(norm.scale()).reshape(1, d));
        INDArray len = x.norm2(1).reshape(n, 1).addi(1e-12);
        x.diviColumnVector(len);
        int block = Math.max(1, Math.min(n, 4_000_000 / Math.max(1, n))); // ≤ 16 MB of similarities at a time
        for (int start = 0; start < n; start += block) {
            if (cancelled.getAsBoolean()) throw new CancellationException("label check cancelled");
            int end = Math.min(n, start + block);
            INDArray sim = Nd4j.create(DataType.FLOAT, new long[] {end - start, n}, 'c');
            Nd4j.gemm(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end), org.nd4j.linalg.indexing.NDArrayIndex.all()),
                    x, sim, false, true, 1.0, 0.0);
            float[] s = sim.data().asFloat();
            for (int i = start; i < end; i++) out[i] = topK(s, (i - start) * n, n, i, k);
        }
        return out;
    }

    /** Indices of the k largest of {@code s[off .. off+n)}, excluding {@code self}, largest first. */
    private static int[] topK(float[] s, int off, int n, int self, int k) {
        int[] idx = new int[k];
        float[] val = new float[k];
        int size = 0;
        for (int j = 0; j < n; j++) {
            if (j == self) continue;
            float v = s[off + j];
            if (size == k && v <= val[k - 1]) continue;
            int pos = size < k ? size++ : k - 1;
            while (pos > 0 && val[pos - 1] < v) { val[pos] = val[pos - 1]; idx[pos] = idx[pos - 1]; pos--; }
            val[pos] = v;
            idx[pos] = j;
        }
        return size == k ? idx : Arrays.copyOf(idx, size);
    }
}
