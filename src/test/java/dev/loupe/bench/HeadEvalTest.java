package dev.loupe.bench;

import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.HeadState;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

class HeadEvalTest {

    @Test
    void calibrationErrorIsOneMinusConfidenceWhenAlwaysRightAndTheConfidenceWhenAlwaysWrong() {
        LabelledEmbeddings blobs = Latency.blobs(300, 8, 3, 1.0, 4);
        INDArray x = blobs.matrix();
        Head h = Head.create(HeadConfig.linear(8, 1), 3);
        INDArray mean = x.mean(0).reshape(1, 8);
        for (int c = 0; c < 3; c++) {
            int row = 0;
            while (blobs.y()[row] != c) row++;
            h.activateClass(c, x.getRow(row).reshape(1, 8), mean);
        }
        INDArray y = Nd4j.zeros(300, 3);
        for (int i = 0; i < 300; i++) y.putScalar(i, blobs.y()[i], 1f);
        for (int s = 0; s < 20; s++) h.fit(x, y);
        HeadState state = h.state();

        int[] predicted = HeadEval.predict(state, x);
        float[] p = h.predict(x).data().asFloat();
        double meanTop = 0;
        int[] wrong = new int[300];
        for (int i = 0; i < 300; i++) {
            meanTop += p[i * 3 + predicted[i]] / 300.0;
            wrong[i] = (predicted[i] + 1) % 3;
        }
        assertThat(HeadEval.calibrationError(state, x, predicted)).isCloseTo(1 - meanTop, Offset.offset(1e-6));
        assertThat(HeadEval.calibrationError(state, x, wrong)).isCloseTo(meanTop, Offset.offset(1e-6));
    }
}
