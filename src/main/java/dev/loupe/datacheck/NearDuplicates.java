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
     * @param prints an image's print by id, or null when it has none; called from the search's thread only
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
            return find(ids, sims, threshold, pixels, cancel, progress);
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
            return find(v.ids(), sims, threshold, pixels, cancel, progress);
        }
    }

    private static List<Group> find(long[] ids, Similarities sims, double threshold, PixelCheck pixels,
                                    BooleanSupplier cancel, DoubleConsumer progress) {
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
            int total0 = 0;
            for (int[] a : near) total0 += a.length;
            int seen0 = 0;
            for (int i = 0; i < n; i++) {
                if (cancel.getAsBoolean()) return null;
                if (near[i].length >= MIN_LOOK_ALIKES) {
                    double[] m = new double[near[i].length];
                    int k = 0;
                    for (int j : near[i]) {
                        double v = link.pixel(i, j);
                        if (!Double.isNaN(v)) m[k++] = v;
                    }
                    if (k >= MIN_LOOK_ALIKES) link.lookAlike[i] = DriftTest.median(java.util.Arrays.copyOf(m, k));
                }
                seen0 += near[i].length;
                if ((i & 63) == 0) progress.accept(searchShare + (1 - searchShare) * seen0 / Math.max(1, total0));
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
        /** Prints read lately (a few kB each; bounded, as large projects would not fit). */
        private final Map<Long, PixelPrint> prints = new java.util.LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, PixelPrint> e) { return size() > MAX_PRINTS; }
        };
        private final PairMatches matches = new PairMatches();
        /** Each row's median pixel match with its candidates (NaN: too few to tell). */
        final double[] lookAlike;

        Linker(long[] ids, Similarities sims, double threshold, PixelCheck pixels) {
            this.lookAlike = new double[ids.length];
            java.util.Arrays.fill(lookAlike, Double.NaN);
            this.ids = ids;
            this.sims = sims;
            this.threshold = threshold;
            this.pixels = pixels;
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

        /** The pixel match of two rows; NaN when either has no print or there is no pixel check. */
        double pixel(int i, int j) {
            if (pixels == null) return Double.NaN;
            long key = (long) Math.min(i, j) * ids.length + Math.max(i, j);
            double m = matches.get(key);
            if (m == PairMatches.ABSENT) {
                PixelPrint a = print(i);
                PixelPrint b = print(j);
                m = a == null || b == null ? Double.NaN : PixelPrint.match(a, b);
                matches.put(key, m);
            }
            return m;
        }

        private PixelPrint print(int i) {
            long id = ids[i];
            if (!prints.containsKey(id)) prints.put(id, pixels.prints().apply(id));
            return prints.get(id);
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
