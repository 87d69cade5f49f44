package dev.loupe.training;

/**
 * How much work one interactive step does: Adam steps per step (many while labels are few, tapering off, and
 * fewer when there are many classes, since a step's cost grows with the class count), how many labelled examples
 * are replayed in each minibatch, and whether weight aligning is applied.
 *
 * @param replaySize          labelled examples replayed per minibatch, sampled evenly across classes
 * @param maxSteps            Adam steps per step below {@code fullStepsBelow} labels
 * @param minSteps            Adam steps per step from {@code taperEnd} labels on
 * @param fullStepsBelow      label count up to which {@code maxSteps} apply
 * @param taperEnd            label count at which the linear taper reaches {@code minSteps}
 * @param weightAligning      rescale young classes' weight norms to the old classes' mean norm after each step
 * @param youngClassExamples  a class is "young" (for weight aligning) while it has fewer examples than this
 * @param maxStepClasses      at most this many Adam steps × classes per step (keeps the label latency bounded
 *                            when there are many classes); at least one step is always taken
 * @param l2FullBelow         the head's L2 penalty applies in full up to this many labels and then shrinks as
 *                            {@code l2FullBelow / labels}: the penalty per labelled example stays constant (a fixed
 *                            {@code C} in scikit-learn's logistic regression), so more labels are trusted more; and
 *                            the label steps' Adam rate shrinks as {@code sqrt(l2FullBelow / labels)}, so that one
 *                            new label moves a head fitted on many less (its optimum moves less); 0 keeps both
 *                            constant
 */
public record StepPolicy(int replaySize, int maxSteps, int minSteps, int fullStepsBelow, int taperEnd,
                         boolean weightAligning, int youngClassExamples, int maxStepClasses, int l2FullBelow) {
    public StepPolicy {
        if (replaySize < 0 || minSteps < 1 || maxSteps < minSteps || taperEnd < fullStepsBelow || maxStepClasses < 1
                || l2FullBelow < 0) {
            throw new IllegalArgumentException("inconsistent step policy");
        }
    }

    /** A policy with a constant L2 penalty. */
    public StepPolicy(int replaySize, int maxSteps, int minSteps, int fullStepsBelow, int taperEnd,
                      boolean weightAligning, int youngClassExamples, int maxStepClasses) {
        this(replaySize, maxSteps, minSteps, fullStepsBelow, taperEnd, weightAligning, youngClassExamples, maxStepClasses, 0);
    }

    /** A policy without the class-count cap. */
    public StepPolicy(int replaySize, int maxSteps, int minSteps, int fullStepsBelow, int taperEnd,
                      boolean weightAligning, int youngClassExamples) {
        this(replaySize, maxSteps, minSteps, fullStepsBelow, taperEnd, weightAligning, youngClassExamples, Integer.MAX_VALUE, 0);
    }

    /**
     * 31 replayed; 50 Adam steps below 100 labels, tapering linearly to 25 at 500 labels; at most 1,000 steps ×
     * classes (10 classes: no cap; 100 classes: 10 steps); weight aligning off; the head's L2 in full up to 100
     * labels, then shrinking as 100 / labels, and the label steps' rate as sqrt(100 / labels). Chosen by
     * `bench simulate`, `bench forgetting` and `bench latency` (docs/BENCHMARKS.md): the former taper to 5 steps at
     * 160 labels left the per-label head up to 3 points behind a retrain from scratch on the same labels, a constant
     * L2 held every strategy near 81 % from 700 labels on (with the shrinking L2: 84 % at 2,000, and +3.3 points AULC
     * over random instead of +2.4), and a constant rate let label steps shake a head fitted on thousands of labels
     * (after a batch retrain, 60 label steps cost the old classes 1.7 points; with the shrinking rate 0.3–1.5).
     */
    public static StepPolicy defaults() {
        return new StepPolicy(31, 50, 25, 100, 500, false, 5, 1000, 100);
    }

    public StepPolicy withWeightAligning(boolean on) {
        return new StepPolicy(replaySize, maxSteps, minSteps, fullStepsBelow, taperEnd, on, youngClassExamples,
                maxStepClasses, l2FullBelow);
    }

    /** The L2 coefficient for a head configured with {@code configured} when {@code labelCount} labels train it. */
    public double l2(double configured, int labelCount) {
        if (l2FullBelow == 0 || labelCount <= l2FullBelow) return configured;
        return configured * l2FullBelow / labelCount;
    }

    /** The label steps' Adam learning rate, relative to the head's, when {@code labelCount} labels train it. */
    public double learningRateScale(int labelCount) {
        if (l2FullBelow == 0 || labelCount <= l2FullBelow) return 1.0;
        return Math.sqrt(l2FullBelow / (double) labelCount);
    }

    /** Adam steps for a step taken when {@code labelCount} labels exist (without the class-count cap). */
    public int adamSteps(int labelCount) {
        if (labelCount < fullStepsBelow) return maxSteps;
        if (labelCount >= taperEnd) return minSteps;
        double t = (labelCount - fullStepsBelow) / (double) (taperEnd - fullStepsBelow);
        return (int) Math.round(maxSteps + t * (minSteps - maxSteps));
    }

    /** Adam steps for a step taken when {@code labelCount} labels exist on a head of {@code classCount} classes. */
    public int adamSteps(int labelCount, int classCount) {
        return Math.max(1, Math.min(adamSteps(labelCount), maxStepClasses / Math.max(1, classCount)));
    }
}
