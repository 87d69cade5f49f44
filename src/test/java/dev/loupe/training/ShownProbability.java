package dev.loupe.training;

/**
 * What Loupe should show for one row of raw logits, written out from ADR 0022 for the tests (independently of
 * {@link Head}): the softmax averaged over log T ~ N(log t, sd²) at three Gauss–Hermite points, then the uniform share
 * u spread over the k classes with examples, then times one minus the unseen share m.
 */
final class ShownProbability {
    private ShownProbability() {}

    static double of(float[] z, int c, double t, double sd, double u, int k, double m) {
        double[] x = {-Math.sqrt(1.5), 0, Math.sqrt(1.5)};
        double[] w = {1 / 6.0, 2 / 3.0, 1 / 6.0};
        double p = 0;
        int points = sd > 0 ? 3 : 1;
        for (int i = 0; i < points; i++) {
            double ti = sd > 0 ? t * Math.exp(x[i] * sd) : t;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : z) max = Math.max(max, v / ti);
            for (float v : z) sum += Math.exp(v / ti - max);
            p += (sd > 0 ? w[i] : 1) * Math.exp(z[c] / ti - max) / sum;
        }
        return (1 - m) * ((1 - u) * p + u / k);
    }

    /** The top of {@link #of} over the row. */
    static double top(float[] z, double t, double sd, double u, int k, double m) {
        double best = 0;
        for (int c = 0; c < z.length; c++) best = Math.max(best, of(z, c, t, sd, u, k, m));
        return best;
    }
}
