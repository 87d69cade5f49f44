package dev.loupe.datacheck;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

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

    /** One group: image ids (ascending) and the least similarity of a joining pair. */
    public record Group(List<Long> ids, double minSimilarity) {
        public Group {
            ids = List.copyOf(ids);
        }
    }

    private NearDuplicates() {
    }

    /** Groups of two or more rows, largest first; null if cancelled. */
    public static List<Group> find(long[] ids, float[][] vectors, double threshold, BooleanSupplier cancel) {
        int n = ids.length;
        // each row's most similar rows at or above the threshold, at most MAX_NEIGHBOURS, most similar first
        int[][] near = new int[n][];
        float[][] nearSim = new float[n][];
        Similarities sims = Similarities.of(vectors);
        boolean done = sims.forEachBlock(null, (from, to, s, cols) -> {
            for (int i = from; i < to; i++) {
                int off = (i - from) * cols;
                int[] top = new int[MAX_NEIGHBOURS];
                float[] topSim = new float[MAX_NEIGHBOURS];
                int count = 0;
                for (int j = 0; j < cols; j++) {
                    float v = s[off + j];
                    if (j == i || v < threshold) continue;
                    if (count < MAX_NEIGHBOURS) count++;
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
        }, cancel);
        if (!done) return null;
        // complete linkage over the candidate pairs, most similar first: two groups merge only when every image of
        // one is at or above the threshold with every image of the other, so look-alikes cannot chain into one group
        List<long[]> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < near[i].length; t++) {
                int j = near[i][t];
                if (i < j || !contains(near[j], i)) pairs.add(new long[] {Float.floatToIntBits(nearSim[i][t]), Math.min(i, j), Math.max(i, j)});
            }
        }
        pairs.sort((x, y) -> Float.compare(Float.intBitsToFloat((int) y[0]), Float.intBitsToFloat((int) x[0])));
        int[] parent = new int[n];
        List<List<Integer>> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parent[i] = i;
            members.add(null);
        }
        double[] minSim = new double[n];
        java.util.Arrays.fill(minSim, Double.POSITIVE_INFINITY);
        for (long[] p : pairs) {
            int a = root(parent, (int) p[1]);
            int b = root(parent, (int) p[2]);
            if (a == b) continue;
            List<Integer> ma = members.get(a) == null ? List.of(a) : members.get(a);
            List<Integer> mb = members.get(b) == null ? List.of(b) : members.get(b);
            double least = Double.POSITIVE_INFINITY;
            for (int x : ma) {
                for (int y : mb) least = Math.min(least, sims.dot(x, y));
            }
            if (least < threshold) continue;
            int keep = Math.min(a, b);
            List<Integer> merged = new ArrayList<>(ma);
            merged.addAll(mb);
            parent[Math.max(a, b)] = keep;
            members.set(keep, merged);
            members.set(Math.max(a, b), null);
            minSim[keep] = Math.min(least, Math.min(minSim[a], minSim[b]));
        }
        Map<Integer, List<Long>> byRoot = new HashMap<>();
        for (int i = 0; i < n; i++) byRoot.computeIfAbsent(root(parent, i), k -> new ArrayList<>()).add(ids[i]);
        List<Group> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Long>> e : byRoot.entrySet()) {
            if (e.getValue().size() < 2) continue;
            List<Long> g = new ArrayList<>(e.getValue());
            g.sort(null);
            out.add(new Group(g, minSim[e.getKey()]));
        }
        out.sort(Comparator.comparingInt((Group g) -> -g.ids().size()).thenComparingLong(g -> g.ids().get(0)));
        return out;
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
