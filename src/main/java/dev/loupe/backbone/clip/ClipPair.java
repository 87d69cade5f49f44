package dev.loupe.backbone.clip;

import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.OnnxBackboneFiles;
import dev.loupe.backbone.onnx.OnnxBackboneMetadata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The text side of a CLIP-style ONNX base model: the text model and vocabulary that the image model's settings name
 * as companions ({@value #TEXT_MODEL}, {@value #VOCABULARY}), found without loading the image model.
 */
public final class ClipPair {

    /** Companion role of the text model (ONNX, {@code input_ids}/{@code attention_mask} → embedding). */
    public static final String TEXT_MODEL = "text_model";
    /** Companion role of the BPE merges file ({@code bpe_simple_vocab_16e6.txt.gz}). */
    public static final String VOCABULARY = "vocabulary";

    private final Path textModel;
    private final Path vocabulary;
    private final String imageModelId;

    private ClipPair(Path textModel, Path vocabulary, String imageModelId) {
        this.textModel = textModel;
        this.vocabulary = vocabulary;
        this.imageModelId = imageModelId;
    }

    /** The pair of the ONNX image model {@code imageModel}, from its settings file; empty when it has no text model. */
    public static Optional<ClipPair> of(Path imageModel) throws BackboneException {
        Path settings = OnnxBackboneFiles.metadataFile(imageModel);
        if (!Files.isRegularFile(settings)) {
            return Optional.empty();
        }
        return of(imageModel, OnnxBackboneFiles.read(settings));
    }

    /**
     * The pair an image model's settings describe; empty when they name no text model. Zero-shot logits are
     * 100·cosine only if the image embeddings are L2-normalised, so a text model beside unnormalised ones is refused.
     */
    public static Optional<ClipPair> of(Path imageModel, OnnxBackboneMetadata m) throws BackboneException {
        String text = m.companions().get(TEXT_MODEL);
        String vocab = m.companions().get(VOCABULARY);
        if (text == null && vocab == null) {
            return Optional.empty();
        }
        String model = imageModel.getFileName().toString();
        if (text == null || vocab == null) {
            throw new BackboneException(model + ": its settings name a " + (text == null ? VOCABULARY : TEXT_MODEL)
                    + " but no " + (text == null ? TEXT_MODEL : VOCABULARY) + "; a text model needs both");
        }
        if (!m.l2Normalize()) {
            throw new BackboneException(model + " has a text model but its image embeddings are not L2-normalised;"
                    + " classes from their names need them to be (--l2-normalize)");
        }
        Path dir = imageModel.toAbsolutePath().getParent();
        Path t = dir.resolve(text);
        Path v = dir.resolve(vocab);
        for (Path p : new Path[] {t, v}) {
            if (!Files.isRegularFile(p)) {
                throw new BackboneException(model + ": its " + (p == t ? TEXT_MODEL : VOCABULARY) + " file " + p
                        + " is missing");
            }
        }
        return Optional.of(new ClipPair(t, v, OnnxBackbone.idOf(m)));
    }

    public Path textModel() {
        return textModel;
    }

    public Path vocabulary() {
        return vocabulary;
    }

    /** The image model's backbone id (what the image embeddings are keyed by). */
    public String imageModelId() {
        return imageModelId;
    }

    /** Opens the text model with its vocabulary. */
    public ClipTextEncoder open() throws BackboneException {
        return ClipTextEncoder.open(textModel, vocabulary);
    }

    /** Opens the text model once and checks that it embeds into {@code imageDim} values, as the images do. */
    public void check(int imageDim) throws BackboneException {
        try (ClipTextEncoder enc = open()) {
            if (enc.dim() != imageDim) {
                throw new BackboneException(textModel.getFileName() + " gives " + enc.dim() + "-value text embeddings"
                        + " but the image model gives " + imageDim + ": they are not a pair");
            }
        }
    }
}
