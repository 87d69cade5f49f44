package dev.loupe.evaluation;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How often the current model is probably right on the images not labelled yet, with a band, and what the learning
 * curve says more labels would buy (docs/adr/0023-accuracy-estimate.md). The estimate is the mean calibrated
 * confidence of the model's predictions over those images: with calibrated confidences that is their expected
 * accuracy. The band is where it lies if the temperature is anywhere in its fitted uncertainty range.
 *
 * @param labels     labels the model has learned
 * @param unlabelled images the estimate is about
 * @param estimate   expected share of them the model predicts right
 * @param low        lower end of the band
 * @param high       upper end of the band
 * @param gains      what {@link #MORE_LABELS} more labels would add, by the learning curve (NaN: not enough curve yet)
 * @param per100     gain per 100 more labels at this point of the curve (NaN: not enough curve yet)
 */
public record AccuracyEstimate(int labels, int unlabelled, double estimate, double low, double high, double[] gains,
                               double per100) {
    /** The projections: this many more labels. */
    public static final int[] MORE_LABELS = {50, 100, 200};
    /** Below this many points per 100 labels the curve is called flat. */
    public static final double FLAT_PER_100 = 1.0;

    public AccuracyEstimate {
        gains = gains.clone();
        if (gains.length != MORE_LABELS.length) throw new IllegalArgumentException("one gain per projection");
    }

    /**
     * The estimate for {@code labels} labels, with the projection from the curve of earlier estimates
     * ({@code curveLabels}, {@code curveEstimates}: oldest first, this one included).
     */
    public static AccuracyEstimate of(int labels, int unlabelled, double estimate, double low, double high,
                                      int[] curveLabels, double[] curveEstimates) {
        LearningCurve curve = LearningCurve.fit(curveLabels, curveEstimates);
        double[] gains = new double[MORE_LABELS.length];
        for (int i = 0; i < gains.length; i++) {
            gains[i] = curve == null ? Double.NaN : curve.gain(Math.max(labels, 1), MORE_LABELS[i]);
        }
        double per100 = curve == null ? Double.NaN : curve.gain(Math.max(labels, 1), 100);
        return new AccuracyEstimate(labels, unlabelled, clamp(estimate), clamp(Math.min(low, estimate)),
                clamp(Math.max(high, estimate)), gains, per100);
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }

    @Override
    public double[] gains() {
        return gains.clone();
    }

    /** Projected accuracy after {@code MORE_LABELS[i]} more labels (NaN while there is no curve). */
    public double projected(int i) {
        return clamp(estimate + gains[i]);
    }

    /** Whether the learning curve has flattened (less than {@link #FLAT_PER_100} points per 100 labels). */
    public boolean flat() {
        return Double.isFinite(per100) && per100 * 100 < FLAT_PER_100;
    }

    /** A plain sentence on whether more labels are worth it. */
    public String hint() {
        if (!Double.isFinite(per100)) return "Label a few more images for a projection of what more labels would buy.";
        String per = String.format(Locale.ROOT, "about %+.1f points per 100 more labels", 100 * per100);
        if (flat()) {
            return "The learning curve has flattened (" + per + "): more labels like these buy little; "
                    + "stop here, or look for the kinds of images it still gets wrong.";
        }
        return "Still learning: " + per + ".";
    }

    /** "72% (66–78%)". */
    public String percent() {
        return String.format(Locale.ROOT, "%.0f%% (%.0f–%.0f%%)", 100 * estimate, 100 * low, 100 * high);
    }

    /** The estimate as JSON fields (for {@code status --json} and the model version files). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("labels", labels);
        m.put("unlabelled", unlabelled);
        m.put("estimate", round(estimate));
        m.put("low", round(low));
        m.put("high", round(high));
        Map<String, Object> p = new LinkedHashMap<>();
        for (int i = 0; i < MORE_LABELS.length; i++) {
            p.put("+" + MORE_LABELS[i], Double.isFinite(gains[i]) ? round(projected(i)) : null);
        }
        m.put("projected", p);
        m.put("points_per_100_labels", Double.isFinite(per100) ? round(100 * per100) : null);
        m.put("hint", hint());
        return m;
    }

    /** Reads what {@link #toJson()} wrote; null when {@code m} is null or not an estimate. */
    @SuppressWarnings("unchecked")
    public static AccuracyEstimate fromJson(Map<String, Object> m) {
        if (m == null || !(m.get("estimate") instanceof Number e)) return null;
        double est = e.doubleValue();
        Map<String, Object> p = m.get("projected") instanceof Map ? (Map<String, Object>) m.get("projected") : Map.of();
        double[] gains = new double[MORE_LABELS.length];
        for (int i = 0; i < gains.length; i++) {
            Object v = p.get("+" + MORE_LABELS[i]);
            gains[i] = v instanceof Number n ? n.doubleValue() - est : Double.NaN;
        }
        Object per = m.get("points_per_100_labels");
        return new AccuracyEstimate(num(m.get("labels")), num(m.get("unlabelled")), est,
                ((Number) m.getOrDefault("low", est)).doubleValue(), ((Number) m.getOrDefault("high", est)).doubleValue(),
                gains, per instanceof Number n ? n.doubleValue() / 100 : Double.NaN);
    }

    private static int num(Object o) {
        return o instanceof Number n ? n.intValue() : 0;
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
