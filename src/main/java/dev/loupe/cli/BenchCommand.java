package dev.loupe.cli;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.bench.BenchData;
import dev.loupe.bench.Forgetting;
import dev.loupe.bench.Latency;
import dev.loupe.bench.LineChart;
import dev.loupe.bench.Simulation;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.training.ScoringPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe bench …}: benchmarks of the learning loop (engines in dev.loupe.bench). */
@Command(name = "bench", description = "Benchmarks: simulated labelling, forgetting, latency, embedding throughput.",
        subcommands = {BenchCommand.Simulate.class, BenchCommand.ForgettingCmd.class, BenchCommand.LatencyCmd.class,
                BenchCommand.EmbedCmd.class, BenchCommand.MislabelsCmd.class, BenchDataCheck.DriftCmd.class,
                BenchDataCheck.DuplicatesCmd.class, BenchOpenCmd.class, BenchTeamCmd.class})
final class BenchCommand {

    private BenchCommand() {
    }

    /** Options every data-driven benchmark shares. */
    static class DataOptions {
        @Option(names = "--data", required = true, paramLabel = "DIR",
                description = "ImageFolder tree (DIR/<class>/*, or DIR/train/<class>/* and DIR/test/<class>/*).")
        Path data;

        @Option(names = "--test-fraction", description = "Held out per class when DIR has no train/test split (default: ${DEFAULT-VALUE}).")
        double testFraction = 0.2;

        @Option(names = "--pool", description = "At most this many pool images, stratified (0 = all; default: ${DEFAULT-VALUE}).")
        int pool = 10_000;

        @Option(names = "--test", description = "At most this many test images, stratified (0 = all; default: ${DEFAULT-VALUE}).")
        int test = 10_000;

        @Option(names = "--backbone", description = "Base model: model-zero, a .zip/.h5 file, an .onnx[#tensor] file or zoo:<name> (default: ${DEFAULT-VALUE}).")
        String backbone = BackboneLoader.MODEL_ZERO;

        BenchData load(PrintWriter err) {
            Progress progress = new Progress(err, "embedding");
            try {
                BenchData d = BenchData.load(data, testFraction, pool, test, backbone, progress::update);
                progress.finish();
                return d;
            } catch (BackboneException e) {
                throw new LoupeException("Cannot load the base model '" + backbone + "': " + e.getMessage(), e);
            }
        }

        Map<String, Object> describe(BenchData d) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", data.toAbsolutePath().toString());
            m.put("backbone", d.backboneId());
            m.put("classes", d.classes());
            m.put("pool", d.pool().n());
            m.put("test", d.test().n());
            m.put("dim", d.pool().d());
            return m;
        }
    }

    @Command(name = "simulate", description = {
            "Simulated annotator: label the top of the queue with its true class, one label at a time through the",
            "app's trainer, and record held-out accuracy at each budget (and that of a from-scratch retrain)."})
    static final class Simulate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DataOptions dataOptions;

        @Option(names = "--strategies", split = ",", description = "default, margin, least-confidence, entropy, random (default: ${DEFAULT-VALUE}).")
        List<String> strategies = new ArrayList<>(List.of("default", "margin", "least-confidence", "entropy", "random"));

        @Option(names = "--seeds", description = "Runs per strategy (default: ${DEFAULT-VALUE}).")
        int seeds = 3;

        @Option(names = "--start", description = "First budget N0 (default: ${DEFAULT-VALUE}).")
        int start = 20;

        @Option(names = "--step", description = "Budget step N (default: ${DEFAULT-VALUE}).")
        int step = 20;

        @Option(names = "--budget", description = "Last budget B (default: ${DEFAULT-VALUE}).")
        int budget = 500;

        @Option(names = "--budgets", split = ",", paramLabel = "N",
                description = "The budgets themselves, increasing (instead of --start, --step and --budget).")
        int[] budgets;

        @Option(names = "--no-retrain", description = "Skip the from-scratch retrain reference (retrain_mean).")
        boolean noRetrain;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Option(names = "--plot", paramLabel = "FILE.png", description = "Draw the learning curves into a PNG.")
        Path plot;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            BenchData d = dataOptions.load(err);
            Simulation.Config cfg;
            try {
                cfg = new Simulation.Config(strategies, seeds, start, step, budget, !noRetrain, 1, budgets);
            } catch (IllegalArgumentException e) {
                throw new LoupeException(Faults.describe(e));
            }
            if (cfg.budget() > d.pool().n()) {
                throw new LoupeException("The last budget, " + cfg.budget() + ", exceeds the pool (" + d.pool().n() + " images)");
            }
            Progress progress = new Progress(err, "simulating");
            int total = strategies.size() * seeds * cfg.budget();
            int[] done = {0};
            String[] lastKey = {""};
            int[] lastLabels = {0};
            Map<String, Simulation.Curve> curves = Simulation.run(d.pool(), d.test(), d.classCount(), cfg, (s, seed, labels, b) -> {
                String key = s + "/" + seed;
                if (!key.equals(lastKey[0])) { lastKey[0] = key; lastLabels[0] = 0; }
                done[0] += labels - lastLabels[0];
                lastLabels[0] = labels;
                progress.update(done[0], total);
            });
            progress.finish();
            Map<String, Object> out = dataOptions.describe(d);
            out.put("seeds", seeds);
            Map<String, Object> byName = new LinkedHashMap<>();
            curves.forEach((name, c) -> byName.put(name, c.toJson()));
            out.put("strategies", byName);
            if (plot != null) {
                LineChart chart = new LineChart("Simulated labelling: held-out accuracy (" + seeds + " seeds, " + d.backboneId() + ")",
                        "labels", "accuracy");
                curves.forEach((name, c) -> chart.add(name, c.budgets(), c.mean(), false));
                curves.forEach((name, c) -> {
                    if (c.retrainMean() != null && name.equals(strategies.get(0))) {
                        chart.add(name + " (retrained from scratch)", c.budgets(), c.retrainMean(), true);
                    }
                });
                chart.write(plot);
                out.put("plot", plot.toAbsolutePath().toString());
                Path reliability = sibling(plot, "-reliability");
                reliabilityChart(curves, seeds, d.backboneId()).write(reliability);
                out.put("plot_reliability", reliability.toAbsolutePath().toString());
                Path estimate = sibling(plot, "-estimate");
                estimateChart(curves, seeds).write(estimate);
                out.put("plot_estimate", estimate.toAbsolutePath().toString());
            }
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Json.print(o, out);
            } else {
                o.printf("%-18s %8s %8s  accuracy at %s%n", "strategy", "AULC", "retrain", java.util.Arrays.toString(cfg.budgets()));
                curves.forEach((name, c) -> {
                    StringBuilder sb = new StringBuilder();
                    for (double v : c.mean()) sb.append(String.format(" %.3f", v));
                    o.printf("%-18s %8.4f %8s %s%n", name, c.aulc(),
                            c.retrainMean() == null ? "-" : String.format("%.4f", dev.loupe.bench.Stats.mean(c.retrainMean())), sb);
                });
                curves.forEach((name, c) -> {
                    o.printf("%-18s ECE (all seeds pooled) %s%n", name, numbers((double[]) c.calibration().get("ece_pooled")));
                    o.printf("%-18s estimate - test accuracy %s%n", name, numbers((double[]) c.estimate().get("error")));
                });
                o.flush();
            }
            return 0;
        }
    }

    @Command(name = "mislabels", description = {
            "Flip a share of the true labels at random and measure how well `loupe review --suspects` finds them:",
            "precision among its top k (k = labels flipped) and recall among its top 2k, against a naive baseline",
            "(lowest in-sample probability of the given label)."})
    static final class MislabelsCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data", required = true, paramLabel = "DIR",
                description = "ImageFolder tree (DIR/<class>/*: every image; DIR/train/<class>/* and DIR/test/...: the train split).")
        Path data;

        @Option(names = "--pool", description = "Labelled images, stratified (0 = all; default: ${DEFAULT-VALUE}).")
        int pool = 2000;

        @Option(names = "--flip", description = "Share of labels flipped (default: ${DEFAULT-VALUE}).")
        double flip = 0.05;

        @Option(names = "--seeds", description = "Runs, each flipping other labels (default: ${DEFAULT-VALUE}).")
        int seeds = 3;

        @Option(names = "--folds", description = "Cross-validation folds (default: ${DEFAULT-VALUE}).")
        int folds = dev.loupe.datacheck.MislabelOptions.DEFAULTS.folds();

        @Option(names = "--neighbours", description = "Nearest labelled images that vote (default: ${DEFAULT-VALUE}).")
        int neighbours = dev.loupe.datacheck.MislabelOptions.DEFAULTS.neighbours();

        @Option(names = "--knn-weights", split = ",", description = "Blends of head and neighbours' vote to compare (default: 0,0.3,0.5).")
        double[] knnWeights = {0, 0.3, 0.5};

        @Option(names = "--backbone", description = "Base model (default: ${DEFAULT-VALUE}).")
        String backbone = BackboneLoader.MODEL_ZERO;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            Progress embedding = new Progress(err, "embedding");
            dev.loupe.bench.MislabelBench.Data d;
            try {
                d = dev.loupe.bench.MislabelBench.load(data, pool, backbone, embedding::update);
            } catch (BackboneException e) {
                throw new LoupeException("Cannot load the base model '" + backbone + "': " + e.getMessage(), e);
            }
            embedding.finish();
            dev.loupe.bench.MislabelBench.Config cfg;
            try {
                cfg = new dev.loupe.bench.MislabelBench.Config(flip, seeds,
                        new dev.loupe.datacheck.MislabelOptions(folds, neighbours, 0.5, 42), knnWeights);
            } catch (IllegalArgumentException e) {
                throw new LoupeException(Faults.describe(e));
            }
            Progress progress = new Progress(err, "checking");
            long t0 = System.nanoTime();
            List<dev.loupe.bench.MislabelBench.Method> methods;
            try {
                methods = dev.loupe.bench.MislabelBench.run(d.labelled(), d.classes(), cfg,
                        (seed, all, done, total) -> progress.update((long) seed * total + done, (long) all * total));
            } catch (IllegalArgumentException e) {
                throw new LoupeException(Faults.describe(e));
            }
            progress.finish();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("data", data.toAbsolutePath().toString());
            out.put("backbone", d.backboneId());
            out.put("classes", d.classes());
            out.put("labelled", d.labelled().n());
            out.put("dim", d.labelled().d());
            out.put("flip", flip);
            out.put("flipped", (int) Math.round(flip * d.labelled().n()));
            out.put("seeds", seeds);
            out.put("folds", folds);
            out.put("neighbours", neighbours);
            out.put("seconds_per_seed", (System.nanoTime() - t0) / 1e9 / seeds);
            Map<String, Object> byName = new LinkedHashMap<>();
            methods.forEach(m -> byName.put(m.name(), m.toJson()));
            out.put("methods", byName);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Json.print(o, out);
            } else {
                o.printf("%d labelled images, %d flipped (%.0f %%), %d seeds%n", d.labelled().n(), (Integer) out.get("flipped"), 100 * flip, seeds);
                o.printf("%-58s %12s %10s  %s%n", "method (ranking of every label)", "precision@k", "recall@2k",
                        "suspect list: size (precision / recall), precision@k / recall@2k");
                for (var m : methods) {
                    String list = m.listed() == null ? "-" : String.format("%.1f (%.3f / %.3f), %.3f / %.3f", dev.loupe.bench.Stats.mean(m.listed()),
                            dev.loupe.bench.Stats.mean(m.listPrecision()), dev.loupe.bench.Stats.mean(m.listRecall()),
                            dev.loupe.bench.Stats.mean(m.listPrecisionAtK()), dev.loupe.bench.Stats.mean(m.listRecallAt2k()));
                    o.printf("%-58s %12.3f %10.3f  %s%n", m.name(), dev.loupe.bench.Stats.mean(m.precisionAtK()),
                            dev.loupe.bench.Stats.mean(m.recallAt2k()), list);
                }
                o.flush();
            }
            return 0;
        }
    }

    private static String numbers(double[] a) {
        StringBuilder sb = new StringBuilder();
        for (double v : a) sb.append(String.format(" %+.3f", v));
        return sb.toString();
    }

    /** {@code dir/name-suffix.png} for {@code dir/name.png}. */
    private static Path sibling(Path png, String suffix) {
        String n = png.getFileName().toString();
        int dot = n.toLowerCase(java.util.Locale.ROOT).endsWith(".png") ? n.length() - 4 : n.length();
        return png.resolveSibling(n.substring(0, dot) + suffix + ".png");
    }

    /**
     * Reliability diagrams: accuracy against shown confidence (10 bins, every seed's test predictions pooled) of the
     * first strategy at a few budgets; the diagonal is a perfectly calibrated head.
     */
    private static LineChart reliabilityChart(Map<String, Simulation.Curve> curves, int seeds, String backbone) {
        String first = curves.keySet().iterator().next();
        Simulation.Curve c = curves.get(first);
        LineChart chart = new LineChart("Reliability (" + first + ", " + seeds + " seeds pooled, " + backbone + ")",
                "shown confidence", "share right").size(800, 640);
        chart.add("perfectly calibrated", new double[] {0, 1}, new double[] {0, 1}, true);
        int[] b = c.budgets();
        java.util.TreeSet<Integer> pick = new java.util.TreeSet<>();
        for (int want : new int[] {10, 20, 50, 100, 500, 2000}) {
            int best = 0;
            for (int j = 0; j < b.length; j++) if (Math.abs(b[j] - want) < Math.abs(b[best] - want)) best = j;
            pick.add(best);
        }
        for (int j : pick) {
            double[][] bins = c.reliability()[j];
            double[] x = new double[bins.length], y = new double[bins.length];
            for (int k = 0; k < bins.length; k++) {
                boolean enough = bins[k][0] >= 20; // a bin of a handful of rows says nothing
                x[k] = enough ? bins[k][1] : Double.NaN;
                y[k] = enough ? bins[k][2] : Double.NaN;
            }
            chart.add(b[j] + " labels", compact(x, y)[0], compact(x, y)[1], false);
        }
        return chart;
    }

    private static double[][] compact(double[] x, double[] y) {
        int n = 0;
        for (double v : x) if (Double.isFinite(v)) n++;
        double[][] out = new double[2][n];
        for (int i = 0, k = 0; i < x.length; i++) {
            if (Double.isFinite(x[i])) { out[0][k] = x[i]; out[1][k++] = y[i]; }
        }
        return out;
    }

    /** The accuracy estimate (mean over seeds, with its band) against the held-out accuracy, per strategy. */
    private static LineChart estimateChart(Map<String, Simulation.Curve> curves, int seeds) {
        LineChart chart = new LineChart("Estimated accuracy on unlabelled images vs held-out accuracy (" + seeds + " seeds)",
                "labels", "accuracy");
        curves.forEach((name, c) -> {
            chart.add(name + ": held-out accuracy", c.budgets(), c.mean(), false);
            chart.add(name + ": estimate", c.budgets(), (double[]) c.estimate().get("mean"), true);
            chart.add(name + ": band (low)", c.budgets(), (double[]) c.estimate().get("low_mean"), true);
            chart.add(name + ": band (high)", c.budgets(), (double[]) c.estimate().get("high_mean"), true);
        });
        return chart;
    }

    @Command(name = "forgetting", description = {
            "Train the loop on every class but one (batch retrain on --old-per-class labels per class, then",
            "--continue labels one at a time), add the new class and give it --shots examples one at a time.",
            "Reports old-class accuracy before/after, new-class recall and prediction share, against a naive",
            "fine-tune (new examples only, no replay), a joint retrain from scratch and weight aligning."})
    static final class ForgettingCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DataOptions dataOptions;

        @Option(names = "--new-class", required = true, paramLabel = "C", description = "The class added last (a folder name).")
        String newClass;

        @Option(names = "--shots", description = "Examples of the new class (default: ${DEFAULT-VALUE}).")
        int shots = 10;

        @Option(names = "--seeds", description = "Runs (default: ${DEFAULT-VALUE}).")
        int seeds = 3;

        @Option(names = "--old-per-class", description = "Labels per old class in the batch retrain (default: ${DEFAULT-VALUE}).")
        int oldPerClass = 300;

        @Option(names = "--continue", description = "Old-class labels then given one at a time (default: ${DEFAULT-VALUE}).")
        int continueLabels = 50;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            BenchData d = dataOptions.load(spec.commandLine().getErr());
            int c = d.classes().indexOf(newClass);
            if (c < 0) throw new LoupeException("No class '" + newClass + "' in " + dataOptions.data + ". Classes: " + d.classes() + ".");
            Forgetting.Config cfg;
            try {
                cfg = new Forgetting.Config(c, shots, seeds, oldPerClass, continueLabels, 1);
            } catch (IllegalArgumentException e) {
                throw new LoupeException(Faults.describe(e));
            }
            List<Forgetting.Run> runs = Forgetting.run(d.pool(), d.test(), d.classCount(), cfg);
            Map<String, Object> out = dataOptions.describe(d);
            out.put("new_class", newClass);
            out.put("shots", shots);
            out.put("seeds", seeds);
            out.put("method", "batch retrain on " + oldPerClass + " labels per old class, then " + continueLabels
                    + " old-class labels and the " + shots + " new-class labels one at a time through Trainer.submit");
            out.putAll(Forgetting.summary(runs));
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Json.print(o, out);
            } else {
                o.printf("old-class accuracy before the new class: %.4f%n", (Double) out.get("old_acc_before"));
                o.printf("%-12s %10s %10s %12s %10s%n", "variant", "old_acc", "new_acc", "pred_share", "final_acc");
                for (String p : new String[] {"", "aligned_", "naive_", "joint_"}) {
                    o.printf("%-12s %10.4f %10.4f %12.3f %10.4f%n", p.isEmpty() ? "interactive" : p.substring(0, p.length() - 1),
                            (Double) out.get(p + "old_acc_after"), (Double) out.get(p + "new_acc"),
                            (Double) out.get(p + "new_pred_share"), (Double) out.get(p + "final_acc"));
                }
                o.flush();
            }
            return 0;
        }
    }

    @Command(name = "latency", description = {
            "Label -> re-ranked snapshot latency on a synthetic project (Gaussian class blobs) through the real",
            "trainer and ranking: p50/p95/p99 over --labels labels after a warm-up, step/re-rank split, add-class",
            "time and memory."})
    static final class LatencyCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--images", required = true, paramLabel = "N", description = "Rows (images).")
        int images;

        @Option(names = "--classes", required = true, paramLabel = "C", description = "Classes.")
        int classes;

        @Option(names = "--dim", description = "Embedding width (default: ${DEFAULT-VALUE}).")
        int dim = 512;

        @Option(names = "--labels", description = "Measured labels (default: ${DEFAULT-VALUE}).")
        int labels = 200;

        @Option(names = "--warmup", description = "Labels before measuring (default: ${DEFAULT-VALUE}).")
        int warmup = 20;

        @Option(names = "--initial-per-class", description = "Labels per class given at start (default: ${DEFAULT-VALUE}).")
        int initialPerClass = 3;

        @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed = 1;

        @Option(names = "--full-below", description = "Re-score every row per step up to this many rows (default: the trainer's).")
        Integer fullBelow;

        @Option(names = "--hot-rows", description = "Rows at the head of the queue re-scored per step (default: the trainer's).")
        Integer hotRows;

        @Option(names = "--slice-rows", description = "Rotating slice re-scored per step (default: the trainer's).")
        Integer sliceRows;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            Latency.Config cfg;
            try {
                ScoringPolicy d = ScoringPolicy.defaults();
                cfg = new Latency.Config(images, classes, dim, labels, warmup, initialPerClass, seed, new ScoringPolicy(
                        fullBelow == null ? d.fullBelow() : fullBelow, hotRows == null ? d.hotRows() : hotRows,
                        sliceRows == null ? d.sliceRows() : sliceRows, d.chunkRows()));
            } catch (IllegalArgumentException e) {
                throw new LoupeException(Faults.describe(e));
            }
            Map<String, Object> m = Latency.run(cfg);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Json.print(o, m);
            } else {
                o.printf("%d images x %d classes (D=%d): label->snapshot p50 %s ms, p95 %s ms, p99 %s ms; step p50 %s ms, "
                                + "re-rank p50 %s ms; add class %s ms; heap %s MB%n", images, classes, dim, m.get("p50_ms"),
                        m.get("p95_ms"), m.get("p99_ms"), m.get("step_p50_ms"), m.get("rerank_p50_ms"), m.get("add_class_ms"),
                        m.get("heap_used_mb"));
                o.flush();
            }
            return 0;
        }
    }

    @Command(name = "embed", description = {
            "Import throughput: the real import path (scan, hash, decode once, thumbnail, store, and from the same",
            "pixels resize + forward + store of embeddings) on a folder, into a throw-away project."})
    static final class EmbedCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "A folder of images (searched recursively).")
        Path data;

        @Option(names = "--backbone", description = "Base model: model-zero, a .zip/.h5 file, an .onnx[#tensor] file or zoo:<name> (default: ${DEFAULT-VALUE}).")
        String backbone = "model-zero";

        @Option(names = "--threads", description = "Decoding threads (default: ${DEFAULT-VALUE}).")
        int threads = Runtime.getRuntime().availableProcessors();

        @Option(names = "--batch", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
        int batch = dev.loupe.importing.Embedder.DEFAULT_BATCH;

        @Option(names = "--json", description = "Print {images, seconds, images_per_s, decode_ms_p50, forward_ms_per_image, ...}.")
        boolean json;

        @Option(names = "--decode-twice", description = "Decode every image again to embed it, as Loupe did before (to compare).")
        boolean decodeTwice;

        @Option(names = "--imageio", description = "Read JPEGs through ImageIO only, without reduced DCT decoding (to compare).")
        boolean imageIo;

        @Option(names = "--compare", description = "Afterwards, check each image against the old path: thumbnail size and "
                + "pixels, embedding cosine (not timed).")
        boolean compare;

        @Override
        public Integer call() {
            if (!java.nio.file.Files.isDirectory(data)) {
                throw new LoupeException("Cannot benchmark " + data + ": it is not a folder.");
            }
            Map<String, Object> m = dev.loupe.bench.EmbedBench.run(data, backbone, Math.max(1, threads), Math.max(1, batch),
                    new dev.loupe.bench.EmbedBench.Options(!decodeTwice, !imageIo, compare));
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Json.print(o, m);
            } else {
                o.printf("%s images in %s s: %s images/s (embedding alone %s images/s); decode p50 %s ms, forward %s ms/image (%s)%n",
                        m.get("images"), m.get("seconds"), m.get("images_per_s"), m.get("embed_images_per_s"),
                        m.get("decode_ms_p50"), m.get("forward_ms_per_image"), m.get("backbone"));
                o.flush();
            }
            return 0;
        }
    }
}
