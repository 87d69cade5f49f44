package dev.loupe.project;

/**
 * All embeddings of one backbone in compact form: {@code vectors[i]} belongs to image {@code ids[i]},
 * ids ascending, every vector of length {@code dim} (0 when the set is empty).
 */
public record EmbeddingSet(String backbone, int dim, long[] ids, float[][] vectors) {

    public int size() {
        return ids.length;
    }
}
