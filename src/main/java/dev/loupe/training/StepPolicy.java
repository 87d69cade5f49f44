package dev.loupe.training;

/**
 * How much work one interactive step does: Adam steps per step (many while labels are few, tapering off),
 * how many labelled examples are replayed in each minibatch, and whether weight aligning is applied.
 *
 * @param replaySize          labelled examples replayed per minibatch, sampled evenly across classes
 * @param maxSteps            Adam steps per step below {@code fullStepsBelow} labels
 * @param minSteps            Adam steps per step from {@code taperEnd} labels on
 * @param fullStepsBelow      label count up to which {@code maxSteps} apply
 * @param taperEnd            label count at which the linear taper reaches {@code minSteps}
 * @param weightAligning      rescale young classes' weight norms to the old classes' mean norm after each step
 * @param youngClassExamples  a class is "young" (for weight aligning) while it has fewer examples than this
 */
public record StepPolicy(int replaySize, int maxSteps, int minSteps, int fullStepsBelow, int taperEnd,
                         boolean weightAligning, int youngClassExamples) {
    public StepPolicy {
        if (replaySize < 0 || minSteps < 1 || maxSteps < minSteps || taperEnd < fullStepsBelow) {
            throw new IllegalArgumentException("inconsistent step policy");
        }
    }

    /** 31 replayed, 50 steps below 60 labels tapering linearly to 5 at 160 labels, weight aligning off. */
    public static StepPolicy defaults() {
        return new StepPolicy(31, 50, 5, 60, 160, false, 5);
    }

    public StepPolicy withWeightAligning(boolean on) {
        return new StepPolicy(replaySize, maxSteps, minSteps, fullStepsBelow, taperEnd, on, youngClassExamples);
    }

    /** Adam steps for a step taken when {@code labelCount} labels exist. */
    public int adamSteps(int labelCount) {
        if (labelCount < fullStepsBelow) return maxSteps;
        if (labelCount >= taperEnd) return minSteps;
        double t = (labelCount - fullStepsBelow) / (double) (taperEnd - fullStepsBelow);
        return (int) Math.round(maxSteps + t * (minSteps - maxSteps));
    }
}
