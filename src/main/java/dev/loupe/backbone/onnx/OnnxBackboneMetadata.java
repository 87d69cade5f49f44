package dev.loupe.backbone.onnx;

import dev.loupe.backbone.Preprocessing;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything Loupe needs to run one ONNX image model as a backbone, and all that an exporter needs to rebuild its
 * embedding: stored as JSON beside the model file in a project ({@link OnnxBackboneFiles}) and inside exported model
 * zips, so embedding, prediction and export all see the same input, tensor and reduction.
 *
 * <p>The model's input is {@code preprocessing.batchShape(n)}: {@code [n, c, h, w]} for NCHW, {@code [n, h, w, c]}
 * for NHWC, float32, fed to the graph input {@link #inputName}. The embedding is the tensor {@link #embeddingTensor}
 * (a graph output, or an internal tensor Loupe adds as an output in memory when {@link #embeddingIsGraphOutput} is
 * false), reduced to one row per image by {@link #reduction}, then divided by its L2 norm when {@link #l2Normalize}.
 *
 * @param formatVersion          version of this JSON form, {@link #FORMAT_VERSION} when written
 * @param name                   short model name, the first part of the backbone id (e.g. "mobilenetv2")
 * @param description            one or two sentences for the user: what the model is, where it comes from
 * @param modelFile              the ONNX file's name, relative to the folder of this metadata (e.g. "backbone.onnx")
 * @param sha256                 SHA-256 (lower-case hex) of the ONNX file these settings were made for; checked
 *                               before the graph is edited or run
 * @param inputName              the graph input that takes the image batch
 * @param dynamicBatch           whether the graph accepts any batch size (else it is run with {@link #fixedBatch})
 * @param fixedBatch             the batch size the graph's input is fixed to, 0 when {@link #dynamicBatch}
 * @param embeddingTensor        name of the tensor the embedding is read from
 * @param embeddingIsGraphOutput whether that tensor is already a graph output (else it is added as one in memory)
 * @param reduction              how the tensor becomes one vector per image
 * @param l2Normalize            whether each vector is divided by its L2 norm (CLIP's image embedding)
 * @param dim                    length of every embedding
 * @param preprocessing          how images become the input: size, layout, colour order, resize/crop, mean/std
 * @param companions             further files that belong to the model, by role (e.g. a CLIP pair's
 *                               {@code "text_model"}, {@code "vocabulary"}), names relative like {@link #modelFile}
 */
public record OnnxBackboneMetadata(
        int formatVersion,
        String name,
        String description,
        String modelFile,
        String sha256,
        String inputName,
        boolean dynamicBatch,
        int fixedBatch,
        String embeddingTensor,
        boolean embeddingIsGraphOutput,
        Reduction reduction,
        boolean l2Normalize,
        int dim,
        Preprocessing preprocessing,
        Map<String, String> companions) {

    public static final int FORMAT_VERSION = 1;

    /** How the embedding tensor becomes one vector per image; decided from its shape when the model is opened. */
    public enum Reduction {
        /** The tensor already is {@code [n, d]}. */
        NONE,
        /** {@code [n, d, 1, 1]}, {@code [n, 1, 1, d]} or any shape whose axes past the batch hold one vector: reshaped to {@code [n, d]}. */
        FLATTEN,
        /** {@code [n, c, h, w]}: the mean over h and w (global average pooling). */
        MEAN_NCHW,
        /** {@code [n, h, w, c]}: the mean over h and w (global average pooling). */
        MEAN_NHWC,
        /** {@code [n, tokens, d]}: the first token (a vision transformer's class token). */
        FIRST_TOKEN
    }

    public OnnxBackboneMetadata {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(inputName, "inputName");
        Objects.requireNonNull(embeddingTensor, "embeddingTensor");
        Objects.requireNonNull(reduction, "reduction");
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (dim <= 0) {
            throw new IllegalArgumentException("dim must be positive: " + dim);
        }
        if (!dynamicBatch && fixedBatch <= 0) {
            throw new IllegalArgumentException("a graph without a dynamic batch needs its fixed batch size");
        }
        companions = companions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(companions));
    }

    /** Shape of the input tensor for {@code n} images. */
    public long[] inputShape(int n) {
        return preprocessing.batchShape(n);
    }

    /** The same metadata with other companion files (e.g. once copied into a project under new names). */
    public OnnxBackboneMetadata withCompanions(Map<String, String> newCompanions) {
        return new OnnxBackboneMetadata(formatVersion, name, description, modelFile, sha256, inputName, dynamicBatch,
                fixedBatch, embeddingTensor, embeddingIsGraphOutput, reduction, l2Normalize, dim, preprocessing,
                newCompanions);
    }

    /** The same metadata for a model file of another name (the bytes, hence {@link #sha256}, being the same). */
    public OnnxBackboneMetadata withModelFile(String newModelFile) {
        return new OnnxBackboneMetadata(formatVersion, name, description, newModelFile, sha256, inputName, dynamicBatch,
                fixedBatch, embeddingTensor, embeddingIsGraphOutput, reduction, l2Normalize, dim, preprocessing,
                companions);
    }
}
