package dev.loupe.training;

/**
 * Shape and optimiser settings of a {@link Head}: embedding width, optional hidden layer, Adam rate, seed.
 *
 * @param inputDim     embedding width D
 * @param hiddenUnits  0 for a linear softmax head (the default, see ADR 0004), else a ReLU layer of this width
 * @param learningRate Adam learning rate
 * @param l2           L2 penalty on weights (not biases): makes the optimum unique, so a head fine-tuned label by
 *                     label and one retrained from scratch land in the same place (ADR 0004)
 * @param seed         seed for weight initialisation
 */
public record HeadConfig(int inputDim, int hiddenUnits, double learningRate, double l2, long seed) {
    public static final double DEFAULT_L2 = 1e-2;

    public HeadConfig {
        if (inputDim < 1) throw new IllegalArgumentException("inputDim must be positive: " + inputDim);
        if (hiddenUnits < 0) throw new IllegalArgumentException("hiddenUnits must be >= 0: " + hiddenUnits);
        if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be positive: " + learningRate);
        if (!(l2 >= 0)) throw new IllegalArgumentException("l2 must be >= 0: " + l2);
    }

    /** The default lean head: linear softmax, Adam 1e-2, L2 {@value #DEFAULT_L2}. */
    public static HeadConfig linear(int inputDim, long seed) {
        return new HeadConfig(inputDim, 0, 1e-2, DEFAULT_L2, seed);
    }

    public HeadConfig withSeed(long newSeed) {
        return new HeadConfig(inputDim, hiddenUnits, learningRate, l2, newSeed);
    }
}
