package dev.loupe.training;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InputNormalizationTest {
    private static final int D = 12;
    private static final Blobs BLOBS = new Blobs(240, D, 3, 4.0, 5);

    /** The blobs on wildly different scales and offsets per dimension, as a backbone's joined blocks are. */
    private static INDArray raw() {
        float[] x = BLOBS.x.clone();
        for (int i = 0; i < BLOBS.n; i++) {
            for (int j = 0; j < D; j++) x[i * D + j] = x[i * D + j] * (float) Math.pow(10, j % 4 - 2) + 3f * j;
        }
        return Nd4j.create(x, new long[] {BLOBS.n, D}, 'c');
    }

    private static INDArray standardised(INDArray x, InputNormalization n) {
        return x.dup().subiRowVector(Nd4j.createFromArray(n.mean())).muliRowVector(Nd4j.createFromArray(n.scale()));
    }

    private static INDArray oneHot(int from, int b, int classes) {
        INDArray y = Nd4j.zeros(b, classes);
        for (int i = 0; i < b; i++) y.putScalar(i, BLOBS.y[from + i], 1f);
        return y;
    }

    @Test
    void statisticsAreThoseOfTheFiniteRowsAndAConstantDimensionIsLeftUnscaled() {
        INDArray x = Nd4j.create(new float[][] {{1, 5, 7}, {3, 5, Float.NaN}, {5, 5, 9}});
        InputNormalization n = InputNormalization.of(x);
        assertThat(n.mean()).containsExactly(3f, 5f, 8f);              // the NaN row is left out entirely
        assertThat(n.scale()[0]).isCloseTo(0.5f, Offset.offset(1e-6f)); // std 2 over rows 0 and 2
        assertThat(n.scale()[1]).isEqualTo(1f);                          // constant: not blown up
        assertThat(n.scale()[2]).isCloseTo(1f, Offset.offset(1e-6f));
        InputNormalization none = InputNormalization.of(Nd4j.create(new float[][] {{Float.NaN, 1, 1}}));
        assertThat(none.mean()).containsExactly(0f, 0f, 0f);
        assertThat(none.scale()).containsExactly(1f, 1f, 1f);
    }

    @Test
    void aNormalisedHeadOnRawInputsLearnsAndPredictsWhatAPlainHeadDoesOnStandardisedInputs() {
        INDArray x = raw();
        InputNormalization n = InputNormalization.of(x);
        INDArray xs = standardised(x, n);
        for (int hidden : new int[] {0, 8}) {
            HeadConfig cfg = new HeadConfig(D, hidden, 1e-2, 1e-3, 11);
            Head a = Head.create(cfg, 3);
            a.setInputNormalization(n);
            Head b = Head.create(cfg, 3);
            for (int c = 0; c < 3; c++) {
                a.activateClass(c, x.getRow(c).reshape(1, D), x.mean(0).reshape(1, D));
                b.activateClass(c, xs.getRow(c).reshape(1, D), x.mean(0).reshape(1, D).subi(Nd4j.createFromArray(n.mean()))
                        .muliRowVector(Nd4j.createFromArray(n.scale())));
            }
            for (int s = 0; s < 15; s++) {
                int from = (s * 13) % 200;
                a.fit(x.get(NDArrayIndex.interval(from, from + 32), NDArrayIndex.all()), oneHot(from, 32, 3));
                b.fit(xs.get(NDArrayIndex.interval(from, from + 32), NDArrayIndex.all()), oneHot(from, 32, 3));
            }
            float[] pa = a.state().paramsView(), pb = b.state().paramsView();
            for (int i = 0; i < pa.length; i++) {
                assertThat(pa[i]).as("hidden %d param %d", hidden, i).isCloseTo(pb[i], Offset.offset(1e-4f + 1e-4f * Math.abs(pb[i])));
            }
            float[] qa = a.predict(x).reshape(-1).toFloatVector(), qb = b.predict(xs).reshape(-1).toFloatVector();
            for (int i = 0; i < qa.length; i++) {
                assertThat(qa[i]).as("hidden %d probability %d", hidden, i).isCloseTo(qb[i], Offset.offset(1e-4f));
            }
            int right = 0;
            int[] arg = a.predict(x).argMax(1).toIntVector();
            for (int i = 0; i < BLOBS.n; i++) if (arg[i] == BLOBS.y[i]) right++;
            if (hidden == 0) { // (15 steps are too few for the hidden layer to settle; the equality above is the point)
                assertThat(right).as("it learned on the raw inputs").isGreaterThan(BLOBS.n * 9 / 10);
            }
        }
    }

    @Test
    void theNormalisationTravelsWithTheStateAndOldStatesStillRead() throws Exception {
        INDArray x = raw();
        Head h = Head.create(HeadConfig.linear(D, 3), 3);
        h.setInputNormalization(InputNormalization.of(x));
        for (int c = 0; c < 3; c++) h.activateClass(c, x.getRow(c).reshape(1, D), x.mean(0).reshape(1, D));
        h.fit(x.get(NDArrayIndex.interval(0, 30), NDArrayIndex.all()), oneHot(0, 30, 3));
        HeadState s = h.state();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeTo(bytes);
        HeadState back = HeadState.readFrom(new ByteArrayInputStream(bytes.toByteArray()));
        assertThat(back).isEqualTo(s);
        assertThat(back.normalization()).isEqualTo(InputNormalization.of(x));
        assertThat(Head.fromState(back).predict(x)).isEqualTo(h.predict(x));

        // A state written before normalisation existed ("LST1", no trailing flag) reads as a head without one.
        Head plain = Head.create(HeadConfig.linear(D, 3), 3);
        ByteArrayOutputStream v2 = new ByteArrayOutputStream();
        plain.state().writeTo(v2);
        // drop the "has normalisation" flag, the temperature and the calibration (LST4: log sd, unseen share, no
        // kept predictions, no estimate curve)
        byte[] b = Arrays.copyOf(v2.toByteArray(), v2.size() - 9 - 8 - 8 - 4 - 4);
        b[3] = '1';                                                  // LST4 -> LST1
        HeadState old = HeadState.readFrom(new ByteArrayInputStream(b));
        assertThat(old.normalization()).isNull();
        assertThat(old).isEqualTo(plain.state());
    }

    @Test
    void aTrainedHeadKeepsItsNormalisation() {
        Head h = Head.create(HeadConfig.linear(D, 3), 3);
        h.activateClass(0, raw().getRow(0).reshape(1, D), raw().mean(0).reshape(1, D));
        assertThatThrownBy(() -> h.setInputNormalization(InputNormalization.of(raw())))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theTrainerGivesANewHeadTheCollectionsNormalisationAndLeavesARestoredOneAlone() throws Exception {
        INDArray x = raw();
        try (Trainer t = Trainer.builder(x, Head.create(HeadConfig.linear(D, 3), 3)).seed(1).start()) {
            Snapshot s = t.submit(LabelUpdate.label(0, BLOBS.y[0])).get(30, TimeUnit.SECONDS);
            assertThat(s.headState().normalization()).isEqualTo(InputNormalization.of(x));
            Snapshot r = t.retrainFromScratch(5, 0.0, 2).get(30, TimeUnit.SECONDS).snapshot();
            assertThat(r.headState().normalization()).isEqualTo(InputNormalization.of(x));
        }
        try (Trainer t = Trainer.builder(x, Head.create(HeadConfig.linear(D, 3), 3)).seed(1).start()) {
            t.submit(LabelUpdate.label(0, BLOBS.y[0])).get(30, TimeUnit.SECONDS);
            // undo back to before the first label restores an untrained head made without the trainer's help
            t.restore(Head.create(HeadConfig.linear(D, 3), 3).state(), List.of(LabelUpdate.unlabel(0))).get(30, TimeUnit.SECONDS);
            Snapshot s = t.submit(LabelUpdate.label(1, BLOBS.y[1])).get(30, TimeUnit.SECONDS);
            assertThat(s.headState().normalization()).as("relearning after such an undo").isEqualTo(InputNormalization.of(x));
        }
        Head trainedPlain = Head.create(HeadConfig.linear(D, 3), 3);
        trainedPlain.activateClass(0, x.getRow(0).reshape(1, D), x.mean(0).reshape(1, D));
        try (Trainer t = Trainer.builder(x, trainedPlain).seed(1).start()) {
            Snapshot s = t.submit(LabelUpdate.label(0, BLOBS.y[0])).get(30, TimeUnit.SECONDS);
            assertThat(s.headState().normalization()).as("a head trained without one stays without").isNull();
        }
        try (Trainer t = Trainer.builder(x, Head.create(HeadConfig.linear(D, 3), 3)).withoutNormalization().seed(1).start()) {
            Snapshot s = t.submit(LabelUpdate.label(0, BLOBS.y[0])).get(30, TimeUnit.SECONDS);
            assertThat(s.headState().normalization()).isNull();
        }
    }
}
