package dev.loupe.bench;

import dev.loupe.ranking.QueryStrategy;
import dev.loupe.ranking.Ranker;
import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.HeadState;
import dev.loupe.training.LabelUpdate;
import dev.loupe.training.Snapshot;
import dev.loupe.training.StepPolicy;
import dev.loupe.training.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Does adding a class make the loop forget the old ones? The loop first learns every class but one: a batch retrain
 * on {@code oldPerClass} labels per old class, then {@code continueLabels} more old-class labels one at a time through
 * the interactive path (so the head and its Adam state are what a user's session has). Then the new class is added
 * ({@link Trainer#addClass}) and gets {@code shots} examples, one at a time through the interactive path.
 *
 * <p>References from the same pre-new-class head: <b>naive</b> fine-tunes on each new example alone, no replay
 * (the same Adam steps per label as the step policy, all on that one example — what a single-sample
 * {@code train_on_batch} loop does); <b>joint</b> retrains a head from scratch on all labels, class-balanced.
 * <b>aligned</b> is the interactive path with weight aligning on.
 */
public final class Forgetting {

    public record Config(int newClass, int shots, int seeds, int oldPerClass, int continueLabels, long baseSeed) {
        public Config {
            if (shots < 1 || seeds < 1 || oldPerClass < 1 || continueLabels < 0) throw new IllegalArgumentException("bad forgetting config");
        }
    }

    /** Accuracy on the old classes' test rows, recall of the new class, its prediction share over its true share, overall accuracy. */
    public record Scores(double oldAcc, double newAcc, double newPredShare, double finalAcc) {}

    /** One seed. */
    public record Run(double oldAccBefore, Scores interactive, Scores aligned, Scores naive, Scores joint) {}

    private Forgetting() {}

    public static List<Run> run(LabelledEmbeddings pool, LabelledEmbeddings test, int classes, Config cfg) {
        if (cfg.newClass() < 0 || cfg.newClass() >= classes) throw new IllegalArgumentException("no class " + cfg.newClass());
        if (classes < 2) throw new IllegalArgumentException("need at least two classes");
        List<Run> runs = new ArrayList<>();
        for (int s = 0; s < cfg.seeds(); s++) runs.add(runOne(pool, test, classes, cfg, cfg.baseSeed() + s));
        return runs;
    }

    /** Means over seeds, flat: old_acc_before, old_acc_after, new_acc, …, naive_*, joint_*, aligned_*. */
    public static Map<String, Object> summary(List<Run> runs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("old_acc_before", mean(runs, r -> r.oldAccBefore()));
        put(m, "", runs, Run::interactive);
        put(m, "naive_", runs, Run::naive);
        put(m, "joint_", runs, Run::joint);
        put(m, "aligned_", runs, Run::aligned);
        return m;
    }

    private static void put(Map<String, Object> m, String prefix, List<Run> runs, java.util.function.Function<Run, Scores> f) {
        m.put(prefix + "old_acc_after", mean(runs, r -> f.apply(r).oldAcc()));
        m.put(prefix + "new_acc", mean(runs, r -> f.apply(r).newAcc()));
        m.put(prefix + "new_pred_share", mean(runs, r -> f.apply(r).newPredShare()));
        m.put(prefix + "final_acc", mean(runs, r -> f.apply(r).finalAcc()));
    }

    private static double mean(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        return Stats.round(runs.stream().mapToDouble(f).average().orElse(Double.NaN), 5);
    }

    private static Run runOne(LabelledEmbeddings pool, LabelledEmbeddings test, int classes, Config cfg, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int k = classes, newCol = k - 1;
        // Columns: old classes keep their order in 0..k-2, the new class is the last column (added last).
        int[] colOf = new int[k];
        for (int c = 0, j = 0; c < k; c++) colOf[c] = c == cfg.newClass() ? newCol : j++;
        int n = pool.n();
        int[] poolCol = new int[n];
        for (int i = 0; i < n; i++) poolCol[i] = colOf[pool.y()[i]];
        int[] testCol = new int[test.n()];
        for (int i = 0; i < testCol.length; i++) testCol[i] = colOf[test.y()[i]];
        INDArray x = pool.matrix();
        INDArray testX = test.matrix();

        // Which rows: oldPerClass per old class for the retrain, continueLabels more old rows, shots of the new class.
        List<List<Integer>> byCol = new ArrayList<>();
        for (int c = 0; c < k; c++) byCol.add(new ArrayList<>());
        for (int i : Simulation.permutation(n, rng)) byCol.get(poolCol[i]).add(i);
        int[] labels = new int[n];
        Arrays.fill(labels, LabelUpdate.UNLABELLED);
        List<Integer> spare = new ArrayList<>();
        for (int c = 0; c < newCol; c++) {
            List<Integer> rows = byCol.get(c);
            for (int i = 0; i < rows.size(); i++) {
                if (i < cfg.oldPerClass()) labels[rows.get(i)] = c; else spare.add(rows.get(i));
            }
        }
        int[] cont = new int[Math.min(cfg.continueLabels(), spare.size())];
        int[] sp = spare.stream().mapToInt(Integer::intValue).toArray();
        for (int i = 0; i < cont.length; i++) { // random distinct spare rows
            int j = i + rng.nextInt(sp.length - i);
            int t = sp[i]; sp[i] = sp[j]; sp[j] = t;
            cont[i] = sp[i];
        }
        List<Integer> newRows = byCol.get(newCol);
        if (newRows.size() < cfg.shots()) throw new IllegalArgumentException("the new class has only " + newRows.size() + " pool images");
        int[] shots = newRows.subList(0, cfg.shots()).stream().mapToInt(Integer::intValue).toArray();

        // 1. The loop on the old classes: retrain, then interactive continuation.
        HeadState before;
        int[] labelsBefore;
        int countBefore;
        try (Trainer t = trainer(x, Head.create(HeadConfig.linear(pool.d(), seed), k - 1), labels, StepPolicy.defaults(), seed)) {
            t.retrainFromScratch(HeadEval.retrainEpochs(countLabels(labels)), 0.0, seed).join();
            Snapshot s = t.latest();
            for (int row : cont) {
                labels[row] = poolCol[row];
                s = t.submit(LabelUpdate.label(row, poolCol[row])).join();
            }
            before = s.headState();
            labelsBefore = labels.clone();
            countBefore = s.labelCount();
        }
        int[] predBefore = HeadEval.predict(before, testX);
        double oldAccBefore = oldAccuracy(predBefore, testCol, newCol);

        // 2. Interactive path, with and without weight aligning.
        Scores interactive = interactive(x, testX, testCol, before, labelsBefore, shots, newCol, StepPolicy.defaults(), seed);
        Scores aligned = interactive(x, testX, testCol, before, labelsBefore, shots, newCol,
                StepPolicy.defaults().withWeightAligning(true), seed);

        // 3. Naive: each new example alone, no replay.
        Head naive = Head.fromState(before);
        naive.widen(k);
        INDArray mean = x.mean(0).reshape(1, pool.d());
        StepPolicy policy = StepPolicy.defaults();
        for (int i = 0; i < shots.length; i++) {
            INDArray xi = x.getRow(shots[i]).reshape(1, pool.d()).dup();
            if (!naive.isActive(newCol)) naive.activateClass(newCol, xi, mean); // the same column init as the trainer
            INDArray yi = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, k);
            yi.putScalar(0, newCol, 1f);
            for (int s = policy.adamSteps(countBefore + i + 1, k); s > 0; s--) naive.fit(xi, yi);
        }
        Scores naiveScores = scores(HeadEval.predict(naive.state(), testX), testCol, newCol);

        // 4. Joint: from scratch on everything, class-balanced.
        int[] all = labelsBefore.clone();
        for (int row : shots) all[row] = newCol;
        Scores joint;
        try (Trainer t = trainer(x, Head.create(HeadConfig.linear(pool.d(), seed), k), all, StepPolicy.defaults(), seed)) {
            HeadState st = t.retrainFromScratch(HeadEval.retrainEpochs(countLabels(all)), 0.0, seed).join().snapshot().headState();
            joint = scores(HeadEval.predict(st, testX), testCol, newCol);
        }
        return new Run(oldAccBefore, interactive, aligned, naiveScores, joint);
    }

    private static Scores interactive(INDArray x, INDArray testX, int[] testCol, HeadState before, int[] labels, int[] shots,
                                      int newCol, StepPolicy policy, long seed) {
        try (Trainer t = trainer(x, Head.fromState(before), labels, policy, seed)) {
            t.addClass().join();
            Snapshot s = null;
            for (int row : shots) s = t.submit(LabelUpdate.label(row, newCol)).join();
            return scores(HeadEval.predict(s.headState(), testX), testCol, newCol);
        }
    }

    private static Trainer trainer(INDArray x, Head head, int[] labels, StepPolicy policy, long seed) {
        return Trainer.builder(x, head).seed(seed).policy(policy).initialLabels(labels)
                .ranker(new Ranker(QueryStrategy.MARGIN, seed, 0, 0, Ranker.DEFAULT_TOP_K)).start();
    }

    private static int countLabels(int[] labels) {
        int c = 0;
        for (int l : labels) if (l >= 0) c++;
        return c;
    }

    static double oldAccuracy(int[] pred, int[] truth, int newCol) {
        int ok = 0, m = 0;
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] == newCol) continue;
            m++;
            if (pred[i] == truth[i]) ok++;
        }
        return m == 0 ? Double.NaN : ok / (double) m;
    }

    static Scores scores(int[] pred, int[] truth, int newCol) {
        int trueNew = 0, predNew = 0, hitNew = 0, ok = 0;
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] == newCol) trueNew++;
            if (pred[i] == newCol) predNew++;
            if (truth[i] == newCol && pred[i] == newCol) hitNew++;
            if (pred[i] == truth[i]) ok++;
        }
        double share = trueNew == 0 ? Double.NaN : (predNew / (double) truth.length) / (trueNew / (double) truth.length);
        return new Scores(oldAccuracy(pred, truth, newCol), trueNew == 0 ? Double.NaN : hitNew / (double) trueNew, share,
                ok / (double) truth.length);
    }
}
