package dev.loupe.training;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HeadTest {
    private static final Blobs BLOBS = new Blobs(300, 16, 3, 4.0, 1);

    private static Head trainedHead(int hidden) {
        Head h = Head.create(new HeadConfig(16, hidden, 1e-2, 1e-3, 7), 3);
        INDArray x = BLOBS.embeddings();
        INDArray mean = x.mean(0).reshape(1, 16);
        for (int c = 0; c < 3; c++) h.activateClass(c, x.getRow(c).reshape(1, 16), mean);
        INDArray batch = x.get(NDArrayIndex.interval(0, 30), NDArrayIndex.all());
        INDArray y = firstOneHot(30, 3);
        for (int s = 0; s < 20; s++) h.fit(batch, y);
        return h;
    }

    @Test
    void widenKeepsEveryProbabilityAndTheAdamState() {
        for (int hidden : new int[] {0, 8}) {
            Head h = trainedHead(hidden);
            INDArray before = h.predict(BLOBS.embeddings());
            HeadState s = h.state();
            h.widen(5);
            INDArray after = h.predict(BLOBS.embeddings());
            assertThat(after.columns()).isEqualTo(5);
            assertThat(after.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3))).isEqualTo(before);
            assertThat(after.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 5)).amaxNumber().doubleValue()).isZero();
            assertThat(h.isActive(3)).isFalse();
            float[] oldU = s.updaterView(), newU = h.state().updaterView();
            assertThat(newU[0]).isEqualTo(oldU[0]);                           // a first moment of the first layer
            assertThat(newU[newU.length / 2]).isEqualTo(oldU[oldU.length / 2]); // its second moment
            assertThat(h.state().iterationCount()).isEqualTo(s.iterationCount());
        }
    }

    @Test
    void theStatesLayersComputeTheHeadsLogits() {
        // HeadState.layers() is what the ONNX export writes: applied by hand, it must give the head's own logits.
        for (int hidden : new int[] {0, 8}) {
            Head h = trainedHead(hidden);
            float[][] x = BLOBS.embeddings().toFloatMatrix();
            float[][] want = h.logits(BLOBS.embeddings());
            java.util.List<HeadState.Dense> layers = h.state().layers();
            assertThat(layers).hasSize(hidden > 0 ? 2 : 1);
            for (int i = 0; i < x.length; i++) {
                float[] v = x[i];
                for (int l = 0; l < layers.size(); l++) {
                    HeadState.Dense layer = layers.get(l);
                    float[] w = layer.weights();
                    float[] out = layer.bias();
                    for (int j = 0; j < layer.out(); j++) {
                        for (int k = 0; k < layer.in(); k++) out[j] += w[j * layer.in() + k] * v[k];
                        if (l < layers.size() - 1) out[j] = Math.max(0, out[j]);
                    }
                    v = out;
                }
                for (int c = 0; c < 3; c++) assertThat((double) Math.abs(v[c] - want[i][c])).isLessThan(1e-4);
            }
        }
    }

    @Test
    void theHandWrittenAdamStepComputesWhatDl4jFitComputes() {
        Head fast = trainedHead(0);
        fast.widen(4); // one masked class, as in the app
        Head ref = Head.fromState(fast.state());
        INDArray x = BLOBS.embeddings();
        for (int s = 0; s < 12; s++) {
            int b = 1 + (s * 7) % 32;
            INDArray batch = x.get(NDArrayIndex.interval(s, s + b), NDArrayIndex.all());
            INDArray y = Nd4j.zeros(b, 4);
            for (int i = 0; i < b; i++) y.putScalar(i, BLOBS.y[s + i], 1f);
            fast.fit(batch, y);
            ref.fitWithDl4j(batch, y);
        }
        HeadState a = fast.state(), r = ref.state();
        assertThat(a.iterationCount()).isEqualTo(r.iterationCount());
        float[] pa = a.paramsView(), pr = r.paramsView();
        float[] ua = a.updaterView(), ur = r.updaterView();
        for (int i = 0; i < pa.length; i++) assertThat(pa[i]).as("param %d", i).isCloseTo(pr[i], org.assertj.core.data.Offset.offset(1e-4f + 1e-4f * Math.abs(pr[i])));
        for (int i = 0; i < ua.length; i++) assertThat(ua[i]).as("moment %d", i).isCloseTo(ur[i], org.assertj.core.data.Offset.offset(1e-6f + 1e-3f * Math.abs(ur[i])));
        assertThat(fast.predict(x).getColumn(3).amaxNumber().doubleValue()).as("masked class").isZero();
    }

    @Test
    void aLowerL2SetByTheTrainerStepsLikeAHeadConfiguredWithIt() {
        INDArray batch = BLOBS.embeddings().get(NDArrayIndex.interval(0, 30), NDArrayIndex.all());
        INDArray y = firstOneHot(30, 3);
        Head lowered = Head.create(new HeadConfig(16, 0, 1e-2, 1e-1, 7), 3);
        lowered.setL2(1e-4);
        Head configured = Head.create(new HeadConfig(16, 0, 1e-2, 1e-4, 7), 3);
        Head strong = Head.create(new HeadConfig(16, 0, 1e-2, 1e-1, 7), 3);
        for (int s = 0; s < 30; s++) {
            lowered.fit(batch, y);
            configured.fit(batch, y);
            strong.fit(batch, y);
        }
        float[] pl = lowered.state().paramsView(), pc = configured.state().paramsView(), ps = strong.state().paramsView();
        double maxDiff = 0, maxStrongDiff = 0;
        for (int i = 0; i < pl.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(pl[i] - pc[i]));
            maxStrongDiff = Math.max(maxStrongDiff, Math.abs(pl[i] - ps[i]));
        }
        assertThat(maxDiff).isLessThan(1e-6);
        assertThat(maxStrongDiff).as("the configured L2 of 0.1 would have shrunk the weights").isGreaterThan(1e-2);
        assertThatThrownBy(() -> lowered.setL2(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLearningRateScaleStepsLikeAHeadConfiguredWithTheScaledRate() {
        INDArray batch = BLOBS.embeddings().get(NDArrayIndex.interval(0, 30), NDArrayIndex.all());
        INDArray y = firstOneHot(30, 3);
        // Set before the first step (the updater is bound then) ...
        Head scaled = Head.create(new HeadConfig(16, 0, 1e-2, 1e-2, 7), 3);
        scaled.setLearningRateScale(0.25);
        Head configured = Head.create(new HeadConfig(16, 0, 2.5e-3, 1e-2, 7), 3);
        for (int s = 0; s < 10; s++) {
            scaled.fit(batch, y);
            configured.fit(batch, y);
        }
        assertThat(maxAbsDiff(scaled.state().paramsView(), configured.state().paramsView())).isLessThan(1e-6);

        // ... or between steps: an Adam step's size is proportional to the rate.
        Head a = Head.create(new HeadConfig(16, 0, 1e-2, 1e-2, 7), 3);
        Head b = Head.create(new HeadConfig(16, 0, 1e-2, 1e-2, 7), 3);
        a.fit(batch, y);
        b.fit(batch, y);
        float[] before = a.state().paramsView().clone();
        a.setLearningRateScale(0.25);
        a.fit(batch, y);
        b.fit(batch, y);
        float[] pa = a.state().paramsView(), pb = b.state().paramsView();
        double worst = 0, moved = 0;
        for (int i = 0; i < pa.length; i++) {
            worst = Math.max(worst, Math.abs((pa[i] - before[i]) - 0.25 * (pb[i] - before[i])));
            moved = Math.max(moved, Math.abs(pb[i] - before[i]));
        }
        assertThat(moved).isGreaterThan(1e-3);
        assertThat(worst).isLessThan(1e-6);
        assertThatThrownBy(() -> a.setLearningRateScale(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** One-hot labels of the first {@code n} blobs over {@code classes} columns. */
    private static INDArray firstOneHot(int n, int classes) {
        INDArray y = Nd4j.zeros(n, classes);
        for (int i = 0; i < n; i++) y.putScalar(i, BLOBS.y[i], 1f);
        return y;
    }

    private static double maxAbsDiff(float[] p, float[] q) {
        double m = 0;
        for (int i = 0; i < p.length; i++) m = Math.max(m, Math.abs(p[i] - q[i]));
        return m;
    }

    @Test
    void maskedClassesStayAtZeroWhileOthersTrain() {
        Head h = trainedHead(0);
        h.widen(4);
        INDArray batch = BLOBS.embeddings().get(NDArrayIndex.interval(0, 30), NDArrayIndex.all());
        INDArray y = firstOneHot(30, 4);
        for (int s = 0; s < 10; s++) h.fit(batch, y);
        assertThat(h.predict(BLOBS.embeddings()).getColumn(3).amaxNumber().doubleValue()).isZero();
    }

    @Test
    void activatingAClassPredictsItNearItsExample() {
        Head h = trainedHead(0);
        h.widen(4);
        INDArray x = BLOBS.embeddings();
        INDArray far = x.getRow(0).mul(-3).reshape(1, 16); // a new region of the space
        h.activateClass(3, far, x.mean(0).reshape(1, 16));
        assertThat(h.predict(far).argMax(1).getInt(0)).isEqualTo(3);
        assertThat(h.weightNorm(3)).isCloseTo((h.weightNorm(0) + h.weightNorm(1) + h.weightNorm(2)) / 3, org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void restoreGivesBackExactPredictions() {
        Head h = trainedHead(0);
        INDArray before = h.predict(BLOBS.embeddings());
        HeadState s = h.state();
        h.widen(4);
        h.fit(BLOBS.embeddings().get(NDArrayIndex.interval(0, 5), NDArrayIndex.all()), Nd4j.eye(4).getRows(0, 1, 2, 0, 1));
        h.restore(s);
        INDArray after = h.predict(BLOBS.embeddings());
        assertThat(after.sub(before).amaxNumber().doubleValue()).isLessThanOrEqualTo(1e-6);
        assertThat(h.state()).isEqualTo(s);
    }

    @Test
    void stateRoundTripsThroughAStreamAndRebuildsTheSameHead() throws Exception {
        Head h = trainedHead(0);
        h.widen(4);
        ByteArrayOutputStream so = new ByteArrayOutputStream();
        h.state().writeTo(so);
        HeadState read = HeadState.readFrom(new ByteArrayInputStream(so.toByteArray()));
        assertThat(read).isEqualTo(h.state());
        Head back = Head.fromState(read);
        assertThat(back.classCount()).isEqualTo(4);
        assertThat(back.isActive(3)).isFalse();
        assertThat(back.predict(BLOBS.embeddings())).isEqualTo(h.predict(BLOBS.embeddings()));
    }

    @Test
    void onlyTheBoundThreadMayTouchTheHead() throws Exception {
        Head h = trainedHead(0);
        Thread owner = new Thread(() -> { }, "owner");
        h.bindWriter(owner);
        assertThatThrownBy(() -> h.widen(4)).isInstanceOf(IllegalStateException.class).hasMessageContaining("owner");
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Thread t = new Thread(() -> { try { h.state(); } catch (Throwable e) { seen.set(e); } }, "other");
        t.start();
        t.join();
        assertThat(seen.get()).isInstanceOf(IllegalStateException.class);
    }
}
