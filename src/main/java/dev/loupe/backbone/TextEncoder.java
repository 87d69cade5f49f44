package dev.loupe.backbone;

import java.util.List;

/**
 * A text model that embeds texts in the same space as its paired backbone's images (CLIP's text tower), so that a
 * class can start from its name. Calls are serialised; close it once done.
 */
public interface TextEncoder extends AutoCloseable {

    /** Stable identity of the text model and its vocabulary, e.g. {@code clip-text@1f2e3d4c5b6a}. */
    String id();

    /** Length of every embedding (the paired backbone's {@link Backbone#dim()}). */
    int dim();

    /** One raw (not normalised) embedding per text, in order. */
    float[][] embed(List<String> texts);

    @Override
    void close();
}
