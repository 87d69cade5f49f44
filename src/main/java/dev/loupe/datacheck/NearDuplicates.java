package dev.loupe.datacheck;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import java.util.function.LongFunction;

/**
 * Near-duplicate images by embedding: groups in which every pair's (centred) cosine similarity reaches a threshold
 * (complete linkage over each image's {@link #MAX_NEIGHBOURS} most similar, merged most similar first with
 * union-find). In a collection of look-alikes (Fashion-MNIST) plain threshold edges chained thousands of images
 * into one group; complete linkage cannot chain. Catches resized and recompressed copies that the import's
 * byte-level dedup cannot; all pairs are compared, O(N²·D) by blocks of GEMM.
 */
public final class NearDuplicates {

    /** Default similarity threshold (measured by {@code loupe bench duplicates}, docs/BENCHMARKS.md). */
    public static final double DEFAULT_THRESHOLD = 0.95;
    /** Candidate pairs: each image's most similar images at or above the threshold, at most this many. */
    static final int MAX_NEIGHBOURS = 5;

    /** One group: image ids (ascending), the least embedding similarity of two of its images, and the least pixel
     *  match of two of them (NaN when the group was not checked by pixels). */
    public record Group(List<Long> ids, double minSimilarity, double minPixelMatch) {
        public Group {
            ids = List.copyOf(ids);
        }

        public Group(List<Long> ids, double minSimilarity) {
            this(ids, minSimilarity, Double.NaN);
        }
    }

    /**
     * The pixel check (ADR 0035): candidate pairs come from each image's {@link #MAX_CANDIDATES} most similar
     * embeddings at or above {@code candidateThreshold}, and a pair counts as a copy when the two images' prints
     * {@link PixelPrint#match} at {@code matchThreshold} or more. A pair with an image without a print (no
     * thumbnail) falls back to the embedding rule (similarity at or above the search's threshold).
     *
     * @param prints an image's print by id, or null when it has none; called from several of the search's threads
     *               at once (a {@link PixelPrint} may be handed to several threads: it is safe to share)
     */
    public record PixelCheck(LongFunction<PixelPrint> prints, double candidateThreshold, double matchThreshold,
                             double lookAlikeRatio) {
        /** Defaults measured by {@code loupe bench duplicates} (docs/BENCHMARKS.md). */
        public static final double DEFAULT_CANDIDATE = 0.50;
        public static final double DEFAULT_MATCH = 0.90;
        public static final double DEFAULT_RATIO = 0.20;

        public PixelCheck(LongFunction<PixelPrint> prints, double candidateThreshold, double matchThreshold) {
            this(prints, candidateThreshold, matchThreshold, DEFAULT_RATIO);
        }

        public static PixelCheck of(LongFunction<PixelPrint> prints) {
            return new PixelCheck(prints, DEFAULT_CANDIDATE, DEFAULT_MATCH, DEFAULT_RATIO);
        }
    }

    /** Candidates an image needs for its look-alike level to be judged (fewer: the absolute match threshold alone). */
    static final int MIN_LOOK_ALIKES = 5;

    /**
     * Prints held in memory at once by a search: ~10 kB each, so 4,000 are ~40 MB of heap (20,000 were ~200 MB, which
     * set the app's heap limit on 100,000 images; ADR 0040). Candidates are scattered, so a bigger cache hit little more.
     */
    static final int MAX_PRINTS = 4_000;
    /** Candidate pairs per image when pixels check them. */
    static final int MAX_CANDIDATES = 10;
    /** Rows a pixel-check thread takes at a time (neighbouring rows share no prints, a row's own print is reused). */
    private static final int ROWS_PER_TASK = 64;

    private NearDuplicates() {
    }

    /** Groups of two or more rows by embedding alone, largest first; null if cancelled. */
    public static List<Group> find(long[] ids, float[][] vectors, double threshold, BooleanSupplier cancel) {
        return find(ids, vectors, threshold, null, cancel, p -> { });
    }

    /**
     * Groups of two or more rows, largest first; null if cancelled. With {@code pixels} null a pair is a copy when
     * its embedding similarity reaches {@code threshold}; otherwise as {@link PixelCheck} says. {@code progress}
     * receives the share done (0..1) from the search's thread.
     */
    public static List<Group> find(long[] ids, float[][] vectors, double threshold, PixelCheck pixels,
                                   BooleanSupplier cancel, DoubleConsumer progress) {
        try (Similarities sims = Similarities.of(vectors)) {
            return find(ids, sims, threshold, pixels, cancel, progress, defaultWorkers());
        }
    }

    /** Groups by embedding alone on the project's native rows, largest first; null if cancelled. */
    public static List<Group> find(ProjectVectors v, double threshold, BooleanSupplier cancel) {
        return find(v, threshold, null, cancel, p -> { });
    }

    /** As above on the project's native rows (no heap copy of the embeddings). */
    public static List<Group> find(ProjectVectors v, double threshold, PixelCheck pixels, BooleanSupplier cancel,
                                   DoubleConsumer progress) {
        try (Similarities sims = v.similarities(true)) {
            return find(v.ids(), sims, threshold, pixels, cancel, progress, defaultWorkers());
        }
    }

    /** As {@link #find(long[], float[][], double, PixelCheck, BooleanSupplier, DoubleConsumer)} with the pixel check
     *  on {@code workers} threads (the result does not depend on how many). */
    static List<Group> find(long[] ids, float[][] vectors, double threshold, PixelCheck pixels, BooleanSupplier cancel,
                            DoubleConsumer progress, int workers) {
        try (Similarities sims = Similarities.of(vectors)) {
            return find(ids, sims, threshold, pixels, cancel, progress, workers);
        }
    }

    private static int defaultWorkers() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    private static List<Group> find(long[] ids, Similarities sims, double threshold, PixelCheck pixels,
                                    BooleanSupplier cancel, DoubleConsumer progress, int workers) {
        int n = ids.length;
        double candidate = pixels == null ? threshold : Math.min(threshold, pixels.candidateThreshold());
        int maxNear = pixels == null ? MAX_NEIGHBOURS : MAX_CANDIDATES;
        // each row's most similar rows at or above the candidate threshold, most similar first
        int[][] near = new int[n][];
        float[][] nearSim = new float[n][];
        double searchShare = pixels == null ? 1.0 : 0.3;
        boolean done = sims.forEachBlock(null, (from, to, s, cols) -> {
            for (int i = from; i < to; i++) {
                int off = (i - from) * cols;
                int[] top = new int[maxNear];
                float[] topSim = new float[maxNear];
                int count = 0;
                for (int j = 0; j < cols; j++) {
                    float v = s.get(off + j);
                    if (j == i || v < candidate) continue;
                    if (count < maxNear) count++;
                    else if (v <= topSim[count - 1]) continue;
                    int at = count - 1;
                    while (at > 0 && topSim[at - 1] < v) {
                        top[at] = top[at - 1];
                        topSim[at] = topSim[at - 1];
                        at--;
                    }
                    top[at] = j;
                    topSim[at] = v;
                }
                near[i] = java.util.Arrays.copyOf(top, count);
                nearSim[i] = java.util.Arrays.copyOf(topSim, count);
            }
            progress.accept(searchShare * to / Math.max(1, n));
        }, cancel);
        if (!done) return null;
        Linker link = new Linker(ids, sims, threshold, pixels);
        if (pixels != null) {
            // each image's look-alike level: the median pixel match with its candidates. In a collection of
            // look-alikes (28-px garments) unrelated neighbours match at 0.95 and a copy must beat that by far
            double[][] matches = CandidateMatches.compute(ids, near, pixels, workers, cancel,
                    share -> progress.accept(searchShare + (1 - searchShare) * share));
            if (matches == null) return null;
            link.candidates(near, matches);
            for (int i = 0; i < n; i++) {
                if (near[i].length < MIN_LOOK_ALIKES) continue;
                double[] m = new double[near[i].length];
                int k = 0;
                for (double v : matches[i]) if (!Double.isNaN(v)) m[k++] = v;
                if (k >= MIN_LOOK_ALIKES) link.lookAlike[i] = DriftTest.median(java.util.Arrays.copyOf(m, k));
            }
        }
        // the candidate pairs that are copies, best first
        List<double[]> pairs = new ArrayList<>();
        int total = 0;
        for (int[] a : near) total += a.length;
        int seen = 0;
        for (int i = 0; i < n; i++) {
            if (cancel.getAsBoolean()) return null;
            for (int t = 0; t < near[i].length; t++) {
                int j = near[i][t];
                if (i < j || !contains(near[j], i)) {
                    double score = link.score(i, j);
                    if (!Double.isNaN(score)) pairs.add(new double[] {score, Math.min(i, j), Math.max(i, j)});
                }
            }
            seen += near[i].length;
            if (pixels == null && (i & 63) == 0) progress.accept(searchShare + (1 - searchShare) * seen / Math.max(1, total));
        }
        pairs.sort((x, y) -> Double.compare(y[0], x[0]));
        // complete linkage over the copy pairs, best first: two groups merge only when every image of one is a copy
        // of every image of the other, so look-alikes cannot chain into one group
        int[] parent = new int[n];
        List<List<Integer>> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parent[i] = i;
            members.add(null);
        }
        double[] minSim = new double[n];
        double[] minPix = new double[n];
        java.util.Arrays.fill(minSim, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(minPix, Double.POSITIVE_INFINITY);
        for (double[] p : pairs) {
            if (cancel.getAsBoolean()) return null;
            int a = root(parent, (int) p[1]);
            int b = root(parent, (int) p[2]);
            if (a == b) continue;
            List<Integer> ma = members.get(a) == null ? List.of(a) : members.get(a);
            List<Integer> mb = members.get(b) == null ? List.of(b) : members.get(b);
            double least = Double.POSITIVE_INFINITY;
            double leastPix = Double.POSITIVE_INFINITY;
            boolean all = true;
            for (int x : ma) {
                for (int y : mb) {
                    if (Double.isNaN(link.score(x, y))) {
                        all = false;
                        break;
                    }
                    least = Math.min(least, sims.dot(x, y));
                    leastPix = Math.min(leastPix, link.pixel(x, y));
                }
                if (!all) break;
            }
            if (!all) continue;
            int keep = Math.min(a, b);
            List<Integer> merged = new ArrayList<>(ma);
            merged.addAll(mb);
            parent[Math.max(a, b)] = keep;
            members.set(keep, merged);
            members.set(Math.max(a, b), null);
            minSim[keep] = Math.min(least, Math.min(minSim[a], minSim[b]));
            minPix[keep] = Math.min(leastPix, Math.min(minPix[a], minPix[b]));
        }
        Map<Integer, List<Long>> byRoot = new HashMap<>();
        for (int i = 0; i < n; i++) byRoot.computeIfAbsent(root(parent, i), k -> new ArrayList<>()).add(ids[i]);
        List<Group> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Long>> e : byRoot.entrySet()) {
            if (e.getValue().size() < 2) continue;
            List<Long> g = new ArrayList<>(e.getValue());
            g.sort(null);
            double pix = minPix[e.getKey()];
            out.add(new Group(g, minSim[e.getKey()], pixels == null || Double.isInfinite(pix) ? Double.NaN : pix));
        }
        out.sort(Comparator.comparingInt((Group g) -> -g.ids().size()).thenComparingLong(g -> g.ids().get(0)));
        progress.accept(1.0);
        return out;
    }

    /** Decides whether two rows are copies, remembering the pixel matches it computed. */
    private static final class Linker {
        private final long[] ids;
        private final Similarities sims;
        private final double threshold;
        private final PixelCheck pixels;
        /** Prints read lately, for pairs that were not candidates (complete linkage checks every pair of a group). */
        private final Prints prints;
        private final PairMatches matches = new PairMatches();
        /** Each row's candidates and their pixel matches (aligned), once {@link #candidates} has them. */
        private int[][] near;
        private double[][] nearMatches;
        /** Each row's median pixel match with its candidates (NaN: too few to tell). */
        final double[] lookAlike;

        Linker(long[] ids, Similarities sims, double threshold, PixelCheck pixels) {
            this.lookAlike = new double[ids.length];
            java.util.Arrays.fill(lookAlike, Double.NaN);
            this.ids = ids;
            this.sims = sims;
            this.threshold = threshold;
            this.pixels = pixels;
            this.prints = pixels == null ? null : new Prints(pixels.prints(), MAX_PRINTS);
        }

        /** The pair's score when it is a copy (the pixel match, else the embedding similarity); NaN when not. */
        double score(int i, int j) {
            double sim = sims.dot(i, j);
            if (pixels == null) return sim >= threshold ? sim : Double.NaN;
            if (sim < pixels.candidateThreshold()) return Double.NaN;
            double m = pixel(i, j);
            if (Double.isNaN(m)) return sim >= threshold ? sim : Double.NaN;
            if (m < pixels.matchThreshold()) return Double.NaN;
            // a copy is much closer in pixels than the image's usual look-alikes: 1 - m <= ratio × (1 - look-alike)
            for (int r : new int[] {i, j}) {
                if (!Double.isNaN(lookAlike[r]) && 1 - m > pixels.lookAlikeRatio() * (1 - lookAlike[r])) return Double.NaN;
            }
            return m;
        }

        /** The pixel matches of every row with its candidates, computed beforehand ({@link CandidateMatches}). */
        void candidates(int[][] near, double[][] nearMatches) {
            this.near = near;
            this.nearMatches = nearMatches;
        }

        /** The pixel match of two rows; NaN when either has no print or there is no pixel check. */
        double pixel(int i, int j) {
            if (pixels == null) return Double.NaN;
            if (near != null) {
                for (int t = 0; t < near[i].length; t++) if (near[i][t] == j) return nearMatches[i][t];
                for (int t = 0; t < near[j].length; t++) if (near[j][t] == i) return nearMatches[j][t];
            }
            int lo = Math.min(i, j);
            int hi = Math.max(i, j);
            long key = (long) lo * ids.length + hi;
            double m = matches.get(key);
            if (m == PairMatches.ABSENT) {
                PixelPrint a = print(lo);
                PixelPrint b = print(hi);
                m = a == null || b == null ? Double.NaN : PixelPrint.match(a, b);
                matches.put(key, m);
            }
            return m;
        }

        private PixelPrint print(int i) {
            return prints.get(ids[i]);
        }
    }

    /**
     * The pixel match of every candidate pair, on several threads: each pair once (its rows in ascending order, so
     * the result does not depend on which thread or row came first), each thread with its own bounded print cache.
     * The search's thread reports progress and watches for cancelling meanwhile.
     */
    static final class CandidateMatches {
        /** Marks a pair that its other row computes. */
        private static final double MIRRORED = Double.NEGATIVE_INFINITY;

        private CandidateMatches() {
        }

        /** {@code out[i][t]}: the match of row i with {@code near[i][t]}; null if cancelled. */
        static double[][] compute(long[] ids, int[][] near, PixelCheck pixels, int workers, BooleanSupplier cancel,
                                  DoubleConsumer progress) {
            int n = near.length;
            double[][] out = new double[n][];
            long total = 0;
            for (int i = 0; i < n; i++) {
                out[i] = new double[near[i].length];
                total += near[i].length;
            }
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            int threads = Math.max(1, Math.min(workers, (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK));
            java.util.concurrent.atomic.AtomicInteger named = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "loupe-pixel-check-" + named.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            try {
                List<java.util.concurrent.Future<?>> running = new ArrayList<>();
                for (int w = 0; w < threads; w++) {
                    running.add(pool.submit(() -> {
                        Prints prints = new Prints(pixels.prints(), Math.max(1, MAX_PRINTS / threads));
                        for (int from; !stop.get() && (from = next.getAndAdd(ROWS_PER_TASK)) < n; ) {
                            for (int i = from; i < Math.min(n, from + ROWS_PER_TASK) && !stop.get(); i++) {
                                for (int t = 0; t < near[i].length; t++) {
                                    int j = near[i][t];
                                    out[i][t] = i < j || !contains(near[j], i) ? match(prints, ids, i, j) : MIRRORED;
                                }
                                done.addAndGet(near[i].length);
                            }
                        }
                    }));
                }
                for (java.util.concurrent.Future<?> f : running) {
                    while (true) {
                        if (cancel.getAsBoolean()) {
                            stop.set(true);
                            return null;
                        }
                        try {
                            f.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                            break;
                        } catch (java.util.concurrent.TimeoutException e) {
                            progress.accept((double) done.get() / Math.max(1, total));
                        }
                    }
                }
            } catch (InterruptedException e) {
                stop.set(true);
                Thread.currentThread().interrupt();
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                stop.set(true);
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            } finally {
                pool.shutdownNow();
            }
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < near[i].length; t++) {
                    if (out[i][t] != MIRRORED) continue;
                    int j = near[i][t];
                    for (int u = 0; u < near[j].length; u++) if (near[j][u] == i) out[i][t] = out[j][u];
                }
            }
            progress.accept(1.0);
            return out;
        }

        private static double match(Prints prints, long[] ids, int i, int j) {
            PixelPrint a = prints.get(ids[Math.min(i, j)]);
            PixelPrint b = prints.get(ids[Math.max(i, j)]);
            return a == null || b == null ? Double.NaN : PixelPrint.match(a, b);
        }
    }

    /** Prints read lately by one thread, at most {@code max} (a few kB each; a large project's would not fit). */
    private static final class Prints {
        private final LongFunction<PixelPrint> source;
        private final Map<Long, PixelPrint> held;

        Prints(LongFunction<PixelPrint> source, int max) {
            this.source = source;
            this.held = new java.util.LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, PixelPrint> e) { return size() > max; }
            };
        }

        PixelPrint get(long id) {
            if (!held.containsKey(id)) held.put(id, source.apply(id));
            return held.get(id);
        }
    }

    /** Pixel matches by pair key, open addressing on primitive arrays (a boxed map held ~80 bytes a pair). */
    private static final class PairMatches {
        static final double ABSENT = Double.NEGATIVE_INFINITY;
        private long[] keys = new long[1024];
        private double[] values = new double[1024];
        private boolean[] used = new boolean[1024];
        private int size;

        double get(long key) {
            int mask = keys.length - 1;
            for (int at = slot(key, mask); used[at]; at = (at + 1) & mask) if (keys[at] == key) return values[at];
            return ABSENT;
        }

        void put(long key, double value) {
            if (2 * (size + 1) > keys.length) grow();
            int mask = keys.length - 1;
            int at = slot(key, mask);
            while (used[at] && keys[at] != key) at = (at + 1) & mask;
            if (!used[at]) size++;
            used[at] = true;
            keys[at] = key;
            values[at] = value;
        }

        private static int slot(long key, int mask) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32)) & mask;
        }

        private void grow() {
            long[] k = keys;
            double[] v = values;
            boolean[] u = used;
            keys = new long[k.length * 2];
            values = new double[k.length * 2];
            used = new boolean[k.length * 2];
            size = 0;
            for (int i = 0; i < k.length; i++) if (u[i]) put(k[i], v[i]);
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }

    private static int root(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }
}
