package dev.loupe.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class CalibrationTest {

    /** Predictions whose labels are drawn from softmax(z / trueT): a calibrated head would divide by trueT. */
    private static Calibration overconfident(double trueT, int count, long seed) {
        return addOverconfident(new Calibration(), trueT, count, seed);
    }

    private static Calibration addOverconfident(Calibration cal, double trueT, int count, long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < count; i++) {
            float[] z = new float[5];
            for (int j = 0; j < z.length; j++) z[j] = (float) (3 * r.nextGaussian());
            double[] p = new double[z.length];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : z) max = Math.max(max, v / trueT);
            for (int j = 0; j < z.length; j++) sum += p[j] = Math.exp(z[j] / trueT - max);
            double u = r.nextDouble() * sum;
            int label = 0;
            while (label < z.length - 1 && (u -= p[label]) > 0) label++;
            cal.add(z, label);
        }
        return cal;
    }

    @Test
    void theFittedTemperatureRecoversHowOverconfidentThePredictionsWere() {
        Calibration cal = overconfident(2.5, Calibration.WINDOW, 1);
        assertThat(cal.size()).isEqualTo(Calibration.WINDOW);
        double t = cal.fit();
        assertThat(t).isBetween(2.0, 3.1);
        assertThat(cal.nll(t)).isLessThan(cal.nll(1.0)).isLessThan(cal.nll(2 * t) + 1e-12);
    }

    @Test
    void tooFewPredictionsOrUnderconfidentOnesLeaveTheTemperatureAtOne() {
        assertThat(overconfident(2.5, Calibration.MIN_PREDICTIONS - 1, 2).fit()).isEqualTo(1.0);
        // Underconfident predictions (labels sharper than the logits say) would want T < 1: Loupe only softens,
        // because actively picked images are the hard ones and would make it sharpen everything else.
        assertThat(overconfident(0.4, Calibration.WINDOW, 3).fit()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void theTemperatureIsRefittedEveryFewPredictions() {
        Calibration cal = overconfident(3.0, Calibration.MIN_PREDICTIONS - 1, 6);
        assertThat(cal.temperature()).isEqualTo(1.0);
        addOverconfident(cal, 3.0, 1, 7);
        double first = cal.temperature();
        assertThat(first).isGreaterThan(1.5).isEqualTo(cal.fit());
        addOverconfident(cal, 1.0, Calibration.REFIT_EVERY - 1, 8);
        assertThat(cal.temperature()).as("not yet refitted").isEqualTo(first);
        addOverconfident(cal, 1.0, 1, 9);
        assertThat(cal.temperature()).as("refitted").isEqualTo(cal.fit()).isNotEqualTo(first);
    }

    @Test
    void onlyTheMostRecentPredictionsCount() {
        Calibration cal = overconfident(4.0, Calibration.WINDOW, 4);
        assertThat(cal.fit()).isGreaterThan(3.0);
        addOverconfident(cal, 1.5, Calibration.WINDOW, 5); // a better trained head: the old predictions drop out
        assertThat(cal.size()).isEqualTo(Calibration.WINDOW);
        assertThat(cal.fit()).isEqualTo(overconfident(1.5, Calibration.WINDOW, 5).fit()).isLessThan(2.2);
        assertThatThrownBy(() -> cal.add(new float[] {1, 2}, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theHeadDividesItsLogitsByTheTemperatureAndKeepsItInItsState() throws Exception {
        Blobs blobs = new Blobs(120, 8, 3, 3.0, 9);
        INDArray x = blobs.embeddings();
        Head h = Head.create(HeadConfig.linear(8, 3), 3);
        INDArray mean = x.mean(0).reshape(1, 8);
        for (int c = 0; c < 3; c++) h.activateClass(c, x.getRow(c).reshape(1, 8), mean);
        INDArray y = Nd4j.zeros(40, 3);
        for (int i = 0; i < 40; i++) y.putScalar(i, blobs.y[i], 1f);
        for (int s = 0; s < 20; s++) h.fit(x.get(NDArrayIndex.interval(0, 40), NDArrayIndex.all()), y);
        INDArray before = h.predict(x);
        float[][] z = h.logits(x);
        h.setTemperature(2.0);
        INDArray after = h.predict(x);
        assertThat(after.argMax(1)).isEqualTo(before.argMax(1));
        for (int i = 0; i < 5; i++) {
            double max = Arrays.stream(new double[] {z[i][0], z[i][1], z[i][2]}).max().orElseThrow();
            double sum = 0;
            for (float v : z[i]) sum += Math.exp((v - max) / 2.0);
            for (int c = 0; c < 3; c++) {
                assertThat(after.getDouble(i, c)).isCloseTo(Math.exp((z[i][c] - max) / 2.0) / sum,
                        org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        assertThat(after.max(1).meanNumber().doubleValue()).as("softer").isLessThan(before.max(1).meanNumber().doubleValue());

        HeadState s = h.state();
        assertThat(s.temperature()).isEqualTo(2.0);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeTo(bytes);
        HeadState back = HeadState.readFrom(new ByteArrayInputStream(bytes.toByteArray()));
        assertThat(back).isEqualTo(s);
        assertThat(Head.fromState(back).predict(x)).isEqualTo(after);
        // A state written before the temperature existed ("LST2") reads as temperature 1.
        byte[] b = Arrays.copyOf(bytes.toByteArray(), bytes.size() - 8);
        b[3] = '2';
        HeadState old = HeadState.readFrom(new ByteArrayInputStream(b));
        assertThat(old.temperature()).isEqualTo(1.0);
        assertThat(Head.fromState(old).predict(x)).isEqualTo(before);
        assertThatThrownBy(() -> h.setTemperature(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
