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

    /**
     * Expected calibration error of the head on {@code x}: rows binned by their top probability into 10 equal-width
     * bins, the mean over rows of |bin accuracy − bin mean confidence|. 0 = the shown confidences are honest.
     */
    static double calibrationError(HeadState state, INDArray x, int[] truth) {
        INDArray p = Head.fromState(state).predict(x);
        int n = (int) p.rows(), c = (int) p.columns();
        float[] flat = p.data().asFloat();
        int bins = 10;
        double[] conf = new double[bins];
        int[] right = new int[bins];
        int[] count = new int[bins];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < c; j++) if (flat[i * c + j] > flat[i * c + best]) best = j;
            double top = flat[i * c + best];
            int b = Math.min(bins - 1, (int) (top * bins));
            conf[b] += top;
            count[b]++;
            if (best == truth[i]) right[b]++;
        }
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) ece += Math.abs(right[b] - conf[b]) / n;
        }
        return ece;
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
