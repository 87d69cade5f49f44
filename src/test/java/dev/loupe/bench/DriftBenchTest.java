package dev.loupe.bench;

import dev.loupe.datacheck.DriftTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class DriftBenchTest {

    private static float[][] gaussian(Random r, int n, int d, double shift) {
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) out[i][j] = (float) (shift + r.nextGaussian());
        return out;
    }

    @Test
    void scenariosAlarmWhereTheyShould() {
        Random r = new Random(2);
        float[][] data = gaussian(r, 400, 8, 0);
        float[][] other = gaussian(r, 100, 8, 3);
        DriftTest.Config test = new DriftTest.Config(0.01, 100, 200, 100, 20, 1);
        List<DriftBench.Scenario> s = DriftBench.run(data, other, new DriftBench.Config(5, 100, 0.2, test), (d, t) -> { });
        assertThat(s).extracting(DriftBench.Scenario::name).containsExactly("same", "other", "contaminated");
        assertThat(s.get(0).alarms()).isLessThanOrEqualTo(1);
        assertThat(s.get(1).alarms()).isEqualTo(5);
        assertThat(s.get(2).alarms()).isEqualTo(5);
        assertThat(s.get(2).newImages()).isEqualTo(100);
        assertThat(s.get(2).meanFarShare()).isGreaterThan(s.get(0).meanFarShare());
    }
}
