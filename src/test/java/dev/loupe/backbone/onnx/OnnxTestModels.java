package dev.loupe.backbone.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.Preprocessing.ColorMode;
import dev.loupe.backbone.Preprocessing.Layout;
import dev.loupe.backbone.Preprocessing.ResizeMode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** The models, images and goldens that scripts/onnx/make_test_models.py writes into the test resources. */
public final class OnnxTestModels {

    /** Goldens and ONNX Runtime agree to this much, relative to max(1, |golden|): float32 through two runtimes. */
    public static final double TOLERANCE = 1e-4;

    private OnnxTestModels() {
    }

    public static Path dir() {
        try {
            return Path.of(OnnxTestModels.class.getResource("/dev/loupe/backbone/onnx/goldens.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path model(String name) {
        return dir().resolve(name);
    }

    public static JsonNode goldens() {
        try {
            return new ObjectMapper().readTree(dir().resolve("goldens.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The golden rows of {@code model}'s {@code key}, one per image in {@link #images()} order. */
    public static float[][] golden(String model, String key) {
        JsonNode rows = goldens().path(model).path(key);
        if (!rows.isArray() || rows.isEmpty()) {
            throw new IllegalArgumentException("no golden " + model + " / " + key);
        }
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode r = rows.get(i);
            out[i] = new float[r.size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = (float) r.get(j).asDouble();
            }
        }
        return out;
    }

    public static String sha256(String model) {
        return goldens().path("sha256").path(model).asText();
    }

    /** The committed test images, in the goldens' order. */
    public static List<BufferedImage> images() {
        List<BufferedImage> out = new ArrayList<>();
        for (JsonNode name : goldens().path("images")) {
            try {
                out.add(ImageIO.read(dir().resolve("images").resolve(name.asText() + ".png").toFile()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** What the goldens were computed with: ImageNet mean/std, 32x32, nothing resized. */
    public static Preprocessing preprocessing(Layout layout) {
        return new Preprocessing(32, 32, ColorMode.RGB, ResizeMode.CENTER_CROP, layout,
                new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    /** Options that reproduce the goldens' preprocessing. */
    public static OnnxBackbone.Options options(Layout layout) {
        return new OnnxBackbone.Options(null, null, null, null, preprocessing(layout), 0, false, null, null,
                java.util.Map.of());
    }
}
