package dev.loupe.export;

/**
 * What a {@link LoupeModel} says about one image.
 *
 * @param label         the most probable active class, or null when the model has no active class
 * @param confidence    that class's probability (0 when there is none)
 * @param probabilities one probability per output column; inactive columns are exactly 0
 */
public record Prediction(String label, float confidence, float[] probabilities) {

    public Prediction {
        probabilities = probabilities.clone();
    }

    @Override
    public float[] probabilities() {
        return probabilities.clone();
    }
}
