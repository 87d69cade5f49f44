package dev.loupe.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class CalibrationTest {

    /**
     * Predictions of heads that had learned {@code from}, {@code from + 1}, … labels, whose labels are drawn from
     * softmax(z / trueT(labels)): a calibrated head of that age would divide by trueT.
     */
    private static Calibration.Records predictions(Calibration.Records r, IntToDoubleFunction trueT, int from, int count,
                                                   int classes, long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i < count; i++) {
            double t = trueT.applyAsDouble(from + i);
            float[] z = new float[classes];
            for (int j = 0; j < z.length; j++) z[j] = (float) (3 * rnd.nextGaussian());
            double[] p = new double[z.length];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : z) max = Math.max(max, v / t);
            for (int j = 0; j < z.length; j++) sum += p[j] = Math.exp(z[j] / t - max);
            double u = rnd.nextDouble() * sum;
            int label = 0;
            while (label < z.length - 1 && (u -= p[label]) > 0) label++;
            r = r.with(z, label, from + i, classes);
        }
        return r;
    }

    @Test
    void theEstimatesGapMeasuresHowFarTheLatestPredictionsWereFromTheLawAndOnlyThose() {
        // heads of 0..119 labels that were calibrated at T = 2 (the law fits them): no gap to speak of
        Calibration.Records steady = predictions(Calibration.Records.EMPTY, n -> 2.0, 0, 120, 5, 11);
        Calibration.Fit law = Calibration.fit(steady, 120, 5);
        Calibration.Gap calm = Calibration.recentGap(steady, 120, law);
        assertThat(calm.count()).as("the predictions of the latest 60 labels").isEqualTo(60);
        assertThat(Math.abs(calm.mean())).isLessThan(Math.max(0.02, 2.5 * calm.se()));
        // the same history, but the latest 60 heads were sharper than the law says (right more often than shown)
        Calibration.Records sharper = predictions(predictions(Calibration.Records.EMPTY, n -> 2.0, 0, 60, 5, 11),
                n -> 0.5, 60, 60, 5, 12);
        Calibration.Fit law2 = Calibration.fit(sharper, 120, 5);
        Calibration.Gap up = Calibration.recentGap(sharper, 120, law2);
        assertThat(up.count()).isEqualTo(60);
        assertThat(up.mean()).as("shown below how often they were right").isGreaterThan(0.03);
        assertThat(up.mean()).isGreaterThan(2 * up.se());
        // older predictions do not count: changing one from before the window leaves the gap as it was
        Calibration.Records older = predictions(Calibration.Records.EMPTY, n -> 9.0, 0, 1, 5, 99);
        for (int i = 0; i < sharper.size(); i++) {
            older = older.with(sharper.logits(i), sharper.label(i), sharper.labelsBefore(i), 5);
        }
        assertThat(Calibration.recentGap(older, 120, law2)).isEqualTo(up);
        // nothing recent to go by: no correction
        assertThat(Calibration.recentGap(Calibration.Records.EMPTY, 120, law2)).isEqualTo(Calibration.Gap.NONE);
    }

    @Test
    void theFittedTemperatureRecoversHowOverconfidentAMatureHeadWas() {
        Calibration.Records r = predictions(Calibration.Records.EMPTY, n -> 3.0, 300, Calibration.WINDOW, 5, 1);
        assertThat(r.size()).isEqualTo(Calibration.WINDOW);
        Calibration.Fit fit = Calibration.fit(r, 500, 5);
        assertThat(fit.used()).isEqualTo(Calibration.WINDOW);
        assertThat(fit.temperature()).isBetween(2.4, 3.6);
        assertThat(fit.logSd()).as("200 predictions pin log T to a few per cent").isBetween(0.01, 0.15);
        // an underconfident head (labels sharper than its logits) is sharpened: T < 1 is allowed
        Calibration.Records sharp = predictions(Calibration.Records.EMPTY, n -> 0.7, 300, Calibration.WINDOW, 5, 2);
        assertThat(Calibration.fit(sharp, 500, 5).temperature()).isBetween(0.55, 0.9);
    }

    @Test
    void theUniformShareRecoversHowOftenAYoungHeadGuessesNoBetterThanChanceAndStaysNearZeroWhenItDoesNot() {
        // heads of 20..219 labels whose labels follow softmax(z / 1.5), except that a share 0.3 / (1 + n / 200) of them
        // is drawn uniformly: the sure-and-wrong guesses of a head that has not seen that kind of image yet (issue 13c)
        Random rnd = new Random(5);
        Calibration.Records mixed = Calibration.Records.EMPTY;
        for (int i = 0; i < Calibration.WINDOW; i++) {
            int n = 20 + i;
            float[] z = new float[6];
            for (int j = 0; j < z.length; j++) z[j] = (float) (4 * rnd.nextGaussian());
            int label;
            if (rnd.nextDouble() < Calibration.uniformAt(0.3, n)) {
                label = rnd.nextInt(z.length);
            } else {
                double[] p = new double[z.length];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (float v : z) max = Math.max(max, v / 1.5);
                for (int j = 0; j < z.length; j++) sum += p[j] = Math.exp(z[j] / 1.5 - max);
                double u = rnd.nextDouble() * sum;
                label = 0;
                while (label < z.length - 1 && (u -= p[label]) > 0) label++;
            }
            mixed = mixed.with(z, label, n - 1, 6);
        }
        Calibration.Fit fit = Calibration.fit(mixed, 220, 6);
        assertThat(fit.uniformShare()).isBetween(Calibration.uniformAt(0.2, 220), Calibration.uniformAt(0.4, 220));
        assertThat(fit.temperature()).isBetween(1.1, 2.2);
        // heads of the same ages that are right as often as they say: their sure guesses stay sure
        Calibration.Records sure = predictions(Calibration.Records.EMPTY, n -> 0.6, 19, Calibration.WINDOW, 6, 7);
        assertThat(Calibration.fit(sure, 220, 6).uniformShare()).isLessThanOrEqualTo(Calibration.uniformAt(0.1, 220));
        // and the share fades as labels come, like the temperature's youth
        assertThat(Calibration.fit(Calibration.Records.EMPTY, 1000, 6).uniformShare())
                .isCloseTo(Calibration.uniformAt(Calibration.UNIFORM, 1000), offset(1e-12)).isLessThan(0.04);
    }

    @Test
    void aHeadWithAUniformShareShowsItOnTheClassesWithExamplesOnlyAndKeepsItInItsState() throws Exception {
        Blobs blobs = new Blobs(120, 8, 3, 3.0, 9);
        INDArray x = blobs.embeddings();
        Head h = Head.create(HeadConfig.linear(8, 3), 4); // a fourth class without examples
        INDArray mean = x.mean(0).reshape(1, 8);
        for (int c = 0; c < 3; c++) h.activateClass(c, x.getRow(c).reshape(1, 8), mean);
        INDArray y = Nd4j.zeros(40, 4);
        for (int i = 0; i < 40; i++) y.putScalar(i, blobs.y[i], 1f);
        for (int s = 0; s < 20; s++) h.fit(x.get(NDArrayIndex.interval(0, 40), NDArrayIndex.all()), y);
        INDArray before = h.predict(x);
        float[][] z = h.logits(x);
        h.setTemperature(2.0, 0.2);
        h.setUnseenShare(0.1);
        h.setUniformShare(0.3);
        INDArray after = h.predict(x);
        assertThat(after.argMax(1)).isEqualTo(before.argMax(1));
        for (int i = 0; i < 5; i++) {
            float[] three = java.util.Arrays.copyOf(z[i], 3);
            for (int c = 0; c < 3; c++) {
                assertThat(after.getDouble(i, c)).isCloseTo(ShownProbability.of(three, c, 2.0, 0.2, 0.3, 3, 0.1), offset(1e-5));
            }
            // the spread of T is averaged over, not ignored: the plug-in softmax(z / 2) would differ here
            double max = Math.max(z[i][0], Math.max(z[i][1], z[i][2])), sum = 0;
            for (int c = 0; c < 3; c++) sum += Math.exp((z[i][c] - max) / 2.0);
            double plugIn = 0.9 * (0.7 * Math.exp((z[i][0] - max) / 2.0) / sum + 0.1);
            assertThat(Math.abs(after.getDouble(i, 0) - plugIn)).isGreaterThan(1e-5);
            assertThat(after.getDouble(i, 3)).as("a class without examples still gets exactly 0").isZero();
        }
        // the queue's own probabilities leave the share out (calibration never changes a pick)
        INDArray shown = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, new long[] {x.rows(), 4}, 'c');
        INDArray ranked = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, new long[] {x.rows(), 4}, 'c');
        h.predictInto(x, shown, ranked);
        assertThat(shown).isEqualTo(after);
        double m0 = Math.max(z[0][0], Math.max(z[0][1], z[0][2]));
        double s0 = 0;
        for (int c = 0; c < 3; c++) s0 += Math.exp(z[0][c] - m0);
        assertThat(ranked.getDouble(0, 0)).isCloseTo(0.9 * Math.exp(z[0][0] - m0) / s0, offset(1e-5));
        HeadState s = h.state();
        assertThat(s.uniformShare()).isEqualTo(0.3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeTo(bytes);
        HeadState back = HeadState.readFrom(new ByteArrayInputStream(bytes.toByteArray()));
        assertThat(back).isEqualTo(s);
        assertThat(Head.fromState(back).predict(x)).isEqualTo(after);
        assertThat(Head.fromState(s.withoutCalibrationRecords()).predict(x)).isEqualTo(after);
    }

    @Test
    void withoutPredictionsTheTemperatureIsThePriorsWhichSoftensMoreWhileLabelsAreFew() {
        Calibration.Fit ten = Calibration.fit(Calibration.Records.EMPTY, 10, 3);
        Calibration.Fit many = Calibration.fit(Calibration.Records.EMPTY, 1000, 3);
        assertThat(ten.used()).isZero();
        assertThat(ten.temperature()).isCloseTo(Calibration.T_FAR * Calibration.youth(10, Calibration.FEW), offset(0.1));
        assertThat(many.temperature()).isCloseTo(Calibration.T_FAR, offset(0.05));
        assertThat(ten.temperature()).isGreaterThan(3.5);
        assertThat(ten.logSd()).isCloseTo(Calibration.T_FAR_SD, offset(1e-6));
    }

    @Test
    void guessesOfYoungerHeadsCountWithoutMakingTheCurrentHeadLookAsBadAsTheyWere() {
        // Heads of n labels needed T = 1.5 (1 + (12 / n)²): 8.0 at 5 labels, 3 at 12, 1.5 from ~100 on.
        IntToDoubleFunction needed = n -> 1.5 * Calibration.youth(n, 12);
        Calibration.Records r = predictions(Calibration.Records.EMPTY, needed, 1, 120, 4, 3);
        Calibration.Fit fit = Calibration.fit(r, 121, 4);
        double now = needed.applyAsDouble(121);
        assertThat(fit.temperature()).as("the temperature a head of 121 labels needs").isBetween(now * 0.8, now * 1.25);
        // Pooling all of them at one temperature (as before) softens too much: the young heads' guesses weigh in.
        double pooled = bestSingleTemperature(r, r.usable(121));
        assertThat(pooled).isGreaterThan(now * 1.2);
        assertThat(Math.abs(fit.temperature() - now)).isLessThan(Math.abs(pooled - now) / 2);
    }

    private static double bestSingleTemperature(Calibration.Records r, int[] use) {
        double best = 1, bestV = Double.POSITIVE_INFINITY;
        for (double t = 0.5; t < 20; t *= 1.02) {
            double v = 0;
            for (int i : use) v += r.nll(i, t);
            if (v < bestV) { bestV = v; best = t; }
        }
        return best;
    }

    @Test
    void predictionsTheHeadCouldNotHaveGotRightAreLeftOut() {
        float[] z = {2f, 1f, Head.MASK_BIAS};
        Calibration.Records r = Calibration.Records.EMPTY
                .with(z, 0, 5, 2)          // usable
                .with(z, 2, 6, 2)          // its class had no example yet
                .with(new float[] {1f, Head.MASK_BIAS, Head.MASK_BIAS}, 0, 1, 1) // one class active
                .with(z, 1, 40, 2);        // made by a head of more labels than asked about
        assertThat(r.usable(30)).containsExactly(0);
        assertThat(r.usable(50)).containsExactly(0, 3);
        assertThatThrownBy(() -> r.with(new float[] {1, 2}, 2, 0, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recordsAreImmutableKeepTheNewestAndWidenWithMaskedClasses() throws Exception {
        Calibration.Records r = predictions(Calibration.Records.EMPTY, n -> 2.0, 0, Calibration.WINDOW + 7, 3, 5);
        assertThat(r.size()).isEqualTo(Calibration.WINDOW);
        assertThat(r.labelsBefore(0)).as("the oldest 7 dropped").isEqualTo(7);
        Calibration.Records more = r.with(new float[] {1, 2, 3}, 2, 999, 3);
        assertThat(r.labelsBefore(Calibration.WINDOW - 1)).isEqualTo(206);
        assertThat(more.labelsBefore(Calibration.WINDOW - 1)).isEqualTo(999);

        Calibration.Records wide = r.widened(5);
        assertThat(wide.logits(0)).hasSize(5);
        assertThat(wide.logits(0)[3]).isEqualTo(Head.MASK_BIAS);
        assertThat(Arrays.copyOf(wide.logits(0), 3)).isEqualTo(r.logits(0));
        // a masked class adds nothing to any softmax: the fit is the same
        assertThat(Calibration.fit(wide, 300, 3).temperature()).isEqualTo(Calibration.fit(r, 300, 3).temperature());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.io.DataOutputStream d = new java.io.DataOutputStream(bytes)) {
            wide.writeTo(d);
        }
        Calibration.Records back = Calibration.Records.readFrom(new java.io.DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), true);
        assertThat(back).isEqualTo(wide).isNotEqualTo(r);
    }

    @Test
    void aPredictionOfWeightTwoCountsAsTwoCopiesOfIt() throws Exception {
        Calibration.Records base = predictions(Calibration.Records.EMPTY, n -> 2.5, 20, 30, 4, 7);
        float[] z = {6, 0, -1, 0.5f}; // a confident wrong guess
        Calibration.Records twice = base.with(z, 1, 50, 4).with(z, 1, 50, 4);
        Calibration.Records weighted = base.with(z, 1, 50, 4, 2f);
        Calibration.Fit a = Calibration.fit(twice, 60, 4), b = Calibration.fit(weighted, 60, 4);
        assertThat(b.temperature()).isCloseTo(a.temperature(), offset(1e-9));
        assertThat(b.logSd()).isCloseTo(a.logSd(), offset(1e-9));
        // down-weighted, the same guess softens less
        assertThat(Calibration.fit(base.with(z, 1, 50, 4, 0.25f), 60, 4).temperature()).isLessThan(b.temperature());
        assertThat(weighted.weight(weighted.size() - 1)).isEqualTo(2f);
        assertThat(base.weight(0)).as("unweighted: 1").isEqualTo(1f);
        assertThat(base.with(z, 1, 50, 4, 100f).weight(base.size())).as("capped").isEqualTo(Calibration.Records.MAX_WEIGHT);
        assertThatThrownBy(() -> base.with(z, 1, 50, 4, 0f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> base.with(z, 1, 50, 4, Float.NaN)).isInstanceOf(IllegalArgumentException.class);

        // written with their weights (LST5); a record written before weights existed (LST4) reads with weight 1
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.io.DataOutputStream d = new java.io.DataOutputStream(bytes)) {
            weighted.writeTo(d);
        }
        Calibration.Records back = Calibration.Records.readFrom(new java.io.DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), true);
        assertThat(back).isEqualTo(weighted).isNotEqualTo(twice);
        ByteArrayOutputStream v4 = new ByteArrayOutputStream();
        try (java.io.DataOutputStream d = new java.io.DataOutputStream(v4)) {
            d.writeInt(1);
            d.writeInt(50); // labels before
            d.writeInt(4);  // active classes
            d.writeInt(1);  // label
            d.writeInt(z.length);
            for (float v : z) d.writeFloat(v);
        }
        Calibration.Records old = Calibration.Records.readFrom(new java.io.DataInputStream(new ByteArrayInputStream(v4.toByteArray())), false);
        assertThat(old).isEqualTo(Calibration.Records.EMPTY.with(z, 1, 50, 4));
        assertThat(old.weight(0)).isEqualTo(1f);
    }

    @Test
    void theUnseenShareIsTheDirichletPosteriorMassOfClassesWithoutExamples() {
        assertThat(Calibration.unseenShare(10, 6, 0)).isZero();
        assertThat(Calibration.unseenShare(10, 6, 1)).isCloseTo(2.0 / (10 + 12), offset(1e-12));
        assertThat(Calibration.unseenShare(10, 10, 3)).isCloseTo(6.0 / 30, offset(1e-12));
        assertThat(Calibration.unseenShare(1000, 10, 1)).isLessThan(0.002);
    }

    @Test
    void theHeadShowsOneMinusTheUnseenShareTimesTheSoftmaxOfItsLogitsOverTheTemperatureAndKeepsBothInItsState()
            throws Exception {
        Blobs blobs = new Blobs(120, 8, 3, 3.0, 9);
        INDArray x = blobs.embeddings();
        Head h = Head.create(HeadConfig.linear(8, 3), 4); // a fourth class without examples
        INDArray mean = x.mean(0).reshape(1, 8);
        for (int c = 0; c < 3; c++) h.activateClass(c, x.getRow(c).reshape(1, 8), mean);
        INDArray y = Nd4j.zeros(40, 4);
        for (int i = 0; i < 40; i++) y.putScalar(i, blobs.y[i], 1f);
        for (int s = 0; s < 20; s++) h.fit(x.get(NDArrayIndex.interval(0, 40), NDArrayIndex.all()), y);
        INDArray before = h.predict(x);
        float[][] z = h.logits(x);
        h.setTemperature(2.0, 0.2);
        h.setUnseenShare(0.1);
        h.setCalibrationRecords(Calibration.Records.EMPTY.with(z[0], 0, 3, 3));
        h.setEstimateHistory(EstimateHistory.EMPTY.with(3, 0.5));
        INDArray after = h.predict(x);
        assertThat(after.argMax(1)).isEqualTo(before.argMax(1));
        for (int i = 0; i < 5; i++) {
            float[] three = java.util.Arrays.copyOf(z[i], 3);
            for (int c = 0; c < 3; c++) {
                // 0.9 × softmax(z / T) averaged over log T ± 0.2 (three Gauss–Hermite points)
                assertThat(after.getDouble(i, c)).isCloseTo(ShownProbability.of(three, c, 2.0, 0.2, 0, 3, 0.1), offset(1e-5));
            }
            assertThat(after.getDouble(i, 3)).isZero();
        }

        HeadState s = h.state();
        assertThat(s.temperature()).isEqualTo(2.0);
        assertThat(s.temperatureLogSd()).isEqualTo(0.2);
        assertThat(s.unseenShare()).isEqualTo(0.1);
        assertThat(s.calibrationRecords().size()).isEqualTo(1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeTo(bytes);
        HeadState back = HeadState.readFrom(new ByteArrayInputStream(bytes.toByteArray()));
        assertThat(back).isEqualTo(s);
        assertThat(Head.fromState(back).predict(x)).isEqualTo(after);
        HeadState exported = s.withoutCalibrationRecords();
        assertThat(exported.calibrationRecords().size()).isZero();
        assertThat(exported.estimateHistory().size()).isZero();
        assertThat(Head.fromState(exported).predict(x)).as("same numbers outside the project").isEqualTo(after);

        // A state written before (format "LST3": the temperature only) reads with no unseen share and no records.
        HeadState noExtras = withoutExtras(s);
        ByteArrayOutputStream old = new ByteArrayOutputStream();
        noExtras.writeTo(old);
        byte[] b = old.toByteArray();
        int extras = 8 + 8 + 4 + 4; // log sd, unseen share, no records, no history
        byte[] v3 = Arrays.copyOf(b, b.length - extras);
        v3[3] = '3';
        HeadState read = HeadState.readFrom(new ByteArrayInputStream(v3));
        assertThat(read.temperature()).isEqualTo(2.0);
        assertThat(read.unseenShare()).isZero();
        assertThat(read.calibrationRecords().size()).isZero();
        assertThatThrownBy(() -> h.setTemperature(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.setUnseenShare(1.0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static HeadState withoutExtras(HeadState s) {
        Head h = Head.fromState(s.withoutCalibrationRecords());
        h.setTemperature(s.temperature(), 0);
        h.setUnseenShare(0);
        return h.state();
    }
}
