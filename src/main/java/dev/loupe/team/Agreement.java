package dev.loupe.team;

import java.util.Arrays;
import java.util.List;

/**
 * Chance-corrected agreement between annotators on nominal labels: Cohen's kappa (two annotators), Fleiss' kappa (a
 * fixed number of ratings per item) and Krippendorff's alpha (any number of annotators, missing ratings allowed).
 * Categories are indices 0..k-1. A coefficient that chance cannot be told from (every rating the same value) is NaN.
 */
public final class Agreement {

    private Agreement() {
    }

    /**
     * Cohen's kappa (Cohen 1960) of a k×k confusion table: {@code table[a][b]} counts the items the first annotator
     * put in category a and the second in b.
     */
    public static double cohenKappa(long[][] table) {
        int k = square(table);
        double n = 0;
        double observed = 0;
        double[] rows = new double[k];
        double[] cols = new double[k];
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                long c = table[a][b];
                if (c < 0) {
                    throw new IllegalArgumentException("negative count in the confusion table");
                }
                n += c;
                rows[a] += c;
                cols[b] += c;
                if (a == b) {
                    observed += c;
                }
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        double expected = 0;
        for (int c = 0; c < k; c++) {
            expected += rows[c] * cols[c];
        }
        expected /= n * n;
        observed /= n;
        return ratio(observed - expected, 1 - expected);
    }

    /** Cohen's kappa of category {@code c} against all others: the k×k table folded to 2×2. */
    public static double cohenKappa(long[][] table, int c) {
        int k = square(table);
        long[][] two = new long[2][2];
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                two[a == c ? 0 : 1][b == c ? 0 : 1] += table[a][b];
            }
        }
        return cohenKappa(two);
    }

    /** Fleiss' kappa overall and per category. */
    public record Fleiss(double kappa, double[] perCategory, double observed, double expected) {
    }

    /**
     * Fleiss' kappa (Fleiss 1971) for items that were each rated by the same number m ≥ 2 of raters (not necessarily
     * the same raters): {@code counts[i][j]} is how many raters put item i in category j. The per-category kappa is
     * Fleiss's κ_j = 1 − Σ_i n_ij (m − n_ij) / (N m (m − 1) p_j q_j). Unequal numbers of raters per item are refused:
     * use {@link #krippendorffAlpha} for those.
     */
    public static Fleiss fleissKappa(long[][] counts) {
        if (counts.length == 0) {
            throw new IllegalArgumentException("Fleiss' kappa needs at least one item");
        }
        int k = counts[0].length;
        long m = Arrays.stream(counts[0]).sum();
        if (m < 2) {
            throw new IllegalArgumentException("Fleiss' kappa needs at least two ratings per item");
        }
        int items = counts.length;
        double[] p = new double[k];
        double sumP = 0;
        for (long[] row : counts) {
            if (row.length != k || Arrays.stream(row).sum() != m || Arrays.stream(row).anyMatch(x -> x < 0)) {
                throw new IllegalArgumentException("every item needs the same number (" + m + ") of ratings over "
                        + k + " categories");
            }
            double squares = 0;
            for (int j = 0; j < k; j++) {
                p[j] += row[j];
                squares += (double) row[j] * row[j];
            }
            sumP += (squares - m) / (m * (m - 1.0));
        }
        double observed = sumP / items;
        double expected = 0;
        for (int j = 0; j < k; j++) {
            p[j] /= (double) items * m;
            expected += p[j] * p[j];
        }
        double[] perCategory = new double[k];
        for (int j = 0; j < k; j++) {
            double disagreement = 0;
            for (long[] row : counts) {
                disagreement += (double) row[j] * (m - row[j]);
            }
            perCategory[j] = 1 - ratio(disagreement, (double) items * m * (m - 1) * p[j] * (1 - p[j]));
        }
        return new Fleiss(ratio(observed - expected, 1 - expected), perCategory, observed, expected);
    }

    /**
     * Krippendorff's alpha for nominal data (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"): each
     * unit lists the category values it received, missing ratings simply left out. Units with fewer than two values
     * cannot be paired and do not count.
     */
    public static double krippendorffAlpha(List<int[]> units, int categories) {
        double[][] o = coincidences(units, categories);
        double[] nc = new double[categories];
        double n = 0;
        double disagreeing = 0;
        for (int c = 0; c < categories; c++) {
            for (int k = 0; k < categories; k++) {
                nc[c] += o[c][k];
                if (c != k) {
                    disagreeing += o[c][k];
                }
            }
            n += nc[c];
        }
        if (n < 2) {
            return Double.NaN;
        }
        double chance = 0;
        for (int c = 0; c < categories; c++) {
            chance += nc[c] * (n - nc[c]);
        }
        // alpha = 1 - D_o / D_e with D_o = disagreeing / n and D_e = chance / (n (n - 1))
        return 1 - ratio((n - 1) * disagreeing, chance);
    }

    /** Krippendorff's alpha of category {@code c} against all others (the values folded to c / not c). */
    public static double krippendorffAlpha(List<int[]> units, int categories, int c) {
        List<int[]> binary = units.stream()
                .map(u -> Arrays.stream(u).map(v -> v == c ? 0 : 1).toArray())
                .toList();
        return krippendorffAlpha(binary, 2);
    }

    /** The coincidence matrix: each ordered pair of values within a unit of m_u values counts 1 / (m_u − 1). */
    static double[][] coincidences(List<int[]> units, int categories) {
        double[][] o = new double[categories][categories];
        for (int[] u : units) {
            if (u.length < 2) {
                continue;
            }
            double w = 1.0 / (u.length - 1);
            for (int i = 0; i < u.length; i++) {
                for (int j = 0; j < u.length; j++) {
                    if (i != j) {
                        o[check(u[i], categories)][check(u[j], categories)] += w;
                    }
                }
            }
        }
        return o;
    }

    private static int check(int v, int categories) {
        if (v < 0 || v >= categories) {
            throw new IllegalArgumentException("value " + v + " is not a category 0.." + (categories - 1));
        }
        return v;
    }

    private static int square(long[][] table) {
        for (long[] row : table) {
            if (row.length != table.length) {
                throw new IllegalArgumentException("the confusion table must be square");
            }
        }
        return table.length;
    }

    /** num / den, NaN when den is 0 (agreement by chance cannot be told from agreement). */
    private static double ratio(double num, double den) {
        return Math.abs(den) < 1e-12 ? Double.NaN : num / den;
    }
}
