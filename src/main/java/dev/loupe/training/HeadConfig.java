package dev.loupe.training;

/**
 * Shape and optimiser settings of a {@link Head}: embedding width, optional hidden layer, Adam rate, seed.
 *
 * @param inputDim     embedding width D
 * @param hiddenUnits  0 for a linear softmax head (the default, see ADR 0004), else a ReLU layer of this width
 * @param learningRate Adam learning rate
 * @param seed         seed for weight initialisation
 */
public record HeadConfig(int inputDim, int hiddenUnits, double learningRate, long seed) {
    public HeadConfig {
        if (inputDim < 1) throw new IllegalArgumentException("inputDim must be positive: " + inputDim);
        if (hiddenUnits < 0) throw new IllegalArgumentException("hiddenUnits must be >= 0: " + hiddenUnits);
        if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be positive: " + learningRate);
    }

    /** The default lean head: linear softmax, Adam 1e-2. */
    public static HeadConfig linear(int inputDim, long seed) {
        return new HeadConfig(inputDim, 0, 1e-2, seed);
    }

    public HeadConfig withSeed(long newSeed) {
        return new HeadConfig(inputDim, hiddenUnits, learningRate, newSeed);
    }
}
