package dev.loupe.backbone.clip;

import dev.loupe.backbone.TextEncoder;

import java.util.List;

/**
 * CLIP's zero-shot recipe for one class: the name put into several prompts, each prompt's embedding L2-normalised,
 * the mean taken and L2-normalised again. An image's logit for the class is then {@link #LOGIT_SCALE} times the
 * cosine between its (L2-normalised) embedding and this one.
 */
public final class PromptEnsemble {

    /**
     * "a photo of a {}." and the seven templates that openai/CLIP's ImageNet prompt notebook found by forward
     * selection over its 80 (notebooks/Prompt_Engineering_for_ImageNet.ipynb: a bit better than all 80 for the smaller
     * models). scripts/onnx/make_tiny_clip.py lists the same.
     */
    public static final List<String> TEMPLATES = List.of(
            "a photo of a {}.",
            "itap of a {}.",
            "a bad photo of the {}.",
            "a origami {}.",
            "a photo of the large {}.",
            "a {} in a video game.",
            "art of the {}.",
            "a photo of the small {}.");

    /** CLIP's logit scale (its learned temperature, exp(4.6052)): logits are 100 × cosine. */
    public static final float LOGIT_SCALE = 100f;

    private PromptEnsemble() {
    }

    /** The prompts for a class name, in {@link #TEMPLATES} order. */
    public static List<String> prompts(String className) {
        String name = className.strip();
        return TEMPLATES.stream().map(t -> t.replace("{}", name)).toList();
    }

    /** The class's unit-length text embedding (see the class comment). */
    public static float[] classEmbedding(TextEncoder encoder, String className) {
        float[][] e = encoder.embed(prompts(className));
        double[] mean = new double[e[0].length];
        for (float[] row : e) {
            double norm = norm(row);
            if (!(norm > 0) || !Double.isFinite(norm)) {
                throw new IllegalStateException("the text model gave a zero or non-finite embedding for '" + className + "'");
            }
            for (int i = 0; i < row.length; i++) {
                mean[i] += row[i] / norm;
            }
        }
        double n = 0;
        for (double v : mean) {
            n += v * v;
        }
        n = Math.sqrt(n);
        float[] out = new float[mean.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (mean[i] / n);
        }
        return out;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
