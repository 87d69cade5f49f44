package dev.loupe.training;

import dev.loupe.evaluation.AccuracyEstimate;
import dev.loupe.ranking.QueryStrategy;

import java.util.Arrays;

/**
 * What the UI sees after a step: predictions, confidences, strategy scores and the labelling queue for every row,
 * plus the head state that produced them (for undo). Immutable: its arrays are never written after publication
 * and are only handed out element-wise or as copies.
 */
public final class Snapshot {
    private final long modelVersion;
    private final int labelCount;
    private final int classCount;
    private final int activeClassCount;
    private final int[] predicted;
    private final float[] confidence;
    private final float[] score;
    private final int[] queue;
    private final int sortedPrefix;
    private final boolean coldStart;
    private final QueryStrategy strategy;
    private final int adamSteps;
    private final int appliedUpdates;
    private final double stepMillis;
    private final double rerankMillis;
    private final HeadState headState;
    private final int[] scoredAt;
    private final long headVersion;
    private final int staleRows;
    private final AccuracyEstimate estimate;

    Snapshot(long modelVersion, int labelCount, int classCount, int activeClassCount, int[] predicted,
             float[] confidence, float[] score, int[] queue, int sortedPrefix, boolean coldStart,
             QueryStrategy strategy, int adamSteps, int appliedUpdates, double stepMillis, double rerankMillis,
             HeadState headState, int[] scoredAt, long headVersion, int staleRows, AccuracyEstimate estimate) {
        this.modelVersion = modelVersion;
        this.labelCount = labelCount;
        this.classCount = classCount;
        this.activeClassCount = activeClassCount;
        this.predicted = predicted;
        this.confidence = confidence;
        this.score = score;
        this.queue = queue;
        this.sortedPrefix = sortedPrefix;
        this.coldStart = coldStart;
        this.strategy = strategy;
        this.adamSteps = adamSteps;
        this.appliedUpdates = appliedUpdates;
        this.stepMillis = stepMillis;
        this.rerankMillis = rerankMillis;
        this.headState = headState;
        this.scoredAt = scoredAt;
        this.headVersion = headVersion;
        this.staleRows = staleRows;
        this.estimate = estimate;
    }

    /** +1 for every published snapshot. */
    public long modelVersion() { return modelVersion; }
    public int labelCount() { return labelCount; }
    public int classCount() { return classCount; }
    /** Classes with at least one trainable example; the others are masked (probability 0). */
    public int activeClassCount() { return activeClassCount; }
    public int rowCount() { return predicted.length; }
    /** Predicted class of a row, −1 while no class is active. */
    public int predictedClass(int row) { return predicted[row]; }
    /** Max class probability of a row. */
    public float confidence(int row) { return confidence[row]; }
    /** Strategy score of a row (higher = asked sooner). */
    public float score(int row) { return score[row]; }
    /** Number of unlabelled rows, all of them in the queue. */
    public int queueSize() { return queue.length; }
    public int queueAt(int i) { return queue[i]; }
    /** The first {@code k} rows of the queue (fewer if the queue is shorter), as a copy. */
    public int[] queueHead(int k) { return Arrays.copyOf(queue, Math.min(k, queue.length)); }
    /** Queue positions [0, sortedPrefix) are fully sorted; later ones are in no particular order. */
    public int sortedPrefix() { return sortedPrefix; }
    /** True while the queue follows the cold-start (k-means) order rather than the strategy. */
    public boolean coldStart() { return coldStart; }
    public QueryStrategy strategy() { return strategy; }
    /** Adam steps taken in the step that produced this snapshot. */
    public int adamSteps() { return adamSteps; }
    /** Label updates this step covered (more than one when they were coalesced). */
    public int appliedUpdates() { return appliedUpdates; }
    /** Time spent applying labels and training. */
    public double stepMillis() { return stepMillis; }
    /** Time spent scoring rows (every row, or the hot rows and a slice: see {@link #staleRows()}) and ordering the queue. */
    public double rerankMillis() { return rerankMillis; }
    /** The head as it was when this snapshot was scored; hand it to {@link Trainer#restore} to undo. */
    public HeadState headState() { return headState; }

    /**
     * Rows whose prediction, confidence and score come from an older head than this snapshot's (large collections
     * re-score only part of the rows per step; see {@link ScoringPolicy}). 0 when every row is fresh.
     */
    public int staleRows() { return staleRows; }
    /** Whether a row's prediction and score were computed by an older head than {@link #headState()}. */
    public boolean isStale(int row) { return scoredAt[row] < headVersion; }
    /** Model version at which a row was last scored. */
    public long scoredVersion(int row) { return scoredAt[row]; }
    /** Model version that introduced this snapshot's head (earlier than {@link #modelVersion()} after an idle refresh). */
    public long headVersion() { return headVersion; }

    /**
     * The estimated accuracy of this snapshot's model on the unlabelled rows, with its band and projection; null
     * while no class is active or every row is labelled.
     */
    public AccuracyEstimate estimate() { return estimate; }

    public int[] predictedCopy() { return predicted.clone(); }
    public float[] confidenceCopy() { return confidence.clone(); }

    @Override
    public String toString() {
        return "Snapshot[v" + modelVersion + ", labels=" + labelCount + ", classes=" + activeClassCount + "/" + classCount
                + ", steps=" + adamSteps + ", updates=" + appliedUpdates + (staleRows > 0 ? ", stale=" + staleRows : "") + String.format(", step=%.1fms, rerank=%.1fms]",
                stepMillis, rerankMillis);
    }
}
