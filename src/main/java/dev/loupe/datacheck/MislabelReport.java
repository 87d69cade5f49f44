package dev.loupe.datacheck;

import java.util.List;

/**
 * The result of a label check.
 *
 * @param classNames  the classes, by index
 * @param suspects    the images whose label is likely wrong, most likely first
 * @param ranking     every row of the input, most likely wrong first (the suspects are the rows of it that the
 *                    confident-learning rule flags): what the benchmark measures
 * @param score       per row: 1 − the probability of the given class
 * @param thresholds  per class: the confident-learning threshold (NaN for a class without labels)
 * @param temperature the temperature fitted on the out-of-sample logits
 * @param checked     how many labelled images were checked
 */
public record MislabelReport(List<String> classNames, List<Suspect> suspects, int[] ranking, double[] score,
                             double[] thresholds, double temperature, int checked) {

    /** Without the suspects {@code keep} rejects (e.g. labels the user already checked); the ranking is unchanged. */
    public MislabelReport filter(java.util.function.Predicate<Suspect> keep) {
        return new MislabelReport(classNames, suspects.stream().filter(keep).toList(), ranking, score, thresholds, temperature, checked);
    }
}
