package dev.loupe.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulationTest {

    @Test
    void twoStrategiesTwoSeedsOnBlobsGiveCurvesOfTheRightShape() {
        LabelledEmbeddings all = Latency.blobs(450, 8, 3, 1.0, 1);
        LabelledEmbeddings pool = all.subset(java.util.stream.IntStream.range(0, 300).toArray());
        LabelledEmbeddings test = all.subset(java.util.stream.IntStream.range(300, 450).toArray());
        Simulation.Config cfg = new Simulation.Config(List.of("default", "random"), 2, 6, 6, 20, true, 1);
        int[] calls = {0};
        Map<String, Simulation.Curve> out = Simulation.run(pool, test, 3, cfg, (s, seed, labels, budget) -> calls[0]++);

        assertThat(out).containsOnlyKeys("default", "random");
        assertThat(cfg.budgets()).containsExactly(6, 12, 18, 20);
        for (Simulation.Curve c : out.values()) {
            assertThat(c.budgets()).containsExactly(6, 12, 18, 20);
            assertThat(java.util.Arrays.stream(c.mean()).boxed()).hasSize(4).allSatisfy(a -> assertThat(a).isBetween(0.0, 1.0));
            assertThat(java.util.Arrays.stream(c.std()).boxed()).hasSize(4).allSatisfy(s -> assertThat(s).isGreaterThanOrEqualTo(0.0));
            assertThat(java.util.Arrays.stream(c.retrainMean()).boxed()).hasSize(4).allSatisfy(a -> assertThat(a).isBetween(0.0, 1.0));
            assertThat(c.perSeed()).hasNumberOfRows(2);
            assertThat(c.aulc()).isEqualTo(Stats.mean(c.mean()));
            assertThat(c.mean()[3]).as("well separated blobs are learnt from 20 labels").isGreaterThan(0.8);
            Map<String, Object> json = c.toJson();
            assertThat(json).containsKeys("budgets", "mean", "std", "aulc", "retrain_mean", "ece_mean", "calibration", "estimate");
            assertThat(c.calibration()).containsKeys("ece_pooled", "ece_floor_pooled", "wrong_at_90_pooled", "temperature_median");
            double[] pooled = (double[]) c.calibration().get("ece_pooled");
            double[] floor = (double[]) c.calibration().get("ece_floor_pooled");
            for (int j = 0; j < 4; j++) assertThat(pooled[j]).isBetween(0.0, 1.0);
            assertThat(floor[3]).as("sampling noise on 150 test rows").isBetween(0.0, 0.2);
            double[] est = (double[]) c.estimate().get("mean");
            double[] low = (double[]) c.estimate().get("low_mean");
            double[] high = (double[]) c.estimate().get("high_mean");
            double[] truth = (double[]) c.estimate().get("test_accuracy_mean");
            for (int j = 0; j < 4; j++) {
                assertThat(est[j]).isBetween(low[j], high[j]);
                assertThat(truth[j]).isEqualTo(Stats.round(c.mean()[j], 5));
            }
            assertThat(c.reliability()).hasNumberOfRows(4);
            assertThat(c.reliability()[3]).hasNumberOfRows(HeadEval.BINS);
            long rows = 0;
            for (double[] bin : c.reliability()[3]) rows += (long) bin[0];
            assertThat(rows).as("every seed's test rows in the pooled diagram").isEqualTo(2L * 150);
            assertThat(java.util.Arrays.stream(c.calibrationErrorMean()).boxed()).hasSize(4)
                    .allSatisfy(e -> assertThat(e).isBetween(0.0, 1.0));
        }
        assertThat(calls[0]).isEqualTo(2 * 2 * 4);
    }

    @Test
    void theSameSeedGivesTheSameCurve() {
        LabelledEmbeddings all = Latency.blobs(260, 6, 3, 0.6, 2);
        LabelledEmbeddings pool = all.subset(java.util.stream.IntStream.range(0, 200).toArray());
        LabelledEmbeddings test = all.subset(java.util.stream.IntStream.range(200, 260).toArray());
        Simulation.Config cfg = new Simulation.Config(List.of("margin"), 1, 5, 5, 15, false, 7);
        double[] a = Simulation.run(pool, test, 3, cfg, Simulation.Listener.NONE).get("margin").mean();
        double[] b = Simulation.run(pool, test, 3, cfg, Simulation.Listener.NONE).get("margin").mean();
        assertThat(a).containsExactly(b);
    }

    @Test
    void unknownStrategiesAndBadBudgetsAreRefused() {
        assertThatThrownBy(() -> new Simulation.Config(List.of("smart"), 1, 1, 1, 2, false, 1))
                .hasMessageContaining("unknown strategy");
        assertThatThrownBy(() -> new Simulation.Config(List.of("margin"), 1, 10, 1, 2, false, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namedStrategiesSkipTheColdStartAndDefaultIsTheAppsRanker() {
        assertThat(Simulation.ranker("default", 1).inColdStart(0, 10)).isTrue();
        assertThat(Simulation.ranker("least_confidence", 1).inColdStart(0, 10)).isFalse();
        assertThat(Simulation.ranker("Entropy", 1).strategy()).isEqualTo(dev.loupe.ranking.QueryStrategy.ENTROPY);
    }
}
