package dev.loupe.bench;

import java.util.Arrays;

/** Small statistics the benchmarks report. */
public final class Stats {
    private Stats() {}

    public static double mean(double[] a) {
        if (a.length == 0) return Double.NaN;
        double s = 0;
        for (double v : a) s += v;
        return s / a.length;
    }

    /** Sample standard deviation (n − 1); 0 for a single value. */
    public static double std(double[] a) {
        if (a.length < 2) return 0;
        double m = mean(a), s = 0;
        for (double v : a) s += (v - m) * (v - m);
        return Math.sqrt(s / (a.length - 1));
    }

    /** Nearest-rank percentile, p in (0, 100]. */
    public static double percentile(double[] a, double p) {
        if (a.length == 0) return Double.NaN;
        double[] s = a.clone();
        Arrays.sort(s);
        int k = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, k))];
    }

    /** Column j of rows[i][j]. */
    static double[] column(double[][] rows, int j) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = rows[i][j];
        return out;
    }

    static double round(double v, int digits) {
        if (!Double.isFinite(v)) return v;
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
