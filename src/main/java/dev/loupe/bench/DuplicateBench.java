package dev.loupe.bench;

import dev.loupe.datacheck.NearDuplicates;
import dev.loupe.datacheck.Outliers;
import dev.loupe.datacheck.PixelPrint;
import dev.loupe.datacheck.ProjectVectors;
import dev.loupe.importing.ImportOptions;
import dev.loupe.importing.StoreImportSink;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import java.util.stream.Stream;

/**
 * {@code loupe bench duplicates}: plants copies and unrelated images into a copy of an image tree, imports it into
 * a throw-away project (the real import and embedding path), and scores the near-duplicate groups (pairwise
 * precision and recall, recall per kind of copy) and the outlier list (precision and recall of the planted
 * unrelated images).
 */
public final class DuplicateBench {

    /** The kinds of planted copy. */
    public enum Kind { RESIZED, RECOMPRESSED, CROPPED }

    /**
     * @param originals     at most this many images of the tree are used (0: all), drawn at random
     * @param copiesPerKind originals that get a copy of each kind (distinct originals per kind)
     * @param unrelated     images taken from the other tree (one per folder in turn) and planted as outliers
     * @param junk          generated junk images planted as outliers (noise, flat colour, stripes, gradients)
     * @param thresholds    near-duplicate thresholds to score (embedding alone; also the fallback of the pixel check)
     * @param candidates    pixel check: candidate thresholds to score (each with each of {@code matches})
     * @param matches       pixel check: pixel match thresholds to score
     */
    public record Config(int originals, int copiesPerKind, int unrelated, int junk, List<Double> thresholds, List<Double> candidates,
                         List<Double> matches, List<Double> ratios, List<Integer> ks, long seed, String backboneSpec, int threads) {
    }

    private DuplicateBench() {
    }

    /** Runs the benchmark in {@code work} (a fresh temporary folder, deleted by the caller). */
    public static Map<String, Object> run(Path data, Path other, Path work, Config cfg) throws IOException {
        SplittableRandom r = new SplittableRandom(cfg.seed());
        Path tree = work.resolve("tree");
        List<Path> originals = images(data);
        if (cfg.originals() > 0 && originals.size() > cfg.originals()) {
            List<Path> some = new ArrayList<>(originals);
            shuffle(some, r);
            originals = some.subList(0, cfg.originals()).stream().sorted().toList();
        }
        List<Path> strangers = images(other);
        if (originals.size() < 3 * cfg.copiesPerKind() + 10) throw new IllegalArgumentException("too few images in " + data);
        if (strangers.size() < cfg.unrelated()) throw new IllegalArgumentException("too few images in " + other);
        // the tree: every original, then the planted copies and strangers
        Map<String, String> copyOf = new HashMap<>(); // planted rel path -> original rel path
        Map<String, Kind> kindOf = new HashMap<>();
        for (Path p : originals) {
            Path to = tree.resolve("orig").resolve(data.relativize(p).toString());
            Files.createDirectories(to.getParent());
            Files.copy(p, to);
        }
        List<Path> shuffled = new ArrayList<>(originals);
        shuffle(shuffled, r);
        int next = 0;
        for (Kind k : Kind.values()) {
            for (int i = 0; i < cfg.copiesPerKind(); i++) {
                Path src = shuffled.get(next++);
                BufferedImage img = decode(src);
                String rel = "planted/" + k.name().toLowerCase() + "/" + i + (k == Kind.RECOMPRESSED ? ".jpg" : ".png");
                Path to = tree.resolve(rel);
                Files.createDirectories(to.getParent());
                switch (k) {
                    case RESIZED -> ImageIO.write(resize(img, 0.5), "png", to.toFile());
                    case RECOMPRESSED -> jpeg(img, to, 0.5f);
                    case CROPPED -> ImageIO.write(crop(img, 0.8, r), "png", to.toFile());
                }
                copyOf.put(rel, "orig/" + data.relativize(src).toString().replace('\\', '/'));
                kindOf.put(rel, k);
            }
        }
        // unrelated images: one per folder of OTHER in turn (so they are not all of one kind), then generated junk
        Map<Path, List<Path>> byFolder = new java.util.TreeMap<>();
        for (Path p : strangers) byFolder.computeIfAbsent(p.getParent(), k -> new ArrayList<>()).add(p);
        List<List<Path>> folders = new ArrayList<>(byFolder.values());
        for (List<Path> f : folders) shuffle(f, r);
        Set<String> planted = new HashSet<>();
        Set<String> junk = new HashSet<>();
        Files.createDirectories(tree.resolve("unrelated"));
        for (int i = 0; i < cfg.unrelated(); i++) {
            List<Path> f = folders.get(i % folders.size());
            Path src = f.get(i / folders.size());
            String rel = "unrelated/" + i + "-" + src.getFileName();
            Files.copy(src, tree.resolve(rel));
            planted.add(rel);
        }
        for (int i = 0; i < cfg.junk(); i++) {
            String rel = "unrelated/junk-" + i + ".png";
            ImageIO.write(junk(i, r), "png", tree.resolve(rel).toFile());
            junk.add(rel);
        }

        try (ProjectStore store = ProjectStore.open(work.resolve("bench.loupe"), true)) {
            store.setSetting(ProjectBackbone.SETTING, cfg.backboneSpec());
            StoreImportSink.importInto(store, ImportOptions.of(tree.toAbsolutePath().normalize()).withThreads(cfg.threads()));
            ProjectVectors v = ProjectVectors.load(store, cfg.threads(), dev.loupe.importing.Embedder.Listener.NONE,
                    ProjectVectors.Use.REPEATEDLY);
            Map<Long, String> relOf = new HashMap<>();
            for (ImageRecord im : store.images()) relOf.put(im.id(), im.relPath());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("images", v.size());
            out.put("originals", originals.size());
            out.put("copies_per_kind", cfg.copiesPerKind());
            out.put("unrelated", cfg.unrelated());
            out.put("junk", cfg.junk());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (double t : cfg.thresholds()) {
                long t0 = System.nanoTime();
                List<NearDuplicates.Group> groups = NearDuplicates.find(v, t, () -> false);
                double secs = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("method", "embedding");
                row.putAll(scoreGroups(groups, relOf, copyOf, kindOf, t, secs));
                rows.add(row);
            }
            LongFunction<Path> thumbs = ProjectVectors.thumbnails(store);
            for (double c : cfg.candidates()) for (double mt : cfg.matches()) for (double ratio : cfg.ratios()) {
                long t0 = System.nanoTime();
                NearDuplicates.PixelCheck check = new NearDuplicates.PixelCheck(id -> PixelPrint.read(thumbs.apply(id)), c, mt, ratio);
                List<NearDuplicates.Group> groups = NearDuplicates.find(v, NearDuplicates.DEFAULT_THRESHOLD,
                        check, () -> false, p -> { });
                double secs = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("method", "pixels");
                row.put("candidate_threshold", c);
                row.put("match_threshold", mt);
                row.put("look_alike_ratio", ratio);
                row.putAll(scoreGroups(groups, relOf, copyOf, kindOf, NearDuplicates.DEFAULT_THRESHOLD, secs));
                rows.add(row);
            }
            out.put("duplicates", rows);
            if (Boolean.getBoolean("loupe.bench.pairs")) {
                // diagnostics: pixel match and embedding similarity of each true pair, and of the false pairs of the last row
                Map<String, Long> idOf = new HashMap<>();
                relOf.forEach((id, rel) -> idOf.put(rel, id));
                Map<Long, Integer> row = new HashMap<>();
                for (int i = 0; i < v.ids().length; i++) row.put(v.ids()[i], i);
                for (Map.Entry<String, String> e : copyOf.entrySet()) {
                    long a = idOf.get(e.getKey());
                    long b = idOf.get(e.getValue());
                    System.err.printf("TRUE %s %.3f %s%n", kindOf.get(e.getKey()), PixelPrint.match(PixelPrint.read(thumbs.apply(a)), PixelPrint.read(thumbs.apply(b))), e.getKey());
                }
                @SuppressWarnings("unchecked")
                List<String> fp = (List<String>) rows.get(rows.size() - 1).get("false_pairs");
                for (String p : fp) {
                    String[] ab = p.split("\\|");
                    long a = idOf.get(ab[0]);
                    long b = idOf.get(ab[1]);
                    System.err.printf("FALSE %.3f %s%n", PixelPrint.match(PixelPrint.read(thumbs.apply(a)), PixelPrint.read(thumbs.apply(b))), p);
                }
            }
            List<Map<String, Object>> outl = new ArrayList<>();
            for (Outliers.Metric metric : Outliers.Metric.values()) for (int k : cfg.ks()) {
                long t0 = System.nanoTime();
                Outliers.Result o = Outliers.find(v, k, Outliers.DEFAULT_Z, cfg.seed(), metric, () -> false);
                double secs = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("metric", metric.name().toLowerCase());
                row.put("k", k);
                row.putAll(scoreOutliers(o, relOf, planted, junk, secs));
                outl.add(row);
            }
            out.put("outliers", outl);
            // a pixel statistic beside the kNN score: images that show almost nothing (low grey-level entropy)
            Map<Long, Double> entropy = new HashMap<>();
            for (long id : v.ids()) {
                PixelPrint p = PixelPrint.read(thumbs.apply(id));
                if (p != null) entropy.put(id, p.entropyBits());
            }
            Outliers.Result base = Outliers.find(v, Outliers.DEFAULT_K, Outliers.DEFAULT_Z, cfg.seed(), Outliers.Metric.EUCLIDEAN, () -> false);
            Set<Long> knn = new HashSet<>();
            for (Outliers.Scored sc : base.outliers()) knn.add(sc.id());
            List<Map<String, Object>> low = new ArrayList<>();
            for (double bits : List.of(0.5, 1.0, 1.5)) {
                for (boolean union : List.of(false, true)) {
                    List<Outliers.Scored> flagged = new ArrayList<>();
                    for (Outliers.Scored sc : base.scores()) {
                        boolean lowDetail = entropy.getOrDefault(sc.id(), 99.0) < bits;
                        flagged.add(new Outliers.Scored(sc.id(), sc.score(), lowDetail || (union && knn.contains(sc.id()))));
                    }
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("entropy_below", bits);
                    row.put("with_knn", union);
                    row.putAll(scoreOutliers(new Outliers.Result(flagged, base.threshold(), base.logMedian(), base.logMad()), relOf, planted, junk, 0));
                    low.add(row);
                }
            }
            out.put("low_detail", low);
            // how the images look (PixelPrint.looks): alone, and joined with the model's view (the product's check)
            List<Long> withPrint = new ArrayList<>();
            List<double[]> looks = new ArrayList<>();
            for (long id : v.ids()) {
                PixelPrint p = PixelPrint.read(thumbs.apply(id));
                if (p != null) {
                    withPrint.add(id);
                    looks.add(p.looks());
                }
            }
            long[] lid = withPrint.stream().mapToLong(Long::longValue).toArray();
            float[][] lv = Outliers.standardised(looks.toArray(new double[0][]));
            List<Map<String, Object>> lk = new ArrayList<>();
            for (int k : cfg.ks()) {
                for (double z : List.of(3.0, 3.5, 4.0, 4.5, 5.0, 6.0)) {
                    long t0 = System.nanoTime();
                    Outliers.Result byLooks = Outliers.find(lid, lv, k, z, cfg.seed(), () -> false);
                    Outliers.Result byModel = Outliers.find(v, k, Outliers.DEFAULT_Z, cfg.seed(), Outliers.Metric.EUCLIDEAN, () -> false);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    for (boolean join : List.of(false, true)) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("looks", join ? "joined with the model's view" : "alone");
                        row.put("k", k);
                        row.put("z", z);
                        row.putAll(scoreOutliers(join ? Outliers.combined(byModel, Outliers.DEFAULT_Z, byLooks, z) : byLooks, relOf, planted, junk, secs));
                        lk.add(row);
                    }
                }
            }
            out.put("looks", lk);
            return out;
        }
    }

    static Map<String, Object> scoreGroups(List<NearDuplicates.Group> groups, Map<Long, String> relOf, Map<String, String> copyOf,
                                           Map<String, Kind> kindOf, double threshold, double seconds) {
        Set<String> predicted = new HashSet<>();
        for (NearDuplicates.Group g : groups) {
            for (int i = 0; i < g.ids().size(); i++) {
                for (int j = i + 1; j < g.ids().size(); j++) predicted.add(pair(relOf.get(g.ids().get(i)), relOf.get(g.ids().get(j))));
            }
        }
        // a true pair: a copy with its original, or two copies of one original
        Map<String, List<String>> family = new HashMap<>();
        for (Map.Entry<String, String> e : copyOf.entrySet()) {
            family.computeIfAbsent(e.getValue(), k -> new ArrayList<>(List.of(k))).add(e.getKey());
        }
        Set<String> truth = new HashSet<>();
        for (List<String> f : family.values()) {
            for (int i = 0; i < f.size(); i++) for (int j = i + 1; j < f.size(); j++) truth.add(pair(f.get(i), f.get(j)));
        }
        int hit = 0;
        int withPlanted = 0;
        List<String> falsePairs = new ArrayList<>();
        for (String p : predicted) {
            if (truth.contains(p)) hit++;
            else falsePairs.add(p.replace('\n', '|'));
            // pairs involving a planted copy: the precision that the collection's own near-copies do not cloud
            String[] ab = p.split("\n");
            if (copyOf.containsKey(ab[0]) || copyOf.containsKey(ab[1])) withPlanted++;
        }
        falsePairs.sort(null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("threshold", threshold);
        m.put("groups", groups.size());
        m.put("predicted_pairs", predicted.size());
        m.put("true_pairs", truth.size());
        m.put("pair_precision", predicted.isEmpty() ? null : (double) hit / predicted.size());
        m.put("pair_recall", truth.isEmpty() ? null : (double) hit / truth.size());
        m.put("pair_precision_planted", withPlanted == 0 ? null : (double) hit / withPlanted);
        for (Kind k : Kind.values()) {
            int n = 0;
            int found = 0;
            for (Map.Entry<String, String> e : copyOf.entrySet()) {
                if (kindOf.get(e.getKey()) != k) continue;
                n++;
                if (predicted.contains(pair(e.getKey(), e.getValue()))) found++;
            }
            m.put("recall_" + k.name().toLowerCase(), n == 0 ? null : (double) found / n);
        }
        m.put("seconds", seconds);
        // what the false pairs are, to look at (a few)
        m.put("false_pairs", Boolean.getBoolean("loupe.bench.pairs") ? falsePairs : falsePairs.subList(0, Math.min(40, falsePairs.size())));
        return m;
    }

    static Map<String, Object> scoreOutliers(Outliers.Result o, Map<Long, String> relOf, Set<String> unrelated, Set<String> junk,
                                             double seconds) {
        Set<String> planted = new HashSet<>(unrelated);
        planted.addAll(junk);
        int flagged = o.outliers().size();
        int hit = 0;
        int hitUnrelated = 0;
        int hitJunk = 0;
        for (Outliers.Scored s : o.outliers()) {
            String rel = relOf.get(s.id());
            if (planted.contains(rel)) hit++;
            if (unrelated.contains(rel)) hitUnrelated++;
            if (junk.contains(rel)) hitJunk++;
        }
        int topHit = 0;
        for (int i = 0; i < Math.min(planted.size(), o.scores().size()); i++) {
            if (planted.contains(relOf.get(o.scores().get(i).id()))) topHit++;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("flagged", flagged);
        m.put("planted", planted.size());
        m.put("precision", flagged == 0 ? null : (double) hit / flagged);
        m.put("recall", planted.isEmpty() ? null : (double) hit / planted.size());
        m.put("recall_unrelated", unrelated.isEmpty() ? null : (double) hitUnrelated / unrelated.size());
        m.put("recall_junk", junk.isEmpty() ? null : (double) hitJunk / junk.size());
        m.put("precision_at_planted", planted.isEmpty() ? null : (double) topHit / planted.size());
        m.put("threshold", o.threshold());
        m.put("seconds", seconds);
        return m;
    }

    /** Junk of four kinds in turn: noise, a flat colour, stripes, a gradient. */
    static BufferedImage junk(int i, SplittableRandom r) {
        int w = 64 + r.nextInt(192);
        int h = 64 + r.nextInt(192);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int c1 = r.nextInt(1 << 24);
        int c2 = r.nextInt(1 << 24);
        int period = 4 + r.nextInt(20);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = switch (i % 4) {
                    case 0 -> r.nextInt(1 << 24);
                    case 1 -> c1;
                    case 2 -> (x / period) % 2 == 0 ? c1 : c2;
                    default -> {
                        int g = 255 * (x + y) / (w + h);
                        yield (g << 16) | ((255 - g) << 8) | (c1 & 0xff);
                    }
                };
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    private static String pair(String a, String b) {
        return a.compareTo(b) < 0 ? a + "\n" + b : b + "\n" + a;
    }

    private static List<Path> images(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase();
                return !n.startsWith(".") && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
            }).sorted().toList();
        }
    }

    private static BufferedImage decode(Path p) {
        try {
            BufferedImage img = ImageIO.read(p.toFile());
            if (img == null) throw new IllegalStateException("cannot decode " + p);
            BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = rgb.createGraphics();
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.drawImage(img, 0, 0, null);
            g.dispose();
            return rgb;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BufferedImage resize(BufferedImage img, double f) {
        int w = Math.max(1, (int) Math.round(img.getWidth() * f));
        int h = Math.max(1, (int) Math.round(img.getHeight() * f));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    /** A random window of {@code share} of each side. */
    static BufferedImage crop(BufferedImage img, double share, SplittableRandom r) {
        int w = Math.max(1, (int) Math.round(img.getWidth() * share));
        int h = Math.max(1, (int) Math.round(img.getHeight() * share));
        int x = r.nextInt(img.getWidth() - w + 1);
        int y = r.nextInt(img.getHeight() - h + 1);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(img.getSubimage(x, y, w, h), 0, 0, null);
        g.dispose();
        return out;
    }

    static void jpeg(BufferedImage img, Path to, float quality) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream os = ImageIO.createImageOutputStream(to.toFile())) {
            w.setOutput(os);
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
    }

    private static <T> void shuffle(List<T> l, SplittableRandom r) {
        for (int i = l.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = l.get(i);
            l.set(i, l.get(j));
            l.set(j, t);
        }
    }
}
