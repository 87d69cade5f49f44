package dev.loupe.training;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * How sure the head is shown to be (docs/adr/0022-calibration-from-the-first-labels.md): a temperature fitted on
 * <em>prequential</em> predictions — each time a label arrives, the head's logits for that image, taken before it
 * learns from it, are kept with the class the user gave — shrunk towards a prior while they are few, and an
 * "unseen class" share for the classes that have no example yet. Both only rescale what is shown (no predicted class
 * changes): probabilities are {@code (1 − m) · softmax(logits / T)}.
 *
 * <ul>
 *   <li><b>Temperature.</b> log T maximises the kept predictions' likelihood plus a normal prior on log T centred on
 *   {@code 2 · (1 + (9 / L)²)} with spread {@code 0.3 + 2.2 · (1 − 1 / (1 + (9 / L)²))} at L labels: at 10 labels a
 *   wide prior around T ≈ 3.6 (the head has seen one or two images per class and is sure of itself far beyond what
 *   it knows), from ~40 labels a narrow one around 2. Predictions made by a much younger head are left out (those
 *   from fewer than L / 4 labels, and from fewer than 2 per class once there are 4 per class): a head learns fastest
 *   early on, so old guesses would say it is worse than it is now.</li>
 *   <li><b>Unseen classes.</b> While k of the C live classes have no example, the head cannot predict them, yet an
 *   image may well belong to one: their share is the Dirichlet-multinomial posterior predictive
 *   {@code k · α / (L + C · α)} with α = 2, and every shown probability is multiplied by one minus it.</li>
 * </ul>
 *
 * <p>The kept predictions travel with the head's state ({@link Records} in {@link HeadState}), so undo, redo, model
 * versions and a reopened project keep exactly the calibration they had.
 */
public final class Calibration {
    /** Predictions kept (the most recent). */
    public static final int WINDOW = 200;
    static final double MIN_T = 0.5;
    static final double MAX_T = 50;
    /** Prior: log T ~ N(log(T_FAR · (1 + (FEW / L)²)), sd), sd from SD_FAR (many labels) to SD_FEW (very few). */
    static final double T_FAR = 2.0;
    static final double FEW = 9;
    static final double SD_FAR = 0.3;
    static final double SD_FEW = 2.5;
    /** Predictions from heads with fewer than this share of the current labels are not used. */
    static final double MIN_AGE_SHARE = 0.25;
    /** ... nor those from fewer than this many labels per class, once there are twice as many. */
    static final int MIN_PER_CLASS = 2;
    /** The Dirichlet prior's α behind the unseen-class share. */
    static final double UNSEEN_ALPHA = 2.0;

    private Calibration() {}

    /**
     * The fitted temperature and how well the predictions pin it down.
     *
     * @param temperature the logits are divided by it
     * @param logSd       standard deviation of log T (from the curvature of the fitted objective), for the band of
     *                    the accuracy estimate
     * @param used        predictions the fit used
     */
    public record Fit(double temperature, double logSd, int used) {}

    /** Centre of the prior on the temperature with {@code labels} labels. */
    static double priorTemperature(int labels) {
        return T_FAR * few(labels);
    }

    /** Spread (of log T) of the prior with {@code labels} labels. */
    static double priorSd(int labels) {
        return SD_FAR + (SD_FEW - SD_FAR) * (1 - 1 / few(labels));
    }

    private static double few(int labels) {
        double r = FEW / Math.max(1, labels);
        return 1 + r * r;
    }

    /**
     * The temperature for a head trained on {@code labels} labels with {@code activeClasses} classes that have
     * examples, from the kept predictions: golden-section search on log T after a coarse scan (the objective is
     * smooth but a strong prior and few predictions can make it flat).
     */
    public static Fit fit(Records records, int labels, int activeClasses) {
        int[] use = records.usable(labels, activeClasses);
        double mu = Math.log(priorTemperature(labels));
        double sd = priorSd(labels);
        java.util.function.DoubleUnaryOperator f = u -> records.nll(use, Math.exp(u)) + 0.5 * sq((u - mu) / sd);
        double lo = Math.log(MIN_T), hi = Math.log(MAX_T);
        int grid = 24;
        double best = lo, bestV = Double.POSITIVE_INFINITY;
        for (int i = 0; i <= grid; i++) {
            double u = lo + (hi - lo) * i / grid;
            double v = f.applyAsDouble(u);
            if (v < bestV) { bestV = v; best = u; }
        }
        double step = (hi - lo) / grid;
        double a = Math.max(lo, best - step), b = Math.min(hi, best + step);
        double g = (Math.sqrt(5) - 1) / 2;
        double c = b - g * (b - a), d = a + g * (b - a);
        double fc = f.applyAsDouble(c), fd = f.applyAsDouble(d);
        while (b - a > 0.005) {
            if (fc < fd) {
                b = d; d = c; fd = fc;
                c = b - g * (b - a); fc = f.applyAsDouble(c);
            } else {
                a = c; c = d; fc = fd;
                d = a + g * (b - a); fd = f.applyAsDouble(d);
            }
        }
        double u = (a + b) / 2;
        double h = 0.05;
        double curvature = (f.applyAsDouble(u + h) - 2 * f.applyAsDouble(u) + f.applyAsDouble(u - h)) / (h * h);
        double logSd = curvature > 1e-9 ? Math.min(sd, 1 / Math.sqrt(curvature)) : sd;
        return new Fit(Math.exp(u), logSd, use.length);
    }

    /**
     * Share of images expected to belong to the {@code unseen} live classes that have no example yet, with
     * {@code labels} labels over {@code liveClasses} classes: their Dirichlet(α) posterior predictive mass.
     */
    public static double unseenShare(int labels, int liveClasses, int unseen) {
        if (unseen <= 0 || liveClasses <= 0) return 0.0;
        return unseen * UNSEEN_ALPHA / (Math.max(0, labels) + liveClasses * UNSEEN_ALPHA);
    }

    private static double sq(double v) {
        return v * v;
    }

    /**
     * The kept prequential predictions, oldest first, at most {@link #WINDOW}: immutable (adding one makes a new
     * set), so a head state can hold them.
     */
    public static final class Records {
        /** No predictions. */
        public static final Records EMPTY = new Records(new int[0], new int[0], new int[0], new float[0][]);

        private final int[] labelsBefore;
        private final int[] activeClasses;
        private final int[] label;
        private final float[][] logits;

        private Records(int[] labelsBefore, int[] activeClasses, int[] label, float[][] logits) {
            this.labelsBefore = labelsBefore;
            this.activeClasses = activeClasses;
            this.label = label;
            this.logits = logits;
        }

        public int size() { return label.length; }

        /** Labels the head had learned when it made prediction {@code i}. */
        public int labelsBefore(int i) { return labelsBefore[i]; }

        public int label(int i) { return label[i]; }

        /** A copy of the logits of prediction {@code i}. */
        public float[] logits(int i) { return logits[i].clone(); }

        /**
         * These plus one prediction: the raw logits {@code z} (no temperature) of a head that had learned
         * {@code before} labels and had {@code active} classes with examples, for an image then labelled {@code y}.
         * The oldest drops out beyond {@link #WINDOW}.
         */
        public Records with(float[] z, int y, int before, int active) {
            if (y < 0 || y >= z.length) throw new IllegalArgumentException("label " + y + " outside the logits");
            int keep = Math.min(size(), WINDOW - 1);
            int from = size() - keep;
            int[] lb = Arrays.copyOfRange(labelsBefore, from, from + keep + 1);
            int[] ac = Arrays.copyOfRange(activeClasses, from, from + keep + 1);
            int[] lab = Arrays.copyOfRange(label, from, from + keep + 1);
            float[][] zz = Arrays.copyOfRange(logits, from, from + keep + 1);
            lb[keep] = before;
            ac[keep] = active;
            lab[keep] = y;
            zz[keep] = z.clone();
            return new Records(lb, ac, lab, zz);
        }

        /** The same predictions for a head widened to {@code classCount} classes (new classes: masked then). */
        Records widened(int classCount) {
            float[][] z = new float[logits.length][];
            for (int i = 0; i < z.length; i++) {
                z[i] = Arrays.copyOf(logits[i], Math.max(classCount, logits[i].length));
                Arrays.fill(z[i], logits[i].length, z[i].length, Head.MASK_BIAS);
            }
            return new Records(labelsBefore, activeClasses, label, z);
        }

        /**
         * Indices of the predictions a fit uses for a head of {@code labels} labels and {@code active} active
         * classes: made with at least two classes active, the label's among them, by a head not much younger.
         */
        int[] usable(int labels, int active) {
            double minAge = MIN_AGE_SHARE * labels;
            int perClass = MIN_PER_CLASS * Math.max(2, active);
            if (labels >= 2 * perClass) minAge = Math.max(minAge, perClass);
            int[] out = new int[size()];
            int n = 0;
            for (int i = 0; i < size(); i++) {
                if (labelsBefore[i] >= minAge && labelsBefore[i] < Math.max(labels, 1) && activeClasses[i] >= 2
                        && logits[i][label[i]] > Head.MASK_BIAS / 2) {
                    out[n++] = i;
                }
            }
            return Arrays.copyOf(out, n);
        }

        /** Negative log-likelihood (summed) of predictions {@code use} at temperature {@code t}. */
        double nll(int[] use, double t) {
            double sum = 0;
            for (int i : use) {
                float[] z = logits[i];
                double max = Double.NEGATIVE_INFINITY;
                for (float v : z) max = Math.max(max, v / t);
                double s = 0;
                for (float v : z) s += Math.exp(v / t - max);
                sum += max + Math.log(s) - z[label[i]] / t;
            }
            return sum;
        }

        void writeTo(DataOutputStream d) throws IOException {
            d.writeInt(size());
            for (int i = 0; i < size(); i++) {
                d.writeInt(labelsBefore[i]);
                d.writeInt(activeClasses[i]);
                d.writeInt(label[i]);
                d.writeInt(logits[i].length);
                for (float v : logits[i]) d.writeFloat(v);
            }
        }

        static Records readFrom(DataInputStream d) throws IOException {
            int n = d.readInt();
            if (n < 0 || n > WINDOW) throw new IOException("bad calibration record count " + n);
            int[] lb = new int[n], ac = new int[n], lab = new int[n];
            float[][] z = new float[n][];
            for (int i = 0; i < n; i++) {
                lb[i] = d.readInt();
                ac[i] = d.readInt();
                lab[i] = d.readInt();
                int c = d.readInt();
                if (c < 1 || c > 1_000_000 || lab[i] < 0 || lab[i] >= c) throw new IOException("bad calibration record");
                z[i] = new float[c];
                for (int j = 0; j < c; j++) z[i][j] = d.readFloat();
            }
            return new Records(lb, ac, lab, z);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Records r && Arrays.equals(labelsBefore, r.labelsBefore)
                    && Arrays.equals(activeClasses, r.activeClasses) && Arrays.equals(label, r.label)
                    && Arrays.deepEquals(logits, r.logits);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(label) * 31 + size();
        }
    }
}
