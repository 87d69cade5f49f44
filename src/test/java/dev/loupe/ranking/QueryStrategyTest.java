package dev.loupe.ranking;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class QueryStrategyTest {
    // row 0 confident, 1 close top-2 but fairly sure of them, 2 uniform, 3 moderately unsure, 4 top-2 gap 0.1 with low max
    private static final float[] P = {
            0.90f, 0.05f, 0.05f,
            0.50f, 0.45f, 0.05f,
            0.34f, 0.33f, 0.33f,
            0.60f, 0.20f, 0.20f,
            0.40f, 0.30f, 0.30f,
    };

    private static int[] order(QueryStrategy s, long seed) {
        int n = P.length / 3;
        float[] score = new float[n];
        for (int i = 0; i < n; i++) score[i] = s.score(P, i * 3, 3, i, seed);
        int[] out = new int[n];
        TopK.order(score, n, null, n, new long[n], out);
        return out;
    }

    @Test
    void marginAsksSmallestTopTwoGapFirst() {
        assertThat(order(QueryStrategy.MARGIN, 0)).containsExactly(2, 1, 4, 3, 0);
    }

    @Test
    void leastConfidenceAsksSmallestMaxFirst() {
        assertThat(order(QueryStrategy.LEAST_CONFIDENCE, 0)).containsExactly(2, 4, 1, 3, 0);
    }

    @Test
    void entropyAsksMostSpreadFirst() {
        assertThat(order(QueryStrategy.ENTROPY, 0)).containsExactly(2, 4, 3, 1, 0);
    }

    @Test
    void randomIsASeededPermutation() {
        int[] a = order(QueryStrategy.RANDOM, 1), b = order(QueryStrategy.RANDOM, 1);
        assertThat(a).isEqualTo(b);
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        assertThat(sorted).containsExactly(0, 1, 2, 3, 4);
        boolean differs = false;
        for (long seed = 2; seed < 10 && !differs; seed++) differs = !Arrays.equals(order(QueryStrategy.RANDOM, seed), a);
        assertThat(differs).isTrue();
    }

    @Test
    void partialSortPutsTheTopKFirstAndExcludesLabelledRows() {
        int n = 5000, k = 100;
        float[] score = new float[n];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < n; i++) score[i] = r.nextFloat();
        score[7] = Float.NaN;
        boolean[] exclude = new boolean[n];
        for (int i = 0; i < n; i += 10) exclude[i] = true;
        int[] out = new int[n];
        int m = TopK.order(score, n, exclude, k, new long[n], out);
        assertThat(m).isEqualTo(4500);
        Integer[] all = new Integer[n];
        for (int i = 0; i < n; i++) all[i] = i;
        int[] expected = Arrays.stream(all).filter(i -> !exclude[i] && i != 7)
                .sorted((x, y) -> Float.compare(score[y], score[x])).limit(k).mapToInt(Integer::intValue).toArray();
        assertThat(Arrays.copyOf(out, k)).containsExactly(expected);
        assertThat(Arrays.stream(out, 0, m).distinct().count()).isEqualTo(4500);
        assertThat(Arrays.stream(out, 0, m).noneMatch(i -> exclude[i])).isTrue();
    }
}
