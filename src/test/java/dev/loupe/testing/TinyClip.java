package dev.loupe.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The tiny CLIP pair scripts/onnx/make_tiny_clip.py writes (test resources under dev/loupe/backbone/clip). */
public final class TinyClip {

    private TinyClip() {
    }

    /** A file of the pair: tiny-visual.onnx, tiny-textual.onnx, tiny-vocab.txt.gz, tiny-clip.golden.json, … */
    public static Path file(String name) {
        try {
            return Path.of(TinyClip.class.getResource("/dev/loupe/backbone/clip/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("no test resource " + name, e);
        }
    }

    /** The goldens PyTorch computed for the pair. */
    public static JsonNode golden() {
        try {
            return new ObjectMapper().readTree(file("tiny-clip.golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
