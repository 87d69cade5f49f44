package dev.loupe.evaluation;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AccuracyEstimateTest {

    private static int[] labels(int from, int to, int step) {
        int[] out = new int[(to - from) / step + 1];
        for (int i = 0; i < out.length; i++) out[i] = from + i * step;
        return out;
    }

    @Test
    void aPowerLawLearningCurveIsRecoveredAndProjected() {
        int[] n = labels(10, 200, 10);
        double[] acc = new double[n.length];
        for (int i = 0; i < n.length; i++) acc[i] = 0.9 - 0.8 * Math.pow(n[i], -0.5);
        LearningCurve c = LearningCurve.fit(n, acc);
        assertThat(c.a()).isCloseTo(0.9, within(0.01));
        assertThat(c.c()).isCloseTo(0.5, within(0.05));
        double truth = 0.8 * (Math.pow(200, -0.5) - Math.pow(300, -0.5));
        assertThat(c.gain(200, 100)).isCloseTo(truth, within(0.002));
    }

    @Test
    void tooShortACurveOrAFallingOneGivesNoProjectionOrAFlatOne() {
        assertThat(LearningCurve.fit(new int[] {10, 20, 30, 40, 50}, new double[] {0.5, 0.6, 0.65, 0.7, 0.72})).isNull();
        assertThat(LearningCurve.fit(labels(10, 15, 1), new double[] {0.5, 0.6, 0.65, 0.7, 0.72, 0.73}))
                .as("less than a doubling of the label count").isNull();
        int[] n = labels(10, 100, 10);
        double[] falling = new double[n.length];
        for (int i = 0; i < n.length; i++) falling[i] = 0.8 - 0.001 * i;
        LearningCurve c = LearningCurve.fit(n, falling);
        assertThat(c.b()).isZero();
        assertThat(c.gain(100, 200)).isZero();
    }

    @Test
    void theHintSaysWhetherMoreLabelsStillPay() {
        int[] n = labels(20, 400, 20);
        double[] steep = new double[n.length], flat = new double[n.length];
        for (int i = 0; i < n.length; i++) {
            steep[i] = 0.95 - 2.0 * Math.pow(n[i], -0.5);
            flat[i] = 0.85 - 0.3 * Math.pow(n[i], -1.0);
        }
        AccuracyEstimate rising = AccuracyEstimate.of(400, 1000, steep[n.length - 1], 0.7, 0.9, n, steep);
        AccuracyEstimate done = AccuracyEstimate.of(400, 1000, flat[n.length - 1], 0.8, 0.9, n, flat);
        assertThat(rising.flat()).isFalse();
        assertThat(rising.hint()).startsWith("Still learning: about +").contains("points per 100 more labels");
        assertThat(rising.per100()).isCloseTo(2.0 * (Math.pow(400, -0.5) - Math.pow(500, -0.5)), within(0.003));
        assertThat(done.flat()).isTrue();
        assertThat(done.hint()).startsWith("The learning curve has flattened");
        assertThat(rising.projected(2)).isGreaterThan(rising.projected(1)).isGreaterThan(rising.projected(0))
                .isGreaterThan(rising.estimate());
        AccuracyEstimate early = AccuracyEstimate.of(12, 1000, 0.5, 0.3, 0.7, new int[] {10, 11, 12}, new double[] {0.4, 0.45, 0.5});
        assertThat(Double.isNaN(early.per100())).isTrue();
        assertThat(early.hint()).startsWith("Label a few more images");
        assertThat(Double.isNaN(early.projected(0))).isTrue();
    }

    @Test
    void theBandAlwaysHoldsTheEstimateAndEverythingStaysWithinZeroAndOne() {
        AccuracyEstimate a = AccuracyEstimate.of(30, 100, 0.95, 0.97, 1.2, new int[0], new double[0]);
        assertThat(a.low()).isEqualTo(0.95);
        assertThat(a.high()).isEqualTo(1.0);
        assertThat(a.percent()).isEqualTo("95% (95–100%)");
    }

    @Test
    void itRoundTripsThroughJson() {
        int[] n = labels(20, 200, 20);
        double[] acc = new double[n.length];
        for (int i = 0; i < n.length; i++) acc[i] = 0.9 - 0.8 * Math.pow(n[i], -0.5);
        AccuracyEstimate a = AccuracyEstimate.of(200, 800, acc[n.length - 1], 0.8, 0.88, n, acc);
        Map<String, Object> json = a.toJson();
        assertThat(json).containsKeys("estimate", "low", "high", "projected", "points_per_100_labels", "hint");
        AccuracyEstimate back = AccuracyEstimate.fromJson(json);
        assertThat(back.estimate()).isCloseTo(a.estimate(), within(1e-4));
        assertThat(back.projected(1)).isCloseTo(a.projected(1), within(2e-4));
        assertThat(back.hint()).isEqualTo(a.hint());
        assertThat(AccuracyEstimate.fromJson(null)).isNull();
    }
}
