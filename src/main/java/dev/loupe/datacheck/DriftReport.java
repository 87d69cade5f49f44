package dev.loupe.datacheck;

import java.util.List;

/**
 * What the drift check found about the images one import added ({@link DriftCheck}).
 *
 * @param newImages         images the import added that have an embedding
 * @param projectImages     images the project had before
 * @param test              the two-sample test (sizes, statistic, threshold, p-value)
 * @param farShare          share of tested new images far from every project image; about {@link #farExpected()} when alike
 * @param lowConfidenceCut  the predicted-class confidence below which an image counts as low: the
 *                          {@value DriftCheck#LOW_CONFIDENCE_QUANTILE} quantile of the labelled images' (NaN: no model)
 * @param lowConfidenceNew  share of the new images below the cut (NaN: no model)
 * @param lowConfidenceProject share of the project's earlier unlabelled images below the cut (NaN: no model or none)
 * @param typical           ids of a few new images most typical of what sets them apart (highest MMD witness first)
 * @param order             ids of every new image, most unlike the project first (the order "show them first" uses)
 */
public record DriftReport(int newImages, int projectImages, DriftTest.Result test, double farShare,
                          double lowConfidenceCut, double lowConfidenceNew, double lowConfidenceProject,
                          List<Long> typical, List<Long> order) {

    public DriftReport {
        typical = List.copyOf(typical);
        order = List.copyOf(order);
    }

    public boolean drifted() { return test.drifted(); }

    public double farExpected() { return DriftTest.FAR_QUANTILE; }

    /** Whether the model is less sure of the new images than of the project's own unlabelled ones (by a clear margin). */
    public boolean lowerConfidence() {
        double base = Double.isNaN(lowConfidenceProject) ? DriftCheck.LOW_CONFIDENCE_QUANTILE : lowConfidenceProject;
        return !Double.isNaN(lowConfidenceNew) && lowConfidenceNew > base + 0.05 && lowConfidenceNew > 1.25 * base;
    }

    /**
     * The plain sentence: "These 240 images look unlike the rest of the project (…): typical examples a, b; the model's
     * accuracy on them is likely lower (…)." {@code typicalNames} names the {@link #typical()} images.
     */
    public String sentence(List<String> typicalNames) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(java.util.Locale.ROOT, "These %d images look unlike the rest of the project (p = %.3f; "
                        + "%.0f %% of them are farther from every earlier image than is usual, against %.0f %% expected)",
                newImages, test.pValue(), 100 * farShare, 100 * farExpected()));
        s.append(": typical examples ").append(String.join(", ", typicalNames));
        if (lowerConfidence()) {
            s.append(String.format(java.util.Locale.ROOT, "; the model's accuracy on them is likely lower (%.0f %% of them "
                            + "get a confidence below that of 90 %% of the labelled images, against %.0f %% of the earlier "
                            + "unlabelled ones)", 100 * lowConfidenceNew,
                    100 * (Double.isNaN(lowConfidenceProject) ? DriftCheck.LOW_CONFIDENCE_QUANTILE : lowConfidenceProject)));
        }
        return s.append('.').toString();
    }
}
