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
        computeRows(probs, n, c, strategy, seed, null, 0, predicted, confidence, score, rowScratch);
    }

    /**
     * The same for {@code count} rows of probabilities that belong to other rows of the collection: buffer row i is
     * collection row {@code rows[i]}, or {@code base + i} when {@code rows} is null; results go to those positions.
     */
    public static void computeRows(FloatBuffer probs, int count, int c, QueryStrategy strategy, long seed, int[] rows, int base,
                                   int[] predicted, float[] confidence, float[] score, float[] rowScratch) {
        computeRows(probs, null, count, c, strategy, seed, rows, base, predicted, confidence, score, rowScratch);
    }

    /**
     * The same, the score taken from {@code ranked} (another N×C buffer, e.g. the probabilities before calibration)
     * and the predicted class and confidence from {@code probs}; {@code ranked} null: both from {@code probs}.
     */
    public static void computeRows(FloatBuffer probs, FloatBuffer ranked, int count, int c, QueryStrategy strategy, long seed,
                                   int[] rows, int base, int[] predicted, float[] confidence, float[] score, float[] rowScratch) {
        for (int k = 0; k < count; k++) {
            int i = rows == null ? base + k : rows[k];
            probs.get(k * c, rowScratch, 0, c);
            int best = -1;
            float max = 0f;
            for (int j = 0; j < c; j++) {
                if (rowScratch[j] > max) { max = rowScratch[j]; best = j; }
            }
            predicted[i] = best;
            confidence[i] = max;
            if (ranked != null) ranked.get(k * c, rowScratch, 0, c);
            score[i] = strategy.score(rowScratch, 0, c, i, seed);
        }
    }
}
