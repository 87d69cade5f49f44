package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.bench.DriftBench;
import dev.loupe.bench.EmbeddingCache;
import dev.loupe.bench.ImageFolder;
import dev.loupe.datacheck.DriftTest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** The benchmarks of the data checks (issue 14): {@code loupe bench drift} and {@code loupe bench duplicates}. */
final class BenchDataCheck {

    private BenchDataCheck() {
    }

    /** Every image of a tree (both splits, each capped at {@code cap}, stratified), embedded through the cache. */
    static float[][] embedTree(Path dir, int cap, String backboneSpec, PrintWriter err) {
        ImageFolder folder = ImageFolder.scan(dir, 0.5, cap, cap);
        List<ImageFolder.Item> items = new ArrayList<>(folder.pool());
        items.addAll(folder.test());
        try (Backbone backbone = BackboneLoader.load(backboneSpec)) {
            Progress progress = new Progress(err, "embedding " + dir.getFileName());
            float[][] rows = DriftBench.rows(EmbeddingCache.open(dir, backbone.id())
                    .embed(dir, items, backbone, Math.max(1, Runtime.getRuntime().availableProcessors()), progress::update));
            progress.finish();
            return rows;
        } catch (BackboneException e) {
            throw new LoupeException("Cannot load the base model '" + backboneSpec + "': " + e.getMessage(), e);
        }
    }

    @Command(name = "drift", description = {
            "The import's drift check on random splits: a collection's second half against its first (false alarms),",
            "another collection against it, and the second half with a share of the other collection mixed in."})
    static final class DriftCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "The project's collection (an image tree).")
        Path data;

        @Option(names = "--other", required = true, paramLabel = "DIR", description = "Another collection (an image tree).")
        Path other;

        @Option(names = "--limit", description = "At most this many images per split of each tree (default: ${DEFAULT-VALUE}).")
        int limit = 2000;

        @Option(names = "--splits", description = "Random splits (default: ${DEFAULT-VALUE}).")
        int splits = 20;

        @Option(names = "--new", description = "Images in the new folder (default: ${DEFAULT-VALUE}).")
        int newSize = 1000;

        @Option(names = "--contamination", description = "Share of the other collection in the contaminated folder (default: ${DEFAULT-VALUE}).")
        double contamination = 0.2;

        @Option(names = "--alpha", description = "The test's false-alarm rate (default: ${DEFAULT-VALUE}).")
        double alpha = DriftTest.Config.DEFAULT.alpha();

        @Option(names = "--backbone", description = "Base model (default: ${DEFAULT-VALUE}).")
        String backbone = BackboneLoader.MODEL_ZERO;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            float[][] d = embedTree(data, limit, backbone, err);
            float[][] o = embedTree(other, limit, backbone, err);
            DriftBench.Config cfg;
            try {
                cfg = new DriftBench.Config(splits, newSize, contamination, DriftTest.Config.DEFAULT.withAlpha(alpha));
            } catch (IllegalArgumentException e) {
                throw new LoupeException(dev.loupe.Faults.describe(e));
            }
            Progress progress = new Progress(err, "testing");
            List<DriftBench.Scenario> res = DriftBench.run(d, o, cfg, progress::update);
            progress.finish();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", data.toString());
            m.put("other", other.toString());
            m.put("data_images", d.length);
            m.put("other_images", o.length);
            m.put("project_images", d.length / 2);
            m.put("alpha", alpha);
            m.put("tested_at_most", Map.of("project", cfg.test().maxReference(), "new", cfg.test().maxCandidate()));
            m.put("permutations", cfg.test().permutations());
            for (DriftBench.Scenario s : res) m.put(s.name(), s.toMap());
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Json.print(out, m);
                return 0;
            }
            out.printf(Locale.ROOT, "project: %d images of %s; other collection: %s (%d images); alpha %.3f, %d splits%n",
                    d.length / 2, data, other, o.length, alpha, splits);
            for (DriftBench.Scenario s : res) {
                out.printf(Locale.ROOT, "%-13s new folder of %4d: alarm in %2d of %d splits (%.0f %%), median p %.3f, far share %.3f, %.2f s/test%n",
                        s.name(), s.newImages(), s.alarms(), s.runs(), 100 * s.alarmRate(), s.medianPValue(), s.meanFarShare(),
                        s.secondsPerTest());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "duplicates", description = {
            "Plants resized, recompressed and cropped copies of images of DIR and a few images of OTHER into a copy of",
            "DIR, imports it into a throw-away project, and scores the near-duplicate groups and the outlier list."})
    static final class DuplicatesCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "The image tree to plant copies in (it is copied, never changed).")
        Path data;

        @Option(names = "--other", required = true, paramLabel = "OTHER", description = "Where the unrelated images come from.")
        Path other;

        @Option(names = "--originals", description = "Use at most this many images of DIR, drawn at random (0 = all; default: ${DEFAULT-VALUE}).")
        int originals = 2000;

        @Option(names = "--copies", description = "Originals copied per kind of copy (default: ${DEFAULT-VALUE}).")
        int copies = 20;

        @Option(names = "--unrelated", description = "Images of OTHER planted, one per folder of OTHER in turn (default: ${DEFAULT-VALUE}).")
        int unrelated = 10;

        @Option(names = "--junk", description = "Generated junk images planted: noise, flat colour, stripes, gradient (default: ${DEFAULT-VALUE}).")
        int junk = 8;

        @Option(names = "--thresholds", split = ",", description = "Near-duplicate thresholds to score (default: ${DEFAULT-VALUE}).")
        List<Double> thresholds = new ArrayList<>(List.of(0.90, 0.95, 0.98));

        @Option(names = "--candidates", split = ",", description = "Pixel check: embedding similarities a candidate pair "
                + "needs, one or more values to score (default: ${DEFAULT-VALUE}).")
        List<Double> candidates = new ArrayList<>(List.of(dev.loupe.datacheck.NearDuplicates.PixelCheck.DEFAULT_CANDIDATE));

        @Option(names = "--matches", split = ",", description = "Pixel check: pixel match (NCC) a copy needs, one or more "
                + "values to score (default: ${DEFAULT-VALUE}).")
        List<Double> matches = new ArrayList<>(List.of(dev.loupe.datacheck.NearDuplicates.PixelCheck.DEFAULT_MATCH));

        @Option(names = "--ratios", split = ",", description = "Pixel check: how much closer than the image's usual "
                + "look-alikes a copy must be (1 - match <= RATIO x (1 - median look-alike match); 1 = off), one or more values "
                + "to score (default: ${DEFAULT-VALUE}).")
        List<Double> ratios = new ArrayList<>(List.of(dev.loupe.datacheck.NearDuplicates.PixelCheck.DEFAULT_RATIO));

        @Option(names = "--k", split = ",", description = "Outliers: neighbours averaged, one or more values to score (default: ${DEFAULT-VALUE}).")
        List<Integer> ks = new ArrayList<>(List.of(dev.loupe.datacheck.Outliers.DEFAULT_K));

        @Option(names = "--seed", description = "Which originals and unrelated images (default: ${DEFAULT-VALUE}).")
        long seed = 1;

        @Option(names = "--backbone", description = "Base model (default: ${DEFAULT-VALUE}).")
        String backbone = BackboneLoader.MODEL_ZERO;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        @SuppressWarnings("unchecked")
        public Integer call() throws java.io.IOException {
            Path work = java.nio.file.Files.createTempDirectory("loupe-bench-duplicates");
            Map<String, Object> m;
            try {
                m = dev.loupe.bench.DuplicateBench.run(data, other, work, new dev.loupe.bench.DuplicateBench.Config(originals, copies, unrelated, junk,
                        thresholds, candidates, matches, ratios, ks, seed, backbone, Math.max(1, Runtime.getRuntime().availableProcessors())));
            } catch (IllegalArgumentException e) {
                throw new LoupeException(dev.loupe.Faults.describe(e));
            } finally {
                deleteTree(work);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Json.print(out, m);
                return 0;
            }
            out.printf("%s images: %s originals, %s copies of each kind (resized 50 %%, JPEG quality 50, cropped to 80 %%), %s unrelated, %s junk%n",
                    m.get("images"), m.get("originals"), m.get("copies_per_kind"), m.get("unrelated"), m.get("junk"));
            for (Map<String, Object> r : (List<Map<String, Object>>) m.get("duplicates")) {
                String method = "pixels".equals(r.get("method"))
                        ? String.format(Locale.ROOT, "pixels, candidates >= %.2f, match >= %.2f, look-alike ratio %.2f",
                                (Double) r.get("candidate_threshold"), (Double) r.get("match_threshold"), (Double) r.get("look_alike_ratio"))
                        : String.format(Locale.ROOT, "embedding >= %.2f", (Double) r.get("threshold"));
                out.printf(Locale.ROOT, "%s: %s groups, pair precision %s (%s among pairs with a planted copy), pair recall %s (resized %s, recompressed %s, cropped %s), %.2f s%n",
                        method, r.get("groups"), fmt(r.get("pair_precision")), fmt(r.get("pair_precision_planted")), fmt(r.get("pair_recall")),
                        fmt(r.get("recall_resized")), fmt(r.get("recall_recompressed")), fmt(r.get("recall_cropped")), (Double) r.get("seconds"));
            }
            for (Map<String, Object> o : (List<Map<String, Object>>) m.get("outliers")) {
                out.printf(Locale.ROOT, "outliers, %s, k = %s: %s flagged, precision %s, recall %s of %s planted (unrelated %s, junk %s; precision in the top %s: %s), %.2f s%n",
                        o.get("metric"), o.get("k"), o.get("flagged"), fmt(o.get("precision")), fmt(o.get("recall")), o.get("planted"),
                        fmt(o.get("recall_unrelated")), fmt(o.get("recall_junk")), o.get("planted"),
                        fmt(o.get("precision_at_planted")), (Double) o.get("seconds"));
            }
            for (Map<String, Object> o : (List<Map<String, Object>>) m.get("low_detail")) {
                out.printf(Locale.ROOT, "low detail (grey entropy < %.1f bits)%s: %s flagged, precision %s, recall %s (unrelated %s, junk %s)%n",
                        (Double) o.get("entropy_below"), Boolean.TRUE.equals(o.get("with_knn")) ? " or kNN outlier" : "", o.get("flagged"),
                        fmt(o.get("precision")), fmt(o.get("recall")), fmt(o.get("recall_unrelated")), fmt(o.get("recall_junk")));
            }
            for (Map<String, Object> o : (List<Map<String, Object>>) m.get("looks")) {
                out.printf(Locale.ROOT, "outliers by looks, %s, k = %s, z = %.1f: %s flagged, precision %s, recall %s (unrelated %s, junk %s; precision in the top %s: %s)%n",
                        o.get("looks"), o.get("k"), (Double) o.get("z"), o.get("flagged"), fmt(o.get("precision")), fmt(o.get("recall")),
                        fmt(o.get("recall_unrelated")), fmt(o.get("recall_junk")), o.get("planted"), fmt(o.get("precision_at_planted")));
            }
            out.flush();
            return 0;
        }

        private static String fmt(Object v) {
            return v == null ? "-" : String.format(Locale.ROOT, "%.2f", (Double) v);
        }

        private static void deleteTree(Path p) throws java.io.IOException {
            try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(p)) {
                for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(f);
            }
        }
    }
}
