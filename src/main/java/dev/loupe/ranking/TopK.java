package dev.loupe.ranking;

import java.util.Arrays;

/** Orders rows by descending score with a partial sort: only the first K positions are fully sorted. */
public final class TopK {
    private TopK() {}

    /**
     * Writes the rows with {@code include[row]} into {@code out} (which must be large enough), highest score
     * first for the first {@code k}, the rest after them in no particular order. Ties break by row index; a NaN
     * score counts as lowest. {@code keys} is scratch of at least N longs. Returns the number of rows written.
     */
    public static int order(float[] score, int n, boolean[] exclude, int k, long[] keys, int[] out) {
        int m = 0;
        for (int row = 0; row < n; row++) {
            if (exclude != null && exclude[row]) continue;
            keys[m++] = key(score[row], row);
        }
        int kk = Math.min(k, m);
        if (kk > 0 && kk < m) select(keys, 0, m - 1, kk - 1);
        Arrays.sort(keys, 0, kk);
        for (int i = 0; i < m; i++) out[i] = (int) keys[i];
        return m;
    }

    /** Ascending key = descending score, then ascending row. */
    static long key(float s, int row) {
        if (Float.isNaN(s)) s = Float.NEGATIVE_INFINITY;
        int bits = Float.floatToIntBits(-s + 0f); // +0f folds -0 into +0
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) sortable << 32) | (row & 0xffffffffL);
    }

    /** Quickselect: afterwards a[lo..nth] hold the nth+1 smallest keys (unordered). */
    private static void select(long[] a, int lo, int hi, int nth) {
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            // median of three as pivot
            if (a[mid] < a[lo]) swap(a, mid, lo);
            if (a[hi] < a[lo]) swap(a, hi, lo);
            if (a[hi] < a[mid]) swap(a, hi, mid);
            long pivot = a[mid];
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) { swap(a, i, j); i++; j--; }
            }
            if (nth <= j) hi = j;
            else if (nth >= i) lo = i;
            else return;
        }
    }

    private static void swap(long[] a, int i, int j) { long t = a[i]; a[i] = a[j]; a[j] = t; }
}
