package dev.loupe.bench;

import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.LabelUpdate;
import dev.loupe.training.ScoringPolicy;
import dev.loupe.training.Snapshot;
import dev.loupe.training.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Label → published snapshot latency on a synthetic project: Gaussian class blobs (N rows, C classes, D dims) through
 * the real {@link Trainer} and ranking, with the app's defaults (linear head, step policy, margin ranking). The
 * labels start past the cold start ({@code initialPerClass} per class, as initial labels), then each measured label
 * is the top of the queue with its true class, submitted and waited for one at a time.
 */
public final class Latency {

    public record Config(int n, int classes, int dim, int labels, int warmup, int initialPerClass, long seed,
                         ScoringPolicy scoring) {
        public Config(int n, int classes, int dim, int labels, int warmup, int initialPerClass, long seed) {
            this(n, classes, dim, labels, warmup, initialPerClass, seed, ScoringPolicy.defaults());
        }

        public Config {
            java.util.Objects.requireNonNull(scoring);
            if (n < 2 || classes < 2 || dim < 1 || labels < 1 || warmup < 0 || initialPerClass < 0) {
                throw new IllegalArgumentException("bad latency config");
            }
            if ((long) classes * initialPerClass + warmup + labels > n) {
                throw new IllegalArgumentException("more labels than images");
            }
        }
    }

    private Latency() {}

    /** Gaussian blobs: class centres N(0, separation²) per dimension, unit noise per dimension. */
    static LabelledEmbeddings blobs(int n, int d, int classes, double separation, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] centres = new float[classes * d];
        for (int i = 0; i < centres.length; i++) centres[i] = (float) (r.nextGaussian() * separation);
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(classes);
            y[i] = c;
            for (int j = 0; j < d; j++) x[i * d + j] = centres[c * d + j] + (float) r.nextGaussian();
        }
        return new LabelledEmbeddings(x, y, d);
    }

    public static Map<String, Object> run(Config cfg) {
        long tData = System.nanoTime();
        LabelledEmbeddings data = blobs(cfg.n(), cfg.dim(), cfg.classes(), 0.5, cfg.seed());
        INDArray x = data.matrix();
        int[] truth = data.y();
        data = null; // the project keeps only the native matrix, as the app does
        double dataSeconds = (System.nanoTime() - tData) / 1e9;
        int n = cfg.n();
        int[] initial = new int[n];
        Arrays.fill(initial, LabelUpdate.UNLABELLED);
        int[] perClass = new int[cfg.classes()];
        int given = 0;
        for (int i = 0; i < n && given < cfg.classes() * cfg.initialPerClass(); i++) {
            if (perClass[truth[i]] < cfg.initialPerClass()) {
                perClass[truth[i]]++;
                initial[i] = truth[i];
                given++;
            }
        }
        Head head = Head.create(HeadConfig.linear(cfg.dim(), cfg.seed()), cfg.classes());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", n);
        m.put("classes", cfg.classes());
        m.put("dim", cfg.dim());
        m.put("initial_labels", given);
        m.put("warmup", cfg.warmup());
        m.put("labels", cfg.labels());
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        long tStart = System.nanoTime();
        try (Trainer t = Trainer.builder(x, head).seed(cfg.seed()).scoring(cfg.scoring()).initialLabels(initial).start()) {
            Snapshot s = t.setStrategy(dev.loupe.ranking.QueryStrategy.MARGIN).join();
            m.put("start_ms", round((System.nanoTime() - tStart) / 1e6));
            double[] lat = new double[cfg.labels()], step = new double[cfg.labels()], rerank = new double[cfg.labels()];
            double[] stale = new double[cfg.labels()];
            int[] steps = new int[cfg.labels()];
            for (int i = -cfg.warmup(); i < cfg.labels(); i++) {
                int row = s.queueAt(0);
                long t0 = System.nanoTime();
                s = t.submit(LabelUpdate.label(row, truth[row])).join();
                double ms = (System.nanoTime() - t0) / 1e6;
                if (i >= 0) {
                    lat[i] = ms;
                    step[i] = s.stepMillis();
                    rerank[i] = s.rerankMillis();
                    steps[i] = s.adamSteps();
                    stale[i] = s.staleRows();
                }
            }
            m.put("p50_ms", round(Stats.percentile(lat, 50)));
            m.put("p95_ms", round(Stats.percentile(lat, 95)));
            m.put("p99_ms", round(Stats.percentile(lat, 99)));
            m.put("mean_ms", round(Stats.mean(lat)));
            m.put("max_ms", round(Stats.percentile(lat, 100)));
            m.put("step_p50_ms", round(Stats.percentile(step, 50)));
            m.put("step_p95_ms", round(Stats.percentile(step, 95)));
            m.put("rerank_p50_ms", round(Stats.percentile(rerank, 50)));
            m.put("rerank_p95_ms", round(Stats.percentile(rerank, 95)));
            m.put("stale_rows_mean", round(Stats.mean(stale)));
            m.put("scoring", Map.of("full_below", cfg.scoring().fullBelow(), "hot_rows", cfg.scoring().hotRows(),
                    "slice_rows", cfg.scoring().sliceRows()));
            m.put("adam_steps_per_label", Arrays.stream(steps).max().orElse(0));
            long tc = System.nanoTime();
            Snapshot added = t.addClass().join();
            m.put("add_class_ms", round((System.nanoTime() - tc) / 1e6));
            m.put("classes_after_add", added.classCount());
            System.gc();
            Runtime rt = Runtime.getRuntime();
            m.put("heap_used_mb", round((rt.totalMemory() - rt.freeMemory()) / 1048576.0));
            m.put("heap_max_mb", round(rt.maxMemory() / 1048576.0));
            m.put("process_rss_mb", round(org.bytedeco.javacpp.Pointer.physicalBytes() / 1048576.0));
            m.put("embeddings_mb", round(x.length() * 4 / 1048576.0));
            m.put("gc_ms_total", ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(g -> Math.max(0, g.getCollectionTime())).sum());
        }
        m.put("data_seconds", round(dataSeconds));
        return m;
    }

    private static double round(double v) { return Stats.round(v, 2); }
}
