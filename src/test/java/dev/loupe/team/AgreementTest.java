package dev.loupe.team;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The coefficients against worked examples published with them. */
class AgreementTest {

    /**
     * Wikipedia, "Cohen's kappa", section "Simple example": 50 grant proposals read by readers A and B; both yes 20,
     * A yes / B no 5, A no / B yes 10, both no 15; p_o = 0.7, p_e = 0.5, κ = 0.4.
     */
    @Test
    void cohenGrantProposals() {
        long[][] t = {{20, 5}, {10, 15}};
        assertEquals(0.4, Agreement.cohenKappa(t), 1e-12);
        // with two categories, "yes against the rest" is the same table
        assertEquals(0.4, Agreement.cohenKappa(t, 0), 1e-12);
        assertEquals(0.4, Agreement.cohenKappa(t, 1), 1e-12);
    }

    @Test
    void cohenPerfectAndChance() {
        assertEquals(1.0, Agreement.cohenKappa(new long[][] {{3, 0, 0}, {0, 4, 0}, {0, 0, 5}}), 1e-12);
        // independent marginals: observed agreement equals chance agreement
        assertEquals(0.0, Agreement.cohenKappa(new long[][] {{1, 1}, {1, 1}}), 1e-12);
        // one category only: chance explains everything, kappa is undefined
        assertTrue(Double.isNaN(Agreement.cohenKappa(new long[][] {{7, 0}, {0, 0}})));
    }

    /**
     * Wikipedia, "Fleiss' kappa", section "Worked example" (14 raters, 10 subjects, 5 categories; the article credits
     * Fleiss 1971, Psychological Bulletin 76(5):378-382): p_j = 0.143, 0.200, 0.279, 0.150, 0.229, P̄ = 0.378,
     * P̄_e = 0.213, κ = 0.210.
     */
    @Test
    void fleissWikipediaExample() {
        long[][] counts = {
                {0, 0, 0, 0, 14},
                {0, 2, 6, 4, 2},
                {0, 0, 3, 5, 6},
                {0, 3, 9, 2, 0},
                {2, 2, 8, 1, 1},
                {7, 7, 0, 0, 0},
                {3, 2, 6, 3, 0},
                {2, 5, 3, 2, 2},
                {6, 5, 2, 1, 0},
                {0, 2, 2, 3, 7}};
        Agreement.Fleiss f = Agreement.fleissKappa(counts);
        assertEquals(0.378, f.observed(), 5e-4);
        assertEquals(0.213, f.expected(), 5e-4);
        assertEquals(0.210, f.kappa(), 5e-4);
        // Fleiss (1971): the overall kappa is the p_j q_j-weighted mean of the per-category kappas
        double[] p = {0.143, 0.200, 0.279, 0.150, 0.229};
        double num = 0;
        double den = 0;
        for (int j = 0; j < p.length; j++) {
            double pq = p[j] * (1 - p[j]);
            num += pq * f.perCategory()[j];
            den += pq;
        }
        assertEquals(f.kappa(), num / den, 2e-3);
        // every category is agreed on above chance except none perfectly
        assertTrue(Arrays.stream(f.perCategory()).allMatch(k -> k > -1 && k < 1));
    }

    @Test
    void fleissRefusesUnequalRaterCounts() {
        assertThrows(IllegalArgumentException.class, () -> Agreement.fleissKappa(new long[][] {{2, 0}, {1, 2}}));
    }

    /**
     * Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for Communication, section C
     * (nominal data, any number of observers, missing data): 4 observers, 12 units, α_nominal = 0.743. The same matrix
     * is the "C" example of R's DescTools::KrippAlpha (formerly irr::kripp.alpha).
     * Rows are observers A-D, columns units 1-12, 0 = missing; values 1-5.
     */
    @Test
    void krippendorffNominalWithMissingData() {
        int[][] byObserver = {
                {1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0},
                {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3},
                {0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0},
                {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0}};
        List<int[]> units = new ArrayList<>();
        for (int u = 0; u < 12; u++) {
            int unit = u;
            units.add(Arrays.stream(byObserver).mapToInt(row -> row[unit]).filter(v -> v > 0).map(v -> v - 1).toArray());
        }
        assertEquals(0.743, Agreement.krippendorffAlpha(units, 5), 5e-4);
        // the paper's coincidence matrix: n = 40 pairable values (unit 12 has one value and does not count)
        double[][] o = Agreement.coincidences(units, 5);
        assertEquals(40.0, Arrays.stream(o).flatMapToDouble(Arrays::stream).sum(), 1e-9);
        assertEquals(7.0, o[0][0], 1e-9); // value 1 with value 1
        assertEquals(4.0 / 3, o[0][1], 1e-9);
    }

    @Test
    void krippendorffMatchesFleissOnFullDataUpToSmallSampleCorrection() {
        // two raters, no missing data: alpha = 1 - (n-1)/n * (1 - pi) with Scott's pi (Krippendorff 2011),
        // and Fleiss' kappa with m = 2 is Scott's pi
        long[][] t = {{20, 5}, {10, 15}};
        List<int[]> units = new ArrayList<>();
        long[][] counts = new long[50][2];
        int i = 0;
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                for (long c = 0; c < t[a][b]; c++) {
                    units.add(new int[] {a, b});
                    counts[i][a]++;
                    counts[i][b]++;
                    i++;
                }
            }
        }
        double pi = Agreement.fleissKappa(counts).kappa();
        double n = 100;
        assertEquals(1 - (n - 1) / n * (1 - pi), Agreement.krippendorffAlpha(units, 2), 1e-12);
        // per class with two classes equals overall
        assertEquals(Agreement.krippendorffAlpha(units, 2), Agreement.krippendorffAlpha(units, 2, 0), 1e-12);
    }
}
