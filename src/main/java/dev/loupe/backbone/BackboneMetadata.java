package dev.loupe.backbone;

import java.util.List;
import java.util.Objects;

/**
 * What Loupe needs to know about a network to use it as a backbone; stored as JSON inside the
 * backbone zip ({@link BackboneFiles#METADATA_ENTRY}).
 *
 * @param formatVersion  version of this metadata format, {@link #FORMAT_VERSION} when written
 * @param name           short model name, the first part of {@link Backbone#id()} (e.g. "model-zero")
 * @param description    one or two sentences for the user: what the model is and how it was made
 * @param featureLayers  layers whose activations (global-average-pooled if spatial) are joined, in order
 * @param dim            length of the joined embedding
 * @param preprocessing  how images become input
 */
public record BackboneMetadata(int formatVersion, String name, String description, List<String> featureLayers,
                               int dim, Preprocessing preprocessing) {

    public static final int FORMAT_VERSION = 1;

    public BackboneMetadata {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (featureLayers == null || featureLayers.isEmpty()) {
            throw new IllegalArgumentException("at least one feature layer is needed");
        }
        featureLayers = List.copyOf(featureLayers);
        if (dim <= 0) {
            throw new IllegalArgumentException("dim must be positive: " + dim);
        }
    }

    public BackboneMetadata(String name, String description, List<String> featureLayers, int dim,
                            Preprocessing preprocessing) {
        this(FORMAT_VERSION, name, description, featureLayers, dim, preprocessing);
    }
}
