package dev.loupe.ranking;

/**
 * How the labelling queue is ordered once the model has something to say: each strategy turns one row of class
 * probabilities into an informativeness score, and the queue shows the highest score first.
 * Computed from the shared probability buffer, allocation-free per row.
 */
public enum QueryStrategy {
    /** Smallest gap between the two most probable classes first (score = 1 − (p1 − p2)). The default. */
    MARGIN,
    /** Least sure top class first (score = 1 − p1). */
    LEAST_CONFIDENCE,
    /** Most spread-out distribution first (score = −Σ p log p). */
    ENTROPY,
    /** A fixed seeded shuffle (score = hash of seed and row), a baseline. */
    RANDOM;

    /**
     * Informativeness of one row; higher means ask sooner.
     *
     * @param p     probabilities, the row's C values starting at {@code off}; masked classes are 0
     * @param row   row index (RANDOM only)
     * @param seed  seed (RANDOM only)
     */
    public float score(float[] p, int off, int c, int row, long seed) {
        switch (this) {
            case MARGIN: {
                float p1 = 0f, p2 = 0f;
                for (int j = off, end = off + c; j < end; j++) {
                    float v = p[j];
                    if (v > p1) { p2 = p1; p1 = v; } else if (v > p2) { p2 = v; }
                }
                return 1f - (p1 - p2);
            }
            case LEAST_CONFIDENCE: {
                float p1 = 0f;
                for (int j = off, end = off + c; j < end; j++) if (p[j] > p1) p1 = p[j];
                return 1f - p1;
            }
            case ENTROPY: {
                double h = 0;
                for (int j = off, end = off + c; j < end; j++) {
                    float v = p[j];
                    if (v > 1e-12f) h -= v * Math.log(v);
                }
                return (float) h;
            }
            case RANDOM:
                return randomScore(row, seed);
            default:
                throw new AssertionError(this);
        }
    }

    /** A uniform [0,1) value fixed by (seed, row): SplitMix64 finaliser. */
    static float randomScore(int row, long seed) {
        long z = seed + 0x9E3779B97F4A7C15L * (row + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 40) / (float) (1L << 24);
    }
}
