package dev.loupe.datacheck;

/**
 * Settings of a {@link MislabelFinder} run.
 *
 * @param folds      cross-validation folds: each label is judged by a head trained on the other folds (≥ 2)
 * @param neighbours how many nearest labelled images vote in the kNN part and are named in the "why" (≥ 1)
 * @param knnWeight  weight of the neighbours' vote in the probabilities the rule uses (0 = the head alone, 1 = kNN alone)
 * @param seed       seed of the fold split and of the heads
 */
public record MislabelOptions(int folds, int neighbours, double knnWeight, long seed) {
    /** Chosen by {@code loupe bench mislabels} (docs/BENCHMARKS.md, ADR 0026). */
    public static final MislabelOptions DEFAULTS = new MislabelOptions(5, 10, 0.3, 42);

    public MislabelOptions {
        if (folds < 2) throw new IllegalArgumentException("folds must be at least 2: " + folds);
        if (neighbours < 1) throw new IllegalArgumentException("neighbours must be at least 1: " + neighbours);
        if (!(knnWeight >= 0 && knnWeight <= 1)) throw new IllegalArgumentException("knnWeight must be in [0, 1]: " + knnWeight);
    }

    public MislabelOptions withKnnWeight(double w) { return new MislabelOptions(folds, neighbours, w, seed); }

    public MislabelOptions withSeed(long s) { return new MislabelOptions(folds, neighbours, knnWeight, s); }
}
