package dev.loupe.datacheck;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Near-duplicate images by embedding: every pair whose (centred) cosine similarity reaches a threshold is joined,
 * and groups are the connected components (union-find). Catches resized and recompressed copies that the import's
 * byte-level dedup cannot; all pairs are compared, O(N²·D) by blocks of GEMM.
 */
public final class NearDuplicates {

    /** Default similarity threshold (measured by {@code loupe bench duplicates}, docs/BENCHMARKS.md). */
    public static final double DEFAULT_THRESHOLD = 0.95;

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
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) parent[i] = i;
        double[] minSim = new double[n];
        java.util.Arrays.fill(minSim, Double.POSITIVE_INFINITY);
        Similarities sims = Similarities.of(vectors);
        boolean done = sims.forEachBlock(null, (from, to, s, cols) -> {
            for (int i = from; i < to; i++) {
                int off = (i - from) * cols;
                for (int j = i + 1; j < cols; j++) {
                    if (s[off + j] >= threshold) {
                        int a = root(parent, i);
                        int b = root(parent, j);
                        double sim = s[off + j];
                        double m = Math.min(sim, Math.min(minSim[a], minSim[b]));
                        if (a != b) parent[Math.max(a, b)] = Math.min(a, b);
                        minSim[Math.min(a, b)] = m;
                    }
                }
            }
        }, cancel);
        if (!done) return null;
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

    private static int root(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }
}
