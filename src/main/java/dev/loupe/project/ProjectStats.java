package dev.loupe.project;

import java.util.Map;

/**
 * Counts for {@code loupe status}. {@code labelsPerClass} lists the live classes in display order
 * (zero counts included); prequential accuracy covers label events that carried a prediction verdict.
 */
public record ProjectStats(long images, Map<ImageStatus, Long> imagesByStatus, long labelled,
                           Map<LabelClass, Long> labelsPerClass, Accuracy prequential,
                           Accuracy prequentialLast50) {

    /** {@code correct} out of {@code total}; {@link #rate()} is NaN when total is 0. */
    public record Accuracy(int correct, int total) {
        public double rate() {
            return total == 0 ? Double.NaN : (double) correct / total;
        }
    }
}
