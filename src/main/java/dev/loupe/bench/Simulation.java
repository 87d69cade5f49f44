package dev.loupe.bench;

import dev.loupe.evaluation.AccuracyEstimate;
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
    public record Config(List<String> strategies, int seeds, int start, int step, int budget, boolean retrain, long baseSeed,
                         int[] explicitBudgets) {
        public Config {
            strategies = List.copyOf(strategies);
            if (strategies.isEmpty()) throw new IllegalArgumentException("no strategy");
            for (String s : strategies) ranker(s, 0); // validates the name
            if (explicitBudgets != null) {
                explicitBudgets = explicitBudgets.clone();
                for (int i = 0; i < explicitBudgets.length; i++) {
                    if (explicitBudgets[i] < 1 || (i > 0 && explicitBudgets[i] <= explicitBudgets[i - 1])) {
                        throw new IllegalArgumentException("budgets must be positive and increasing");
                    }
                }
                if (explicitBudgets.length == 0) throw new IllegalArgumentException("no budget");
                start = explicitBudgets[0];
                budget = explicitBudgets[explicitBudgets.length - 1];
            }
            if (seeds < 1 || start < 1 || step < 1 || budget < start) {
                throw new IllegalArgumentException("need seeds >= 1, start >= 1, step >= 1, budget >= start");
            }
        }

        /** Budgets N0, N0+N, … up to B. */
        public Config(List<String> strategies, int seeds, int start, int step, int budget, boolean retrain, long baseSeed) {
            this(strategies, seeds, start, step, budget, retrain, baseSeed, null);
        }

        /** The given budgets, or N0, N0+N, … up to B with B itself last. */
        public int[] budgets() {
            if (explicitBudgets != null) return explicitBudgets.clone();
            List<Integer> b = new ArrayList<>();
            for (int v = start; v <= budget; v += step) b.add(v);
            if (b.get(b.size() - 1) != budget) b.add(budget);
            return b.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * One strategy's learning curve over seeds, with the calibration of the shown confidences and the accuracy
     * estimate at each budget.
     *
     * @param calibration JSON of the calibration measures ({@link #calibrationJson})
     * @param estimate    JSON of the accuracy estimate against the truth ({@link #estimateJson})
     * @param reliability pooled reliability diagram per budget: [budget][bin] = {rows, mean confidence, accuracy}
     */
    public record Curve(int[] budgets, double[] mean, double[] std, double aulc, double[] retrainMean,
                        double[][] perSeed, double[][] retrainPerSeed, double[] calibrationErrorMean, double seconds,
                        Map<String, Object> calibration, Map<String, Object> estimate, double[][][] reliability) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("budgets", budgets);
            m.put("mean", round(mean));
            m.put("std", round(std));
            m.put("aulc", Stats.round(aulc, 5));
            m.put("retrain_mean", retrainMean == null ? null : round(retrainMean));
            m.put("retrain_aulc", retrainMean == null ? null : Stats.round(Stats.mean(retrainMean), 5));
            m.put("ece_mean", round(calibrationErrorMean));
            m.put("calibration", calibration);
            m.put("estimate", estimate);
            m.put("seconds", Stats.round(seconds, 1));
            return m;
        }

        private static double[] round(double[] a) {
            double[] o = new double[a.length];
            for (int i = 0; i < a.length; i++) o[i] = Stats.round(a[i], 5);
            return o;
        }
    }

    /** What one seed of one strategy measured at each budget. */
    private record SeedRun(double[] accuracy, double[] retrained, HeadEval.Scores[] scores, double[] temperature,
                           AccuracyEstimate[] estimate, double[] unlabelledAccuracy) {}

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
            SeedRun[] runs = new SeedRun[cfg.seeds()];
            for (int s = 0; s < cfg.seeds(); s++) {
                int seedIndex = s;
                runs[s] = runOne(pool, norm, testX, test.y(), classes, strategy, cfg.baseSeed() + s, budgets, cfg.retrain(),
                        labels -> listener.progress(strategy, seedIndex, labels, cfg.budget()));
            }
            double[][] acc = new double[runs.length][];
            double[][] ret = cfg.retrain() ? new double[runs.length][] : null;
            double[][] ece = new double[runs.length][budgets.length];
            for (int s = 0; s < runs.length; s++) {
                acc[s] = runs[s].accuracy();
                if (ret != null) ret[s] = runs[s].retrained();
                for (int j = 0; j < budgets.length; j++) ece[s][j] = runs[s].scores()[j].ece();
            }
            double[] mean = new double[budgets.length], std = new double[budgets.length];
            double[] rmean = ret == null ? null : new double[budgets.length];
            double[] emean = new double[budgets.length];
            double[][][] reliability = new double[budgets.length][][];
            for (int j = 0; j < budgets.length; j++) {
                mean[j] = Stats.mean(Stats.column(acc, j));
                std[j] = Stats.std(Stats.column(acc, j));
                if (rmean != null) rmean[j] = Stats.mean(Stats.column(ret, j));
                emean[j] = Stats.mean(Stats.column(ece, j));
                reliability[j] = reliability(pooled(runs, j));
            }
            out.put(strategy, new Curve(budgets, mean, std, Stats.mean(mean), rmean, acc, ret, emean,
                    (System.nanoTime() - t0) / 1e9, calibrationJson(runs, budgets), estimateJson(runs, budgets), reliability));
        }
        return out;
    }

    private static HeadEval.Scores pooled(SeedRun[] runs, int j) {
        List<HeadEval.Scores> all = new ArrayList<>();
        for (SeedRun r : runs) all.add(r.scores()[j]);
        return HeadEval.Scores.sum(all);
    }

    private static double[][] reliability(HeadEval.Scores s) {
        double[][] bins = new double[HeadEval.BINS][];
        for (int b = 0; b < bins.length; b++) {
            long n = s.count()[b];
            bins[b] = new double[] {n, n == 0 ? Double.NaN : s.conf()[b] / n, n == 0 ? Double.NaN : s.right()[b] / (double) n};
        }
        return bins;
    }

    /**
     * Per budget: ECE averaged over seeds ({@code ece_mean}, as before), ECE of all seeds' test predictions pooled in
     * one reliability diagram ({@code ece_pooled}), the ECE a perfectly calibrated head would show on the same
     * number of rows ({@code ece_floor_mean}, {@code ece_floor_pooled}: sampling noise), the share of predictions
     * shown at ≥ 90 % that are wrong ({@code wrong_at_90_mean} over seeds that have any, {@code wrong_at_90_pooled}),
     * the share of predictions shown at ≥ 90 % and the median temperature.
     */
    private static Map<String, Object> calibrationJson(SeedRun[] runs, int[] budgets) {
        int k = budgets.length;
        double[] pooled = new double[k], floorPooled = new double[k], floorMean = new double[k], wrongMean = new double[k];
        double[] wrongPooled = new double[k], sureShare = new double[k], temperature = new double[k];
        for (int j = 0; j < k; j++) {
            HeadEval.Scores all = pooled(runs, j);
            pooled[j] = all.ece();
            floorPooled[j] = HeadEval.Scores.eceFloor(all.count(), all.conf(), 1000 + j);
            wrongPooled[j] = all.wrongWhenSure();
            sureShare[j] = all.sure() / (double) all.rows();
            double[] floors = new double[runs.length], wrong = new double[runs.length], t = new double[runs.length];
            int w = 0;
            for (int s = 0; s < runs.length; s++) {
                HeadEval.Scores one = runs[s].scores()[j];
                floors[s] = HeadEval.Scores.eceFloor(one.count(), one.conf(), 2000 + 31L * j + s);
                if (one.sure() > 0) wrong[w++] = one.wrongWhenSure();
                t[s] = runs[s].temperature()[j];
            }
            floorMean[j] = Stats.mean(floors);
            wrongMean[j] = w == 0 ? Double.NaN : Stats.mean(Arrays.copyOf(wrong, w));
            temperature[j] = Stats.percentile(t, 50);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ece_pooled", Curve.round(pooled));
        m.put("ece_floor_mean", Curve.round(floorMean));
        m.put("ece_floor_pooled", Curve.round(floorPooled));
        m.put("wrong_at_90_mean", Curve.round(wrongMean));
        m.put("wrong_at_90_pooled", Curve.round(wrongPooled));
        m.put("share_at_90", Curve.round(sureShare));
        m.put("temperature_median", Curve.round(temperature));
        return m;
    }

    /**
     * The accuracy estimate against the truth: per budget the mean over seeds of the estimate, its band, the test
     * accuracy and the accuracy on the images still unlabelled; per seed the same; how far the mean estimate is from
     * the mean test accuracy ({@code error}), the share of (seed, budget) runs from 50 labels on within 5 points of
     * their test accuracy and whose band covers it (and the unlabelled images' accuracy); and for the projection
     * (+50, +100, +200 labels) the mean absolute error against the test accuracy measured at that later budget, where
     * the run has one.
     */
    private static Map<String, Object> estimateJson(SeedRun[] runs, int[] budgets) {
        int k = budgets.length, seeds = runs.length;
        double[][] est = new double[seeds][k], lo = new double[seeds][k], hi = new double[seeds][k];
        double[][] test = new double[seeds][k], unl = new double[seeds][k];
        int within = 0, covered = 0, coveredUnl = 0, counted = 0;
        double[] projErr = new double[AccuracyEstimate.MORE_LABELS.length];
        int[] projN = new int[projErr.length];
        for (int s = 0; s < seeds; s++) {
            for (int j = 0; j < k; j++) {
                AccuracyEstimate e = runs[s].estimate()[j];
                est[s][j] = e == null ? Double.NaN : e.estimate();
                lo[s][j] = e == null ? Double.NaN : e.low();
                hi[s][j] = e == null ? Double.NaN : e.high();
                test[s][j] = runs[s].accuracy()[j];
                unl[s][j] = runs[s].unlabelledAccuracy()[j];
                if (e == null || budgets[j] < 50) continue;
                counted++;
                if (Math.abs(e.estimate() - test[s][j]) <= 0.05) within++;
                if (e.low() <= test[s][j] && test[s][j] <= e.high()) covered++;
                if (e.low() <= unl[s][j] && unl[s][j] <= e.high()) coveredUnl++;
                for (int p = 0; p < projErr.length; p++) {
                    int later = Arrays.binarySearch(budgets, budgets[j] + AccuracyEstimate.MORE_LABELS[p]);
                    if (later >= 0 && Double.isFinite(e.projected(p))) {
                        projErr[p] += Math.abs(e.projected(p) - runs[s].accuracy()[later]);
                        projN[p]++;
                    }
                }
            }
        }
        double[] meanEst = new double[k], meanLo = new double[k], meanHi = new double[k], meanTest = new double[k];
        double[] meanUnl = new double[k], error = new double[k];
        for (int j = 0; j < k; j++) {
            meanEst[j] = Stats.mean(Stats.column(est, j));
            meanLo[j] = Stats.mean(Stats.column(lo, j));
            meanHi[j] = Stats.mean(Stats.column(hi, j));
            meanTest[j] = Stats.mean(Stats.column(test, j));
            meanUnl[j] = Stats.mean(Stats.column(unl, j));
            error[j] = meanEst[j] - meanTest[j];
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", Curve.round(meanEst));
        m.put("low_mean", Curve.round(meanLo));
        m.put("high_mean", Curve.round(meanHi));
        m.put("test_accuracy_mean", Curve.round(meanTest));
        m.put("unlabelled_accuracy_mean", Curve.round(meanUnl));
        m.put("error", Curve.round(error));
        m.put("runs_from_50", counted);
        m.put("within_5_points_from_50", counted == 0 ? null : Stats.round(within / (double) counted, 3));
        m.put("band_covers_test_from_50", counted == 0 ? null : Stats.round(covered / (double) counted, 3));
        m.put("band_covers_unlabelled_from_50", counted == 0 ? null : Stats.round(coveredUnl / (double) counted, 3));
        Map<String, Object> proj = new LinkedHashMap<>();
        for (int p = 0; p < projErr.length; p++) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("mean_abs_error", projN[p] == 0 ? null : Stats.round(projErr[p] / projN[p], 4));
            one.put("runs", projN[p]);
            proj.put("+" + AccuracyEstimate.MORE_LABELS[p], one);
        }
        m.put("projection", proj);
        Map<String, Object> per = new LinkedHashMap<>();
        per.put("estimate", roundRows(est));
        per.put("low", roundRows(lo));
        per.put("high", roundRows(hi));
        per.put("test_accuracy", roundRows(test));
        per.put("unlabelled_accuracy", roundRows(unl));
        m.put("per_seed", per);
        return m;
    }

    private static double[][] roundRows(double[][] a) {
        double[][] o = new double[a.length][];
        for (int i = 0; i < a.length; i++) o[i] = Curve.round(a[i]);
        return o;
    }

    private interface Tick { void labels(int n); }

    /** One seed of one strategy: what the test split and the unlabelled pool say at each budget. */
    private static SeedRun runOne(LabelledEmbeddings pool, InputNormalization norm, INDArray testX, int[] testY,
                                  int classes, String strategy,
                                  long seed, int[] budgets, boolean retrain, Tick tick) {
        int n = pool.n();
        int[] order = permutation(n, new SplittableRandom(seed ^ 0x5DEECE66DL));
        int[] truth = new int[n];
        for (int i = 0; i < n; i++) truth[i] = pool.y()[order[i]];
        INDArray x = pool.matrix(order);
        double[] acc = new double[budgets.length];
        double[] ret = retrain ? new double[budgets.length] : null;
        HeadEval.Scores[] scores = new HeadEval.Scores[budgets.length];
        double[] temperature = new double[budgets.length];
        AccuracyEstimate[] estimate = new AccuracyEstimate[budgets.length];
        double[] unlabelled = new double[budgets.length];
        int[] labelOf = new int[n];
        Arrays.fill(labelOf, LabelUpdate.UNLABELLED);
        Head head = Head.create(HeadConfig.linear(pool.d(), seed), classes);
        CalibrationDump dump = CalibrationDump.open(strategy, seed, x, truth, testX, testY);
        // Every row re-scored per step: the queue a user slower than the idle refresh sees, and deterministic.
        try (Trainer trainer = Trainer.builder(x, head).seed(seed).normalization(norm).ranker(ranker(strategy, seed))
                .scoring(ScoringPolicy.alwaysFull()).start()) {
            Snapshot snap = trainer.setStrategy(ranker(strategy, seed).strategy()).join(); // the first snapshot
            int labels = 0;
            for (int b = 0; b < budgets.length; b++) {
                while (labels < budgets[b]) {
                    int row = snap.queueAt(0);
                    if (dump != null) dump.labelled(row, truth[row]);
                    labelOf[row] = truth[row];
                    snap = trainer.submit(LabelUpdate.label(row, truth[row])).join();
                    labels++;
                }
                scores[b] = HeadEval.scores(snap.headState(), testX, testY);
                if (dump != null) dump.budget(budgets[b], snap.headState(), testX);
                acc[b] = scores[b].accuracy();
                temperature[b] = snap.headState().temperature();
                estimate[b] = snap.estimate();
                int right = 0, unl = 0;
                for (int r = 0; r < n; r++) {
                    if (labelOf[r] >= 0) continue;
                    unl++;
                    if (snap.predictedClass(r) == truth[r]) right++;
                }
                unlabelled[b] = unl == 0 ? Double.NaN : right / (double) unl;
                if (retrain) ret[b] = retrained(x, norm, labelOf, classes, pool.d(), seed, testX, testY);
                tick.labels(labels);
            }
        }
        return new SeedRun(acc, ret, scores, temperature, estimate, unlabelled);
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
            RetrainResult r = t.retrainFromScratchUncalibrated(HeadEval.retrainEpochs(m), 0.0, seed).join();
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
