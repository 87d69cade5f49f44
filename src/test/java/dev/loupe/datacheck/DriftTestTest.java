package dev.loupe.datacheck;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriftTestTest {

    private static final int RUNS = 40;
    private static final DriftTest.Config CONFIG = new DriftTest.Config(0.01, 100, 200, 100, 20, 1);

    static float[][] gaussian(Random r, int n, int d, double shift, double scale) {
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) out[i][j] = (float) (shift + scale * r.nextGaussian());
        return out;
    }

    @Test
    void sameDistributionAlarmsAboutAsOftenAsAlpha() {
        Random r = new Random(11);
        int alarms = 0;
        for (int run = 0; run < RUNS; run++) {
            DriftTest.Result res = DriftTest.test(gaussian(r, 300, 16, 0, 1), gaussian(r, 150, 16, 0, 1),
                    CONFIG.withSeed(run), () -> false);
            if (res.drifted()) alarms++;
            assertEquals(200, res.referenceCount());
            assertEquals(100, res.candidateCount());
        }
        // alpha 0.01 over 40 runs: expected 0.4; P(≥ 3) < 0.01
        assertTrue(alarms <= 2, "false alarms: " + alarms + " of " + RUNS);
    }

    @Test
    void shiftedMeanIsDetected() {
        Random r = new Random(12);
        int alarms = 0;
        for (int run = 0; run < RUNS; run++) {
            // a shift of 0.3 standard deviations in every coordinate
            if (DriftTest.test(gaussian(r, 300, 16, 0, 1), gaussian(r, 150, 16, 0.3, 1), CONFIG.withSeed(run), () -> false).drifted()) {
                alarms++;
            }
        }
        assertTrue(alarms >= 38, "detected " + alarms + " of " + RUNS);
    }

    @Test
    void contaminationIsDetectedAndItsPointsHaveTheHighestWitness() {
        Random r = new Random(13);
        float[][] ref = gaussian(r, 300, 16, 0, 1);
        float[][] cand = gaussian(r, 100, 16, 0, 1);
        float[][] odd = gaussian(r, 20, 16, 4, 0.5);
        System.arraycopy(odd, 0, cand, 0, odd.length); // rows 0..19 are from elsewhere
        DriftTest.Result res = DriftTest.test(ref, cand, CONFIG, () -> false);
        assertTrue(res.drifted(), "p = " + res.pValue());
        assertTrue(res.farShare() >= 0.15, "far share " + res.farShare());
        int top = 0;
        Integer[] order = new Integer[res.candidateCount()];
        for (int j = 0; j < order.length; j++) order[j] = j;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(res.witness()[b], res.witness()[a]));
        for (int j = 0; j < 20; j++) if (res.candidateRows()[order[j]] < 20) top++;
        assertTrue(top >= 18, "planted rows among the top 20 by witness: " + top);
    }

    @Test
    void sameSampleSizesGiveAFarShareNearFivePercent() {
        Random r = new Random(14);
        DriftTest.Result res = DriftTest.test(gaussian(r, 1000, 8, 0, 1), gaussian(r, 500, 8, 0, 1),
                DriftTest.Config.DEFAULT, () -> false);
        assertTrue(res.farShare() < 0.12, "far share " + res.farShare());
        assertFalse(res.pValue() < 0.001);
    }

    @Test
    void cancellingStopsTheTest() {
        Random r = new Random(15);
        assertEquals(null, DriftTest.test(gaussian(r, 50, 4, 0, 1), gaussian(r, 50, 4, 0, 1), CONFIG, () -> true));
    }
}
