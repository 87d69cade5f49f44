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
        return scores(state, x, truth).ece();
    }

    /** Bins of the reliability diagram (equal width over the top probability). */
    static final int BINS = 10;
    /** "Shown as sure": top probability at least this. */
    static final double SURE = 0.9;

    /**
     * What a held-out split says about a head's shown confidences.
     *
     * @param accuracy share of rows predicted right
     * @param count    rows per confidence bin
     * @param conf     sum of the top probabilities per bin
     * @param right    rows predicted right per bin
     * @param sure     rows shown at {@link #SURE} or more
     * @param sureWrong of those, the ones predicted wrong
     */
    record Scores(double accuracy, long[] count, double[] conf, long[] right, long sure, long sureWrong) {
        int rows() { return (int) java.util.Arrays.stream(count).sum(); }

        double ece() { return ece(count, conf, right); }

        /** Share of the rows shown at ≥ 90 % that are wrong (NaN when none is). */
        double wrongWhenSure() { return sure == 0 ? Double.NaN : sureWrong / (double) sure; }

        static double ece(long[] count, double[] conf, long[] right) {
            long n = 0;
            double e = 0;
            for (int b = 0; b < count.length; b++) {
                n += count[b];
                if (count[b] > 0) e += Math.abs(right[b] - conf[b]);
            }
            return n == 0 ? Double.NaN : e / n;
        }

        /**
         * The ECE a perfectly calibrated head with the same confidences would show on this many rows (each row right
         * with the probability it shows): the floor sampling noise puts under any ECE measured on this split.
         * Monte Carlo, per bin, seeded.
         */
        static double eceFloor(long[] count, double[] conf, long seed) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
            int draws = 200;
            long n = 0;
            double e = 0;
            for (int b = 0; b < count.length; b++) {
                n += count[b];
                if (count[b] == 0) continue;
                double p = conf[b] / count[b];
                double dev = 0;
                for (int k = 0; k < draws; k++) {
                    long x = 0;
                    if (count[b] <= 2000) {
                        for (long i = 0; i < count[b]; i++) if (r.nextDouble() < p) x++;
                        dev += Math.abs(x - conf[b]);
                    } else { // normal approximation for big bins
                        dev += Math.abs(r.nextGaussian() * Math.sqrt(count[b] * p * (1 - p)));
                    }
                }
                e += dev / draws;
            }
            return n == 0 ? Double.NaN : e / n;
        }

        static Scores sum(java.util.List<Scores> all) {
            long[] count = new long[BINS];
            double[] conf = new double[BINS];
            long[] right = new long[BINS];
            long sure = 0, sureWrong = 0, rows = 0;
            double ok = 0;
            for (Scores s : all) {
                for (int b = 0; b < BINS; b++) {
                    count[b] += s.count[b];
                    conf[b] += s.conf[b];
                    right[b] += s.right[b];
                }
                sure += s.sure;
                sureWrong += s.sureWrong;
                ok += s.accuracy * s.rows();
                rows += s.rows();
            }
            return new Scores(rows == 0 ? Double.NaN : ok / rows, count, conf, right, sure, sureWrong);
        }
    }

    /** The head's shown probabilities on {@code x} against {@code truth}. */
    static Scores scores(HeadState state, INDArray x, int[] truth) {
        INDArray p = Head.fromState(state).predict(x);
        int n = (int) p.rows(), c = (int) p.columns();
        float[] flat = p.data().asFloat();
        long[] count = new long[BINS];
        double[] conf = new double[BINS];
        long[] right = new long[BINS];
        long sure = 0, sureWrong = 0;
        int ok = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < c; j++) if (flat[i * c + j] > flat[i * c + best]) best = j;
            double top = flat[i * c + best];
            boolean hit = top > 0 && best == truth[i];
            int b = Math.min(BINS - 1, (int) (top * BINS));
            count[b]++;
            conf[b] += top;
            if (hit) { right[b]++; ok++; }
            if (top >= SURE) {
                sure++;
                if (!hit) sureWrong++;
            }
        }
        return new Scores(n == 0 ? Double.NaN : ok / (double) n, count, conf, right, sure, sureWrong);
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
