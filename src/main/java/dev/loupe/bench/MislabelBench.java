package dev.loupe.bench;

import dev.loupe.datacheck.LabelCheckInput;
import dev.loupe.datacheck.MislabelFinder;
import dev.loupe.datacheck.MislabelOptions;
import dev.loupe.datacheck.MislabelReport;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code loupe bench mislabels}: flips a share of the true labels at random (each to another class, uniformly) and
 * measures how well the label check finds them: precision among its top k (k = number flipped) and recall among its
 * top 2k, for each ranking method, against a naive baseline (lowest in-sample probability of the given label).
 */
public final class MislabelBench {
    private MislabelBench() {
    }

    /**
     * @param flipShare  share of labels flipped
     * @param seeds      runs (each flips a different random set and seeds the folds differently)
     * @param knnWeights the blends of the head and the neighbours' vote to compare (each a method)
     */
    public record Config(double flipShare, int seeds, MislabelOptions options, double[] knnWeights) {
        public Config {
            if (!(flipShare > 0 && flipShare < 0.5)) throw new IllegalArgumentException("flip share must be in (0, 0.5): " + flipShare);
            if (seeds < 1) throw new IllegalArgumentException("seeds must be at least 1");
            if (knnWeights.length == 0) throw new IllegalArgumentException("give at least one kNN weight");
        }
    }

    /** Scores of one method over the seeds. */
    public record Method(String name, double[] precisionAtK, double[] recallAt2k, double[] listed, double[] listPrecision,
                         double[] listRecall, double[] listPrecisionAtK, double[] listRecallAt2k) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("precision_at_k", precisionAtK);
            m.put("recall_at_2k", recallAt2k);
            m.put("precision_at_k_mean", Stats.mean(precisionAtK));
            m.put("recall_at_2k_mean", Stats.mean(recallAt2k));
            if (listed != null) {
                m.put("suspects_listed", listed);
                m.put("list_precision", listPrecision);
                m.put("list_recall", listRecall);
                m.put("list_precision_mean", Stats.mean(listPrecision));
                m.put("list_recall_mean", Stats.mean(listRecall));
                m.put("list_precision_at_k", listPrecisionAtK);
                m.put("list_recall_at_2k", listRecallAt2k);
                m.put("list_precision_at_k_mean", Stats.mean(listPrecisionAtK));
                m.put("list_recall_at_2k_mean", Stats.mean(listRecallAt2k));
            }
            return m;
        }
    }

    /** Progress: seed {@code seed} (0-based) of {@code seeds}, at step {@code done} of {@code total} of its check. */
    public interface Listener { void progress(int seed, int seeds, int done, int total); }

    /** Runs every seed; the methods in order: naive baseline, then one per kNN weight. */
    public static List<Method> run(LabelledEmbeddings data, List<String> classes, Config cfg, Listener listener) {
        int methods = 2 + cfg.knnWeights().length;
        double[][] prec = new double[methods][cfg.seeds()], rec = new double[methods][cfg.seeds()];
        double[][] listed = new double[methods][cfg.seeds()], lp = new double[methods][cfg.seeds()], lr = new double[methods][cfg.seeds()];
        double[][] lpk = new double[methods][cfg.seeds()], lrk = new double[methods][cfg.seeds()];
        int n = data.n(), c = classes.size();
        for (int s = 0; s < cfg.seeds(); s++) {
            long seed = cfg.options().seed() + 1000L * s;
            SplittableRandom r = new SplittableRandom(seed);
            int flips = (int) Math.round(cfg.flipShare() * n);
            boolean[] flipped = new boolean[n];
            int[] given = data.y().clone();
            int[] order = Simulation.permutation(n, r);
            for (int i = 0; i < flips; i++) {
                int row = order[i];
                flipped[row] = true;
                given[row] = (given[row] + 1 + r.nextInt(c - 1)) % c;
            }
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) ids[i] = i;
            LabelCheckInput in = new LabelCheckInput(ids, data.x(), data.d(), given, classes);
            int si = s;
            // Naive baseline: the app's head retrained on every (noisy) label, lowest probability of the given label
            // first; and the same in-sample ranking from the check's more strongly regularised head.
            for (int m = 0; m < 2; m++) {
                double[][] p = MislabelFinder.inSampleProbabilities(in, seed, m == 0);
                Integer[] naive = new Integer[n];
                for (int i = 0; i < n; i++) naive[i] = i;
                Arrays.sort(naive, (a, b) -> Double.compare(p[a][given[a]], p[b][given[b]]));
                score(Arrays.stream(naive).mapToInt(Integer::intValue).toArray(), flipped, flips, prec[m], rec[m], s);
            }
            MislabelFinder.Prepared prep = MislabelFinder.prepare(in, cfg.options().withSeed(seed),
                    (done, total, what) -> listener.progress(si, cfg.seeds(), done, total), () -> false);
            for (int m = 2; m < methods; m++) {
                MislabelReport rep = prep.rank(cfg.options().withSeed(seed).withKnnWeight(cfg.knnWeights()[m - 2]));
                score(rep.ranking(), flipped, flips, prec[m], rec[m], s);
                int hits = 0;
                for (var sus : rep.suspects()) if (flipped[(int) sus.imageId()]) hits++;
                int[] listRanking = rep.suspects().stream().mapToInt(x -> (int) x.imageId()).toArray();
                score(listRanking, flipped, flips, lpk[m], lrk[m], s);
                listed[m][s] = rep.suspects().size();
                lp[m][s] = rep.suspects().isEmpty() ? Double.NaN : hits / (double) rep.suspects().size();
                lr[m][s] = hits / (double) flips;
            }
        }
        List<Method> out = new ArrayList<>();
        out.add(new Method("naive: the app's head, in-sample", prec[0], rec[0], null, null, null, null, null));
        out.add(new Method("the check's head (L2 0.1), in-sample", prec[1], rec[1], null, null, null, null, null));
        for (int m = 2; m < methods; m++) {
            double w = cfg.knnWeights()[m - 2];
            String name = w == 0 ? "out-of-sample head" : w == 1 ? "kNN vote only"
                    : String.format(java.util.Locale.ROOT, "out-of-sample head + kNN vote (weight %.2f)", w);
            out.add(new Method(name, prec[m], rec[m], listed[m], lp[m], lr[m], lpk[m], lrk[m]));
        }
        return out;
    }

    private static void score(int[] ranking, boolean[] flipped, int k, double[] prec, double[] rec, int s) {
        int top = 0, top2 = 0;
        for (int r = 0; r < Math.min(2 * k, ranking.length); r++) {
            if (!flipped[ranking[r]]) continue;
            if (r < k) top++;
            top2++;
        }
        prec[s] = top / (double) k;
        rec[s] = top2 / (double) k;
    }

    /** The labelled images of a tree, embedded (through the {@link EmbeddingCache}). */
    public record Data(List<String> classes, LabelledEmbeddings labelled, String backboneId, java.nio.file.Path cacheFile) {}

    /** Scans {@code dir}, loads the backbone and embeds what the cache lacks (see {@link #items}). */
    public static Data load(java.nio.file.Path dir, int limit, String backboneSpec, EmbeddingCache.Listener progress)
            throws dev.loupe.backbone.BackboneException {
        boolean split = java.nio.file.Files.isDirectory(dir.resolve("train")) && java.nio.file.Files.isDirectory(dir.resolve("test"));
        ImageFolder folder = ImageFolder.scan(dir, 0.5, 0, 0);
        List<ImageFolder.Item> items = List.of(items(folder, split, limit));
        try (dev.loupe.backbone.Backbone backbone = dev.loupe.backbone.BackboneLoader.load(backboneSpec)) {
            EmbeddingCache cache = EmbeddingCache.open(dir, backbone.id());
            int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
            return new Data(folder.classes(), cache.embed(dir, items, backbone, threads, progress), backbone.id(), cache.file());
        }
    }

    /**
     * The labelled images of a tree for this benchmark: the pool of a train/test tree (the test split is not needed,
     * nor embedded), or every image of a tree without one; at most {@code limit} (stratified, 0 = all).
     */
    public static ImageFolder.Item[] items(ImageFolder folder, boolean split, int limit) {
        List<ImageFolder.Item> all = new ArrayList<>(folder.pool());
        if (!split) all.addAll(folder.test());
        all.sort(java.util.Comparator.comparing(ImageFolder.Item::relPath));
        return ImageFolder.cap(all, limit, folder.classes().size(), 20261205L).toArray(new ImageFolder.Item[0]);
    }
}
