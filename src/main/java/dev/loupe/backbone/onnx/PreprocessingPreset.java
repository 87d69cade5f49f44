package dev.loupe.backbone.onnx;

import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.Preprocessing.ColorMode;
import dev.loupe.backbone.Preprocessing.Layout;
import dev.loupe.backbone.Preprocessing.ResizeMode;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The input conversions pretrained image models are published with, by the names the CLI and catalog use. */
public enum PreprocessingPreset {
    /** torchvision / ONNX Model Zoo ImageNet models: short side 256, centre crop 224, mean/std of ImageNet. */
    IMAGENET,
    /** OpenAI CLIP: short side to the input size, centre crop, CLIP's mean/std. */
    CLIP,
    /** TensorFlow "inception" scaling, {@code (x - 127) / 128}, short side 256 for a 224 crop (EfficientNet-Lite). */
    INCEPTION,
    /** Pixels scaled to [0, 1], largest centred square. */
    UNIT;

    /** The preset's conversion for an input of {@code width x height} in {@code layout}. */
    public Preprocessing preprocessing(int width, int height, Layout layout) {
        int crop = Math.min(width, height);
        return switch (this) {
            case IMAGENET -> Preprocessing.imagenet(width, height, layout);
            case CLIP -> new Preprocessing(width, height, ColorMode.RGB, ResizeMode.CENTER_CROP, layout,
                    new float[] {0.48145466f, 0.4578275f, 0.40821073f},
                    new float[] {0.26862954f, 0.26130258f, 0.27577711f}, crop);
            case INCEPTION -> new Preprocessing(width, height, ColorMode.RGB, ResizeMode.CENTER_CROP, layout,
                    new float[] {127f / 255f, 127f / 255f, 127f / 255f},
                    new float[] {128f / 255f, 128f / 255f, 128f / 255f}, Math.round(crop * 256f / 224f));
            case UNIT -> Preprocessing.unitScale(width, height, ColorMode.RGB, ResizeMode.CENTER_CROP).withLayout(layout);
        };
    }

    /** The lower-case name used on the command line and in the catalog. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The preset called {@code id} (any case); the message lists the known ones. */
    public static PreprocessingPreset parse(String id) {
        for (PreprocessingPreset p : values()) {
            if (p.id().equalsIgnoreCase(id.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preprocessing '" + id + "'; known: " + names());
    }

    /** The known preset names, comma-separated. */
    public static String names() {
        return Arrays.stream(values()).map(PreprocessingPreset::id).collect(Collectors.joining(", "));
    }
}
