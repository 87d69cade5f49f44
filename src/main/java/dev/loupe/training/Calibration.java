package dev.loupe.training;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * How sure the head is shown to be (docs/adr/0022-calibration-from-the-first-labels.md): a temperature fitted on
 * <em>prequential</em> predictions — each time a label arrives, the head's logits for that image, taken before it
 * learns from it, are kept with the class the user gave — and an "unseen class" share for the classes that have no
 * example yet. Both only rescale what is shown (no predicted class changes): probabilities are
 * {@code (1 − m) · softmax(logits / T)}.
 *
 * <ul>
 *   <li><b>Temperature.</b> A head that has seen one or two images per class is sure of itself far beyond what it
 *   knows; as labels come it needs less softening. So the temperature a head of n labels needs is modelled as
 *   {@code T(n) = T∞ · (1 + (n_c / n)²)}, and T∞ and n_c are fitted together to every kept prediction, each at the
 *   label count of the head that made it (maximum a posteriori: log-normal priors around T∞ = 2, n_c = 9). Old
 *   guesses then still count without making today's head look as bad as it was, and the few labels of a new project
 *   are enough to move it. The head's temperature is {@code T(L)} at its L labels.</li>
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
    /** Prior of T∞: log-normal around this, with this spread of its log. */
    static final double T_FAR = 2.0;
    static final double T_FAR_SD = 0.5;
    /** Prior of n_c, the label count at which a head still needs twice T∞: log-normal. */
    static final double FEW = 9;
    static final double FEW_SD = 0.7;
    private static final double[] FEW_GRID = {0.5, 2, 3, 4, 5, 7, 9, 12, 16, 22, 30, 40};
    /** Steps of the log T grid over [MIN_T, MAX_T]. */
    private static final int T_STEPS = 96;
    /**
     * Labels a class's text counts for in the temperature law of a head whose classes start from their text (ADR 0021):
     * such a head is not a young one — its zero-shot logits were right about as often before the first label as a
     * head of some tens of labels — so its youth is taken at {@code n + TEXT_LABELS}, not n. Without it the law gave
     * T(1) = 50 and the first label flattened every zero-shot guess to near uniform (issue 13b).
     */
    public static final int TEXT_LABELS = 18;
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
    public record Fit(double temperature, double logSd, int used, double uniformShare, double farLog, double few,
                      double youngShare, int extraLabels) {
        public Fit(double temperature, double logSd, int used) {
            this(temperature, logSd, used, 0.0);
        }

        public Fit(double temperature, double logSd, int used, double uniformShare) {
            this(temperature, logSd, used, uniformShare, Math.log(T_FAR), FEW, 0.0, 0);
        }

        /** The law's temperature for a head of {@code labels} labels (this fit's T∞ and n_c). */
        public double temperatureAt(int labels) {
            return Math.max(MIN_T, Math.min(MAX_T, Math.exp(farLog) * youth(labels + extraLabels, few)));
        }

        /** The law's uniform share for a head of {@code labels} labels. */
        public double uniformShareAt(int labels) {
            return uniformAt(youngShare, labels + extraLabels);
        }
    }

    /**
     * Grid of the uniform share ε (the part of each shown distribution spread evenly over the classes with examples):
     * see {@link #fit}. 0 is on it, so a head whose confident guesses are right keeps them.
     */
    private static final double[] UNIFORM_GRID = {0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.35, 0.4};
    /** Prior of ε₀ (the uniform share of a new head): logit-normal around this, with this spread of its log-odds. */
    static final double UNIFORM = 0.2;
    static final double UNIFORM_SD = 0.5;
    /** Labels at which the uniform share has halved: {@code ε(n) = ε₀ / (1 + n / UNIFORM_HALF)}. */
    static final double UNIFORM_HALF = 200;

    /** The uniform share of a head of {@code labels} labels, for ε₀ = {@code young}. */
    static double uniformAt(double young, double labels) {
        return young / (1 + Math.max(0, labels) / UNIFORM_HALF);
    }

    /** {@code 1 + (few / labels)²}: how much more softening a head of {@code labels} labels needs than a mature one. */
    static double youth(double labels, double few) {
        double r = few / Math.max(1, labels);
        return 1 + r * r;
    }

    /**
     * The temperature for a head trained on {@code labels} labels, from the kept predictions: the posterior mode of
     * (T∞, n_c) on a grid (log T∞ in steps of 5 %), then T(L). Without usable predictions, the prior's T(L). Each
     * prediction's log-likelihood counts with its {@linkplain Records#weight weight} (how many images of the collection
     * it stands for, given how it was picked).
     */
    public static Fit fit(Records records, int labels, int activeClasses) {
        return fit(records, labels, activeClasses, 0);
    }

    /**
     * The same for a head whose labels are worth {@code extraLabels} more in the law's youth term (each prediction's
     * and the head's own): {@link #TEXT_LABELS} for a head with classes that start from their text, else 0.
     */
    public static Fit fit(Records records, int labels, int activeClasses, int extraLabels) {
        int[] use = records.usable(labels);
        double lo = Math.log(MIN_T), hi = Math.log(MAX_T), step = (hi - lo) / T_STEPS;
        // right[i][k]: probability prediction use[i] gave its label at temperature exp(lo + k · step)
        double[][] right = new double[use.length][T_STEPS + 1];
        int[] seen = new int[use.length];
        for (int i = 0; i < use.length; i++) {
            seen[i] = records.seenClasses(use[i]);
            for (int k = 0; k <= T_STEPS; k++) right[i][k] = Math.exp(-records.nll(use[i], Math.exp(lo + k * step)));
        }
        double[][] loss = new double[use.length][T_STEPS + 1];
        double[] logYouth = new double[use.length];
        double bestV = Double.POSITIVE_INFINITY, bestFar = Math.log(T_FAR), bestFew = FEW, bestUniform = 0;
        for (double uniform : UNIFORM_GRID) {
            for (int i = 0; i < use.length; i++) {
                double u = uniformAt(uniform, records.labelsBefore(use[i]) + 1 + extraLabels);
                for (int k = 0; k <= T_STEPS; k++) loss[i][k] = -Math.log((1 - u) * right[i][k] + u / seen[i] + 1e-300);
            }
            double uniformPrior = 0.5 * sq((logit(Math.max(uniform, 0.003)) - logit(UNIFORM)) / UNIFORM_SD);
            for (double few : FEW_GRID) {
                for (int i = 0; i < use.length; i++) logYouth[i] = Math.log(youth(records.labelsBefore(use[i]) + 1 + extraLabels, few));
                double fewPrior = uniformPrior + 0.5 * sq((Math.log(few) - Math.log(FEW)) / FEW_SD);
                for (int k = 0; k <= T_STEPS; k++) {
                    double far = lo + k * step;
                    double v = fewPrior + 0.5 * sq((far - Math.log(T_FAR)) / T_FAR_SD);
                    for (int i = 0; i < use.length && v < bestV; i++) {
                        int at = (int) Math.round((far + logYouth[i] - lo) / step);
                        v += records.weight(use[i]) * loss[i][Math.max(0, Math.min(T_STEPS, at))];
                    }
                    if (v < bestV) {
                        bestV = v;
                        bestFar = far;
                        bestFew = few;
                        bestUniform = uniform;
                    }
                }
            }
        }
        double t = Math.exp(bestFar) * youth(labels + extraLabels, bestFew);
        t = Math.max(MIN_T, Math.min(MAX_T, t));
        // Spread of log T∞ (so of log T) with n_c at its mode: curvature of the objective, exactly, at ± h.
        double h = 0.05, fewAt = bestFew, young = bestUniform;
        java.util.function.DoubleUnaryOperator f = far -> {
            double v = 0.5 * sq((far - Math.log(T_FAR)) / T_FAR_SD);
            for (int j = 0; j < use.length; j++) {
                int i = use[j];
                double p = Math.exp(-records.nll(i, Math.exp(far) * youth(records.labelsBefore(i) + 1 + extraLabels, fewAt)));
                double u = uniformAt(young, records.labelsBefore(i) + 1 + extraLabels);
                v -= records.weight(i) * Math.log((1 - u) * p + u / seen[j] + 1e-300);
            }
            return v;
        };
        double curvature = (f.applyAsDouble(bestFar + h) - 2 * f.applyAsDouble(bestFar) + f.applyAsDouble(bestFar - h)) / (h * h);
        double logSd = curvature > 1e-9 ? Math.min(T_FAR_SD, 1 / Math.sqrt(curvature)) : T_FAR_SD;
        return new Fit(t, logSd, use.length, uniformAt(bestUniform, labels + extraLabels), bestFar, bestFew, bestUniform,
                extraLabels);
    }

    /**
     * Labels back the estimate's correction looks: the predictions made in the latest {@code max(GAP_MIN_LABELS,
     * GAP_SHARE · labels)} labels (docs/adr/0023-accuracy-estimate.md, issue 13d).
     */
    static final int GAP_MIN_LABELS = 20;
    static final double GAP_SHARE = 0.5;
    /** Predictions the correction is shrunk by: it counts n / (n + GAP_PRIOR) of the measured gap. */
    static final double GAP_PRIOR = 20;

    /**
     * How far the shown confidence has lately been from being right, in the large: over the recent prequential
     * predictions, each shown as the law of {@code fit} showed it for the head that made it (its own label count), the
     * weighted mean of (predicted right − shown top probability), shrunk toward 0 by {@link #GAP_PRIOR}.
     *
     * @param mean  the shrunk mean gap (add it to a mean shown confidence)
     * @param se    its standard error (shrunk alike)
     * @param count predictions it rests on
     */
    public record Gap(double mean, double se, int count) {
        public static final Gap NONE = new Gap(0, 0, 0);
    }

    /** The {@link Gap} of the predictions made in the latest labels before a head of {@code labels} labels. */
    public static Gap recentGap(Records records, int labels, Fit fit) {
        double since = labels - Math.max(GAP_MIN_LABELS, GAP_SHARE * labels);
        double sw = 0, sr = 0, sr2 = 0;
        int m = 0;
        for (int i : records.usable(labels)) {
            if (records.labelsBefore(i) < since) continue;
            float[] z = records.logits[i];
            int n = records.labelsBefore(i) + 1;
            double t = fit.temperatureAt(n), u = fit.uniformShareAt(n);
            int k = records.seenClasses(i), top = 0;
            for (int c = 1; c < z.length; c++) if (z[c] > z[top]) top = c;
            double p = 0;
            for (int j = 0; j < Head.T_NODES.length; j++) {
                double tj = t * Math.exp(Head.T_NODES[j] * fit.logSd());
                double max = z[top] / tj, s = 0;
                for (float v : z) s += Math.exp(v / tj - max);
                p += Head.T_NODE_WEIGHTS[j] / s;
            }
            double shown = (1 - u) * p + u / k;
            double r = (top == records.label(i) ? 1 : 0) - shown, w = records.weight(i);
            sw += w;
            sr += w * r;
            sr2 += w * r * r;
            m++;
        }
        if (m == 0 || sw <= 0) return Gap.NONE;
        double mean = sr / sw, var = Math.max(0, sr2 / sw - mean * mean) * m / Math.max(1, m - 1);
        double shrink = m / (m + GAP_PRIOR);
        return new Gap(shrink * mean, shrink * Math.sqrt(var / m), m);
    }

    /**
     * Share of images expected to belong to the {@code unseen} live classes that have no example yet, with
     * {@code labels} labels over {@code liveClasses} classes: their Dirichlet(α) posterior predictive mass.
     */
    public static double unseenShare(int labels, int liveClasses, int unseen) {
        if (unseen <= 0 || liveClasses <= 0) return 0.0;
        return unseen * UNSEEN_ALPHA / (Math.max(0, labels) + liveClasses * UNSEEN_ALPHA);
    }

    private static double logit(double p) {
        return Math.log(p / (1 - p));
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
        public static final Records EMPTY = new Records(new int[0], new int[0], new int[0], new float[0][], new float[0]);
        /** Largest weight a prediction may carry (one image standing for this many average ones). */
        public static final float MAX_WEIGHT = 8f;

        private final int[] labelsBefore;
        private final int[] activeClasses;
        private final int[] label;
        private final float[][] logits;
        private final float[] weight;

        private Records(int[] labelsBefore, int[] activeClasses, int[] label, float[][] logits, float[] weight) {
            this.labelsBefore = labelsBefore;
            this.activeClasses = activeClasses;
            this.label = label;
            this.logits = logits;
            this.weight = weight;
        }

        public int size() { return label.length; }

        /** Labels the head had learned when it made prediction {@code i}. */
        public int labelsBefore(int i) { return labelsBefore[i]; }

        public int label(int i) { return label[i]; }

        /** Classes with examples when prediction {@code i} was made. */
        public int activeClasses(int i) { return activeClasses[i]; }

        /** A copy of the logits of prediction {@code i}. */
        public float[] logits(int i) { return logits[i].clone(); }

        /**
         * How much prediction {@code i} counts in the fit: 1 for an image picked the way a random image of the
         * collection would be, or by its predictions alone (the margin queue: the calibration of the logits does not
         * depend on why they were looked at); the cold start's cluster mass for an image it picked as its cluster's
         * representative ({@link Trainer}).
         */
        public float weight(int i) { return weight[i]; }

        /**
         * These plus one prediction: the raw logits {@code z} (no temperature) of a head that had learned
         * {@code before} labels and had {@code active} classes with examples, for an image then labelled {@code y}.
         * The oldest drops out beyond {@link #WINDOW}.
         */
        public Records with(float[] z, int y, int before, int active) {
            return with(z, y, before, active, 1f);
        }

        /** The same with the prediction's {@linkplain #weight weight} (clamped to (0, {@link #MAX_WEIGHT}]). */
        public Records with(float[] z, int y, int before, int active, float w) {
            if (y < 0 || y >= z.length) throw new IllegalArgumentException("label " + y + " outside the logits");
            if (!(w > 0)) throw new IllegalArgumentException("weight " + w + " is not positive");
            int keep = Math.min(size(), WINDOW - 1);
            int from = size() - keep;
            int[] lb = Arrays.copyOfRange(labelsBefore, from, from + keep + 1);
            int[] ac = Arrays.copyOfRange(activeClasses, from, from + keep + 1);
            int[] lab = Arrays.copyOfRange(label, from, from + keep + 1);
            float[][] zz = Arrays.copyOfRange(logits, from, from + keep + 1);
            float[] ww = Arrays.copyOfRange(weight, from, from + keep + 1);
            lb[keep] = before;
            ac[keep] = active;
            lab[keep] = y;
            zz[keep] = z.clone();
            ww[keep] = Math.min(MAX_WEIGHT, w);
            return new Records(lb, ac, lab, zz, ww);
        }

        /** The same predictions for a head widened to {@code classCount} classes (new classes: masked then). */
        Records widened(int classCount) {
            float[][] z = new float[logits.length][];
            for (int i = 0; i < z.length; i++) {
                z[i] = Arrays.copyOf(logits[i], Math.max(classCount, logits[i].length));
                Arrays.fill(z[i], logits[i].length, z[i].length, Head.MASK_BIAS);
            }
            return new Records(labelsBefore, activeClasses, label, z, weight);
        }

        /**
         * Indices of the predictions a fit uses for a head of {@code labels} labels: made with at least two classes
         * active, the label's among them, by a head of fewer labels.
         */
        int[] usable(int labels) {
            int[] out = new int[size()];
            int n = 0;
            for (int i = 0; i < size(); i++) {
                if (labelsBefore[i] < Math.max(labels, 1) && activeClasses[i] >= 2 && logits[i][label[i]] > Head.MASK_BIAS / 2) {
                    out[n++] = i;
                }
            }
            return Arrays.copyOf(out, n);
        }

        /** Classes prediction {@code i} could choose from (those with examples then: logits not masked). */
        int seenClasses(int i) {
            int k = 0;
            for (float v : logits[i]) if (v > Head.MASK_BIAS / 2) k++;
            return Math.max(1, k);
        }

        /** Negative log-likelihood of prediction {@code i} at temperature {@code t}. */
        double nll(int i, double t) {
            float[] z = logits[i];
            double max = Double.NEGATIVE_INFINITY;
            for (float v : z) max = Math.max(max, v / t);
            double s = 0;
            for (float v : z) s += Math.exp(v / t - max);
            return max + Math.log(s) - z[label[i]] / t;
        }

        /** Writes them with their weights (head state format LST5). */
        void writeTo(DataOutputStream d) throws IOException {
            d.writeInt(size());
            for (int i = 0; i < size(); i++) {
                d.writeInt(labelsBefore[i]);
                d.writeInt(activeClasses[i]);
                d.writeInt(label[i]);
                d.writeInt(logits[i].length);
                for (float v : logits[i]) d.writeFloat(v);
                d.writeFloat(weight[i]);
            }
        }

        /** Reads what {@link #writeTo} wrote; {@code weighted} false for LST4, which kept no weights (all 1). */
        static Records readFrom(DataInputStream d, boolean weighted) throws IOException {
            int n = d.readInt();
            if (n < 0 || n > WINDOW) throw new IOException("bad calibration record count " + n);
            int[] lb = new int[n], ac = new int[n], lab = new int[n];
            float[][] z = new float[n][];
            float[] w = new float[n];
            for (int i = 0; i < n; i++) {
                lb[i] = d.readInt();
                ac[i] = d.readInt();
                lab[i] = d.readInt();
                int c = d.readInt();
                if (c < 1 || c > 1_000_000 || lab[i] < 0 || lab[i] >= c) throw new IOException("bad calibration record");
                z[i] = new float[c];
                for (int j = 0; j < c; j++) z[i][j] = d.readFloat();
                w[i] = weighted ? d.readFloat() : 1f;
                if (!(w[i] > 0 && w[i] <= MAX_WEIGHT)) throw new IOException("bad calibration weight " + w[i]);
            }
            return new Records(lb, ac, lab, z, w);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Records r && Arrays.equals(labelsBefore, r.labelsBefore)
                    && Arrays.equals(activeClasses, r.activeClasses) && Arrays.equals(label, r.label)
                    && Arrays.deepEquals(logits, r.logits) && Arrays.equals(weight, r.weight);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(label) * 31 + size();
        }
    }
}
