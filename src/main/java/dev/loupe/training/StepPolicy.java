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
 */
public record StepPolicy(int replaySize, int maxSteps, int minSteps, int fullStepsBelow, int taperEnd,
                         boolean weightAligning, int youngClassExamples, int maxStepClasses) {
    public StepPolicy {
        if (replaySize < 0 || minSteps < 1 || maxSteps < minSteps || taperEnd < fullStepsBelow || maxStepClasses < 1) {
            throw new IllegalArgumentException("inconsistent step policy");
        }
    }

    /** A policy without the class-count cap. */
    public StepPolicy(int replaySize, int maxSteps, int minSteps, int fullStepsBelow, int taperEnd,
                      boolean weightAligning, int youngClassExamples) {
        this(replaySize, maxSteps, minSteps, fullStepsBelow, taperEnd, weightAligning, youngClassExamples, Integer.MAX_VALUE);
    }

    /**
     * 31 replayed; 50 Adam steps below 100 labels, tapering linearly to 25 at 500 labels; at most 1,000 steps ×
     * classes (10 classes: no cap; 100 classes: 10 steps); weight aligning off. Chosen by `bench simulate` and
     * `bench latency` (docs/BENCHMARKS.md): the former taper to 5 steps at 160 labels left the per-label head up to
     * 3 points behind a retrain from scratch on the same labels.
     */
    public static StepPolicy defaults() {
        return new StepPolicy(31, 50, 25, 100, 500, false, 5, 1000);
    }

    public StepPolicy withWeightAligning(boolean on) {
        return new StepPolicy(replaySize, maxSteps, minSteps, fullStepsBelow, taperEnd, on, youngClassExamples, maxStepClasses);
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
