package dev.loupe.backbone;

import java.awt.image.BufferedImage;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A frozen network that turns images into fixed-length embeddings, on which Loupe's heads learn.
 *
 * <p>Thread-safety: implementations serialise calls to {@link #embed} and {@link #embedInput}, so
 * sharing one is safe, but the intended use is one embedding thread per backbone; converting images
 * ({@link Preprocessing#toInput}) can run on other threads and needs no lock.
 */
public interface Backbone extends AutoCloseable {

    /**
     * Stable identity of the weights and preprocessing, e.g. {@code model-zero@3fa9c1d2e4b5}; the key
     * of the embedding cache, so it changes whenever the embeddings could.
     */
    String id();

    /** Short human name (e.g. "model-zero", "squeezenet"). */
    String name();

    /** One or two sentences about where the model comes from, for the user. */
    String description();

    Preprocessing preprocessing();

    /** Length of every embedding. */
    int dim();

    /** Embeds a batch: one row of {@link #dim()} floats per image, in order. */
    default float[][] embed(List<BufferedImage> batch) {
        if (batch.isEmpty()) {
            return new float[0][];
        }
        return embedInput(preprocessing().toInput(batch));
    }

    /** Embeds an already converted batch of shape {@code preprocessing().batchShape(n)}. */
    float[][] embedInput(INDArray input);

    /** Releases the network; the backbone must not be used afterwards. */
    @Override
    void close();
}
