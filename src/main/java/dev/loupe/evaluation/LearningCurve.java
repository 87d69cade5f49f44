package dev.loupe.evaluation;

/**
 * A power law {@code a − b · n^(−c)} fitted to estimated accuracy over label counts, for "what would more labels
 * buy". Learning curves of classifiers follow such a law closely once past the first few labels (e.g. Hestness et
 * al. 2017, Viering and Loog 2022); the exponent is chosen from a grid, a and b by weighted least squares (later
 * points weigh more: they say more about where the curve is going).
 *
 * @param a asymptote
 * @param b scale (≥ 0: the curve rises)
 * @param c exponent
 */
public record LearningCurve(double a, double b, double c) {
    /** Points needed (at 10 labels or more) before a curve is fitted. */
    public static final int MIN_POINTS = 6;
    private static final double FIRST_LABELS = 10;

    /** Predicted accuracy after {@code n} labels. */
    public double at(double n) {
        return a - b * Math.pow(n, -c);
    }

    /** What going from {@code n} to {@code n + more} labels adds, by this curve. */
    public double gain(double n, double more) {
        return at(n + more) - at(n);
    }

    /**
     * Fits the curve to {@code (labels[i], accuracy[i])}, or returns null when there is too little to go on (fewer
     * than {@link #MIN_POINTS} points from 10 labels on, or spanning less than a doubling of the label count).
     */
    public static LearningCurve fit(int[] labels, double[] accuracy) {
        int m = 0;
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= FIRST_LABELS && Double.isFinite(accuracy[i])) {
                m++;
                lo = Math.min(lo, labels[i]);
                hi = Math.max(hi, labels[i]);
            }
        }
        if (m < MIN_POINTS || hi < 2 * lo) return null;
        LearningCurve best = null;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= 26; k++) {
            double c = 0.1 + 0.05 * k; // 0.1 … 1.4
            // weighted least squares of accuracy on x = n^-c: accuracy = a - b x
            double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < FIRST_LABELS || !Double.isFinite(accuracy[i])) continue;
                double w = labels[i];
                double x = Math.pow(labels[i], -c);
                sw += w; sx += w * x; sy += w * accuracy[i]; sxx += w * x * x; sxy += w * x * accuracy[i];
            }
            double den = sw * sxx - sx * sx;
            if (den <= 0) continue;
            double slope = (sw * sxy - sx * sy) / den;
            double b = Math.max(0, -slope); // a falling curve is read as flat
            double a = (sy + b * sx) / sw;
            double err = 0;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < FIRST_LABELS || !Double.isFinite(accuracy[i])) continue;
                double r = accuracy[i] - (a - b * Math.pow(labels[i], -c));
                err += labels[i] * r * r;
            }
            if (err < bestErr) {
                bestErr = err;
                best = new LearningCurve(a, b, c);
            }
        }
        return best;
    }
}
