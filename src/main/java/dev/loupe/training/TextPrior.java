package dev.loupe.training;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a class starts from before its first example when the base model has a paired text model (CLIP): the
 * unit-length text embedding of its name, and the scale that makes the logit {@code logitScale · cos(x, t)} for a
 * unit-length image embedding x. The head's column is set from it ({@link Head#setTextColumn}); a retrain starts from
 * it again, so it is kept with the class, not with the head.
 *
 * @param embedding  the class's text embedding, L2-normalised
 * @param logitScale CLIP's logit scale (100)
 */
public record TextPrior(float[] embedding, float logitScale) {
    public TextPrior {
        Objects.requireNonNull(embedding);
        if (embedding.length == 0 || !(logitScale > 0) || !Float.isFinite(logitScale)) {
            throw new IllegalArgumentException("a text prior needs an embedding and a positive logit scale");
        }
        for (float v : embedding) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("the text embedding has a non-finite value");
            }
        }
        embedding = embedding.clone();
    }

    @Override
    public float[] embedding() {
        return embedding.clone();
    }

    public int dim() {
        return embedding.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextPrior p && logitScale == p.logitScale && Arrays.equals(embedding, p.embedding);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(embedding) * 31 + Float.hashCode(logitScale);
    }

    @Override
    public String toString() {
        return "TextPrior[d=" + embedding.length + ", scale=" + logitScale + "]";
    }
}
