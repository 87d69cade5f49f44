package dev.loupe.bench;

import dev.loupe.training.Head;
import dev.loupe.training.HeadState;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Predictions of a saved head state on held-out rows, outside the trainer (a private copy of the head). */
final class HeadEval {
    private HeadEval() {}

    /** Predicted class of every row of {@code x}; −1 where no class is active. */
    static int[] predict(HeadState state, INDArray x) {
        Head h = Head.fromState(state);
        INDArray p = h.predict(x);
        int n = (int) p.rows(), c = (int) p.columns();
        float[] flat = p.data().asFloat();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = -1;
            float max = 0f;
            for (int j = 0; j < c; j++) if (flat[i * c + j] > max) { max = flat[i * c + j]; best = j; }
            out[i] = best;
        }
        return out;
    }

    static double accuracy(int[] predicted, int[] truth) {
        int ok = 0;
        for (int i = 0; i < truth.length; i++) if (predicted[i] == truth[i]) ok++;
        return truth.length == 0 ? Double.NaN : ok / (double) truth.length;
    }

    /** Epochs of a batch retrain, as the app chooses them (LabellingSession.retrainEpochs). */
    static int retrainEpochs(int labels) {
        int batches = Math.max(1, (labels + 31) / 32);
        return Math.max(5, Math.min(100, 3000 / batches));
    }
}
