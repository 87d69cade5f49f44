package dev.loupe.training;

/**
 * Temperature scaling (Guo et al. 2017) fitted on <em>prequential</em> predictions: each time a label arrives, the
 * head's logits for that image — computed before the head learns from it — are kept with the true class. Those are
 * honest held-out predictions, needing no held-out split of the user's few labels. The temperature that minimises
 * their negative log-likelihood divides the logits before the softmax when scoring, so a shown "90 %" is right
 * about 90 % of the time; it changes no predicted class.
 *
 * <p>Only the most recent {@link #WINDOW} predictions count (older ones came from a less trained head), and until
 * {@link #MIN_PREDICTIONS} exist the temperature stays 1. Used by the trainer's thread only.
 */
public final class Calibration {
    /** Predictions kept (the most recent). */
    public static final int WINDOW = 200;
    /** Predictions needed before the temperature moves from 1. */
    public static final int MIN_PREDICTIONS = 100;
    /** New predictions between two fits: one more among 200 barely moves T, and a fit costs ~14 × 200 × C exps. */
    public static final int REFIT_EVERY = 10;
    static final double MIN_T = 1.0;
    static final double MAX_T = 20;

    private final float[][] logits = new float[WINDOW][];
    private final int[] labels = new int[WINDOW];
    private int count;
    private int next;
    private int addedSinceFit;
    private double temperature = 1.0;
    private boolean fitted;

    /** Records the head's logits for an image and the class the user then gave it. */
    public void add(float[] imageLogits, int label) {
        if (label < 0 || label >= imageLogits.length) throw new IllegalArgumentException("label " + label + " outside the logits");
        logits[next] = imageLogits.clone();
        labels[next] = label;
        next = (next + 1) % WINDOW;
        count = Math.min(count + 1, WINDOW);
        addedSinceFit++;
    }

    /** Whether enough predictions exist for {@link #temperature()} to mean anything (else keep the head's own). */
    public boolean ready() {
        return count >= MIN_PREDICTIONS;
    }

    /**
     * The current temperature: refitted once {@link #MIN_PREDICTIONS} predictions exist and then after every
     * {@link #REFIT_EVERY} new ones; 1 before.
     */
    public double temperature() {
        if (count >= MIN_PREDICTIONS && (!fitted || addedSinceFit >= REFIT_EVERY)) {
            temperature = fit();
            fitted = true;
            addedSinceFit = 0;
        }
        return temperature;
    }

    public int size() {
        return count;
    }


    /** The temperature minimising the kept predictions' negative log-likelihood; 1 with too few of them. */
    public double fit() {
        if (count < MIN_PREDICTIONS) return 1.0;
        if (nll(MIN_T) <= nll(MIN_T * 1.01)) return MIN_T; // the likelihood rises from MIN_T on: its minimum is at or below
        // Golden-section search on log T: the NLL of temperature scaling is unimodal in T.
        double a = Math.log(MIN_T), b = Math.log(MAX_T);
        double g = (Math.sqrt(5) - 1) / 2;
        double c = b - g * (b - a), d = a + g * (b - a);
        double fc = nll(Math.exp(c)), fd = nll(Math.exp(d));
        while (b - a > 0.01) { // T to within 1 %: about 12 evaluations of the likelihood
            if (fc < fd) {
                b = d; d = c; fd = fc;
                c = b - g * (b - a); fc = nll(Math.exp(c));
            } else {
                a = c; c = d; fc = fd;
                d = a + g * (b - a); fd = nll(Math.exp(d));
            }
        }
        return Math.exp((a + b) / 2);
    }

    /** Mean negative log-likelihood of the kept predictions at temperature {@code t}. */
    double nll(double t) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            float[] z = logits[i];
            double max = Double.NEGATIVE_INFINITY;
            for (float v : z) max = Math.max(max, v / t);
            double s = 0;
            for (float v : z) s += Math.exp(v / t - max);
            sum += max + Math.log(s) - z[labels[i]] / t;
        }
        return sum / count;
    }
}
