package dev.loupe.bench;

import dev.loupe.ranking.QueryStrategy;
import dev.loupe.ranking.Ranker;
import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.InputNormalization;
import dev.loupe.training.LabelUpdate;
import dev.loupe.training.RetrainResult;
import dev.loupe.training.ScoringPolicy;
import dev.loupe.training.Snapshot;
import dev.loupe.training.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A simulated annotator: from no labels (classes known), it labels the top of the queue with the image's true class
 * through the app's own path ({@link Trainer#submit}, waiting for each snapshot; same {@link Head}, step policy and
 * {@link Ranker} as {@code LabellingSession}), and at each budget measures accuracy on a held-out test split, and
 * that of a head retrained from scratch on the same labels.
 *
 * <p>Strategy {@code default} is what the app does (k-means cold start, then margin). The named strategies
 * ({@code margin}, {@code least-confidence}, {@code entropy}, {@code random}) rank by themselves from the first
 * label, without the cold start. Every step re-scores every row ({@link ScoringPolicy#alwaysFull()}): that is the
 * queue of a user slower than the trainer's idle refresh, and it keeps runs deterministic. Each seed shuffles the pool's row order (so ties do not favour the files' order)
 * and seeds the head, replay and ranking.
 */
public final class Simulation {

    /** Progress: a strategy/seed run reached {@code labels} of {@code budget}. */
    public interface Listener {
        Listener NONE = (strategy, seed, labels, budget) -> { };
        void progress(String strategy, int seed, int labels, int budget);
    }

    /**
     * @param strategies names: default, margin, least-confidence, entropy, random
     * @param retrain    also retrain from scratch at each budget (the {@code retrain_mean} reference)
     */
    public record Config(List<String> strategies, int seeds, int start, int step, int budget, boolean retrain, long baseSeed) {
        public Config {
            strategies = List.copyOf(strategies);
            if (strategies.isEmpty()) throw new IllegalArgumentException("no strategy");
            for (String s : strategies) ranker(s, 0); // validates the name
            if (seeds < 1 || start < 1 || step < 1 || budget < start) {
                throw new IllegalArgumentException("need seeds >= 1, start >= 1, step >= 1, budget >= start");
            }
        }

        /** Budgets N0, N0+N, … up to B, with B itself last. */
        public int[] budgets() {
            List<Integer> b = new ArrayList<>();
            for (int v = start; v <= budget; v += step) b.add(v);
            if (b.get(b.size() - 1) != budget) b.add(budget);
            return b.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** One strategy's learning curve over seeds. */
    public record Curve(int[] budgets, double[] mean, double[] std, double aulc, double[] retrainMean,
                        double[][] perSeed, double[][] retrainPerSeed, double[] calibrationErrorMean, double seconds) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("budgets", budgets);
            m.put("mean", round(mean));
            m.put("std", round(std));
            m.put("aulc", Stats.round(aulc, 5));
            m.put("retrain_mean", retrainMean == null ? null : round(retrainMean));
            m.put("retrain_aulc", retrainMean == null ? null : Stats.round(Stats.mean(retrainMean), 5));
            m.put("ece_mean", round(calibrationErrorMean));
            m.put("seconds", Stats.round(seconds, 1));
            return m;
        }

        private static double[] round(double[] a) {
            double[] o = new double[a.length];
            for (int i = 0; i < a.length; i++) o[i] = Stats.round(a[i], 5);
            return o;
        }
    }

    private Simulation() {}

    /** The ranker a strategy name stands for. */
    static Ranker ranker(String name, long seed) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        if (n.equals("default")) return Ranker.defaults(seed);
        QueryStrategy s = switch (n) {
            case "margin" -> QueryStrategy.MARGIN;
            case "least-confidence" -> QueryStrategy.LEAST_CONFIDENCE;
            case "entropy" -> QueryStrategy.ENTROPY;
            case "random" -> QueryStrategy.RANDOM;
            default -> throw new IllegalArgumentException("unknown strategy '" + name
                    + "': use default, margin, least-confidence, entropy or random");
        };
        return new Ranker(s, seed, 0, 0, Ranker.DEFAULT_TOP_K);
    }

    public static Map<String, Curve> run(LabelledEmbeddings pool, LabelledEmbeddings test, int classes, Config cfg,
                                         Listener listener) {
        if (cfg.budget() > pool.n()) throw new IllegalArgumentException("budget " + cfg.budget() + " > pool size " + pool.n());
        int[] budgets = cfg.budgets();
        INDArray testX = test.matrix();
        InputNormalization norm = InputNormalization.of(pool.matrix()); // the pool's, as the app takes the project's
        Map<String, Curve> out = new LinkedHashMap<>();
        for (String strategy : cfg.strategies()) {
            long t0 = System.nanoTime();
            double[][] acc = new double[cfg.seeds()][];
            double[][] ret = cfg.retrain() ? new double[cfg.seeds()][] : null;
            double[][] ece = new double[cfg.seeds()][];
            for (int s = 0; s < cfg.seeds(); s++) {
                int seedIndex = s;
                double[][] r = runOne(pool, norm, testX, test.y(), classes, strategy, cfg.baseSeed() + s, budgets, cfg.retrain(),
                        labels -> listener.progress(strategy, seedIndex, labels, cfg.budget()));
                acc[s] = r[0];
                if (ret != null) ret[s] = r[1];
                ece[s] = r[2];
            }
            double[] mean = new double[budgets.length], std = new double[budgets.length];
            double[] rmean = ret == null ? null : new double[budgets.length];
            double[] emean = new double[budgets.length];
            for (int j = 0; j < budgets.length; j++) {
                mean[j] = Stats.mean(Stats.column(acc, j));
                std[j] = Stats.std(Stats.column(acc, j));
                if (rmean != null) rmean[j] = Stats.mean(Stats.column(ret, j));
                emean[j] = Stats.mean(Stats.column(ece, j));
            }
            out.put(strategy, new Curve(budgets, mean, std, Stats.mean(mean), rmean, acc, ret, emean, (System.nanoTime() - t0) / 1e9));
        }
        return out;
    }

    private interface Tick { void labels(int n); }

    /** One seed of one strategy: test accuracy (and the retrained reference's) at each budget. */
    private static double[][] runOne(LabelledEmbeddings pool, InputNormalization norm, INDArray testX, int[] testY,
                                     int classes, String strategy,
                                     long seed, int[] budgets, boolean retrain, Tick tick) {
        int n = pool.n();
        int[] order = permutation(n, new SplittableRandom(seed ^ 0x5DEECE66DL));
        int[] truth = new int[n];
        for (int i = 0; i < n; i++) truth[i] = pool.y()[order[i]];
        INDArray x = pool.matrix(order);
        double[] acc = new double[budgets.length];
        double[] ret = retrain ? new double[budgets.length] : null;
        double[] ece = new double[budgets.length];
        int[] labelOf = new int[n];
        Arrays.fill(labelOf, LabelUpdate.UNLABELLED);
        Head head = Head.create(HeadConfig.linear(pool.d(), seed), classes);
        // Every row re-scored per step: the queue a user slower than the idle refresh sees, and deterministic.
        try (Trainer trainer = Trainer.builder(x, head).seed(seed).normalization(norm).ranker(ranker(strategy, seed))
                .scoring(ScoringPolicy.alwaysFull()).start()) {
            Snapshot snap = trainer.setStrategy(ranker(strategy, seed).strategy()).join(); // the first snapshot
            int labels = 0;
            for (int b = 0; b < budgets.length; b++) {
                while (labels < budgets[b]) {
                    int row = snap.queueAt(0);
                    labelOf[row] = truth[row];
                    snap = trainer.submit(LabelUpdate.label(row, truth[row])).join();
                    labels++;
                }
                acc[b] = HeadEval.accuracy(HeadEval.predict(snap.headState(), testX), testY);
                ece[b] = HeadEval.calibrationError(snap.headState(), testX, testY);
                if (retrain) ret[b] = retrained(x, norm, labelOf, classes, pool.d(), seed, testX, testY);
                tick.labels(labels);
            }
        }
        return new double[][] {acc, ret, ece};
    }

    /** Accuracy of a head retrained from scratch (class-balanced, the app's epochs) on exactly these labels. */
    static double retrained(INDArray x, InputNormalization norm, int[] labelOf, int classes, int d, long seed,
                            INDArray testX, int[] testY) {
        int m = 0;
        for (int l : labelOf) if (l >= 0) m++;
        int[] rows = new int[m];
        int[] labels = new int[m];
        for (int i = 0, k = 0; i < labelOf.length; i++) {
            if (labelOf[i] >= 0) { rows[k] = i; labels[k++] = labelOf[i]; }
        }
        // Only the labelled rows: the retrain never looks at the others, and the trainer's snapshot stays cheap.
        INDArray sub = org.nd4j.linalg.factory.Nd4j.pullRows(x, 1, rows);
        Head fresh = Head.create(HeadConfig.linear(d, seed), classes);
        try (Trainer t = Trainer.builder(sub, fresh).seed(seed).normalization(norm).initialLabels(labels)
                .ranker(new Ranker(QueryStrategy.RANDOM, seed, 0, 0, Ranker.DEFAULT_TOP_K)).start()) {
            RetrainResult r = t.retrainFromScratch(HeadEval.retrainEpochs(m), 0.0, seed).join();
            return HeadEval.accuracy(HeadEval.predict(r.snapshot().headState(), testX), testY);
        }
    }

    static int[] permutation(int n, SplittableRandom r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }
}
