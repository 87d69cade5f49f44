package dev.loupe.ranking;

import java.nio.FloatBuffer;

/** One pass over an N×C probability buffer: predicted class, confidence and strategy score of every row. */
public final class RowStats {
    private RowStats() {}

    /**
     * Fills {@code predicted} (−1 when every probability is 0, i.e. no class is active), {@code confidence}
     * (max probability) and {@code score}. {@code rowScratch} must hold at least C floats.
     */
    public static void compute(FloatBuffer probs, int n, int c, QueryStrategy strategy, long seed,
                               int[] predicted, float[] confidence, float[] score, float[] rowScratch) {
        for (int i = 0; i < n; i++) {
            probs.get(i * c, rowScratch, 0, c);
            int best = -1;
            float max = 0f;
            for (int j = 0; j < c; j++) {
                if (rowScratch[j] > max) { max = rowScratch[j]; best = j; }
            }
            predicted[i] = best;
            confidence[i] = max;
            score[i] = strategy.score(rowScratch, 0, c, i, seed);
        }
    }
}
