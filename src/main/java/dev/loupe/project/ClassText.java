package dev.loupe.project;

import java.util.Arrays;
import java.util.Objects;

/**
 * The text embedding a class starts from in a project whose base model has a text model (CLIP): kept with the class
 * so that reopening the project or retraining needs no text model.
 *
 * @param model      the text model's id (it and the image model make the space the vector lives in)
 * @param text       the class name the vector was computed from
 * @param vector     the L2-normalised embedding of the class's prompts
 * @param logitScale the factor from cosine to logit (CLIP: 100)
 */
public record ClassText(String model, String text, float[] vector, float logitScale) {
    public ClassText {
        Objects.requireNonNull(model);
        Objects.requireNonNull(text);
        if (vector.length == 0 || !(logitScale > 0)) {
            throw new IllegalArgumentException("a class text needs a vector and a positive logit scale");
        }
        vector = vector.clone();
    }

    @Override
    public float[] vector() {
        return vector.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassText t && model.equals(t.model) && text.equals(t.text)
                && Arrays.equals(vector, t.vector) && logitScale == t.logitScale;
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, text, Arrays.hashCode(vector), logitScale);
    }

    @Override
    public String toString() {
        return "ClassText[" + text + ", " + model + ", d=" + vector.length + "]";
    }
}
