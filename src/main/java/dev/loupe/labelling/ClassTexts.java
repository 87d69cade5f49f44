package dev.loupe.labelling;

import dev.loupe.LoupeException;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.clip.ClipPair;
import dev.loupe.backbone.clip.ClipTextEncoder;
import dev.loupe.backbone.clip.PromptEnsemble;
import dev.loupe.project.ClassText;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.TextPrior;

import java.util.Optional;

/**
 * The text embeddings classes start from in a project whose base model is a CLIP pair (docs/adr/0021-zero-shot-classes.md):
 * computed from a class's name with the project's text model, opened on first use and kept until closed, and stored
 * with the class, so that reopening and retraining need no text model. The CLI and the session compute them alike.
 */
public final class ClassTexts implements AutoCloseable {

    private final ProjectStore store;
    private Optional<ClipPair> pair;
    private ClipTextEncoder encoder;

    public ClassTexts(ProjectStore store) {
        this.store = store;
    }

    /** The project's CLIP pair, looked up once (a broken one is an error that says what is wrong). */
    private Optional<ClipPair> pair() {
        if (pair == null) {
            pair = ProjectBackbone.clipPair(store);
        }
        return pair;
    }

    /** The text a class called {@code name} starts from; empty when the base model has no text model. */
    public synchronized Optional<ClassText> forName(String name) {
        Optional<ClipPair> p = pair();
        if (p.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (encoder == null) {
                encoder = p.get().open();
            }
        } catch (BackboneException e) {
            throw new LoupeException("Cannot start the class '" + name + "' from its name: the project's text model"
                    + " does not load (" + e.getMessage() + "). It came with the base model into the project folder:"
                    + " put an intact copy back (loupe models get NAME fetches one into the cache). Nothing was changed.", e);
        }
        String clean = name.strip();
        return Optional.of(new ClassText(modelId(p.get().imageModelId(), encoder.id()), clean,
                PromptEnsemble.classEmbedding(encoder, clean), PromptEnsemble.LOGIT_SCALE));
    }

    /**
     * The prior a stored text gives a class on the image model {@code imageModelId}; empty when it was made for another
     * base model (its vector lives in another space) or there is none.
     */
    public static Optional<TextPrior> prior(ClassText text, String imageModelId, int dim) {
        if (text == null || !text.model().startsWith(imageModelId + "+") || text.vector().length != dim) {
            return Optional.empty();
        }
        return Optional.of(new TextPrior(text.vector(), text.logitScale()));
    }

    /** The id a class text records: the image model's and the text model's, since both make the space. */
    static String modelId(String imageModelId, String textModelId) {
        return imageModelId + "+" + textModelId;
    }

    @Override
    public synchronized void close() {
        if (encoder != null) {
            encoder.close();
            encoder = null;
        }
    }
}
