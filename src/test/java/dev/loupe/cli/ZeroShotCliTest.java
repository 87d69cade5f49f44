package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.backbone.catalog.Catalog;
import dev.loupe.backbone.catalog.ModelCache;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.LoopbackMirror;
import dev.loupe.testing.TestImages;
import dev.loupe.testing.TinyClip;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A CLIP project from the catalog through the CLI (the tiny generated pair on a loopback mirror): new, import, two
 * classes by name, and a ranked queue with real predictions before any label.
 */
class ZeroShotCliTest {

    @TempDir
    Path tmp;
    private LoopbackMirror mirror;

    static String hex(String algorithm, Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(Files.readAllBytes(file)));
    }

    @BeforeEach
    void catalogOnTheLoopbackMirror() throws Exception {
        mirror = new LoopbackMirror();
        String json = """
                {"format_version": 1, "models": [
                  {"name": "tiny-clip", "title": "Tiny CLIP", "good_at": "tests", "licence": "MIT",
                   "source": "scripts/onnx/make_tiny_clip.py",
                   "files": [
                     {"role": "image_model", "file": "visual.onnx", "urls": ["%s"], "md5": "%s"},
                     {"role": "text_model", "file": "textual.onnx", "urls": ["%s"], "md5": "%s"},
                     {"role": "vocabulary", "file": "bpe.txt.gz", "urls": ["%s"], "sha256": "%s", "bytes": %d}],
                   "preprocessing": "clip", "size": 32, "embedding_tensor": "<output>", "l2_normalize": true,
                   "dim": 16}]}
                """.formatted(
                mirror.serve("/clip/visual.onnx", Files.readAllBytes(TinyClip.file("tiny-visual.onnx"))), hex("MD5", TinyClip.file("tiny-visual.onnx")),
                mirror.serve("/clip/textual.onnx", Files.readAllBytes(TinyClip.file("tiny-textual.onnx"))), hex("MD5", TinyClip.file("tiny-textual.onnx")),
                mirror.serve("/clip/bpe.txt.gz", Files.readAllBytes(TinyClip.file("tiny-vocab.txt.gz"))), hex("SHA-256", TinyClip.file("tiny-vocab.txt.gz")),
                Files.size(TinyClip.file("tiny-vocab.txt.gz")));
        Path catalog = tmp.resolve("catalog.json");
        Files.writeString(catalog, json);
        System.setProperty(Catalog.EXTRA_PROPERTY, catalog.toString());
        System.setProperty(ModelCache.PROPERTY, tmp.resolve("cache").toString());
    }

    @AfterEach
    void restore() {
        System.clearProperty(Catalog.EXTRA_PROPERTY);
        System.clearProperty(ModelCache.PROPERTY);
        mirror.close();
    }

    private static CliRun ok(String... args) {
        CliRun run = CliRun.run(args);
        assertThat(run.exitCode()).as(String.join(" ", args) + "\n" + run.err()).isZero();
        return run;
    }

    @Test
    void aClipProjectRanksItsImagesFromClassNamesBeforeAnyLabel() throws Exception {
        Path project = tmp.resolve("clip.loupe");
        CliRun created = ok("new", project.toString(), "--backbone", "tiny-clip");
        assertThat(created.out()).contains("classes start from their names");
        assertThat(project.resolve("textual.onnx")).exists();
        assertThat(project.resolve("bpe.txt.gz")).exists();
        Path images = TestImages.imageFolder(tmp.resolve("images"), 3, 8);
        ok("import", project.toString(), images.toString());
        assertThat(ok("classes", project.toString(), "add", "cat").out()).contains("predicts from its name");
        ok("classes", project.toString(), "add", "dog");

        JsonNode queue = ok("queue", project.toString(), "--json", "--limit", "100").json();
        assertThat(queue).hasSize(24);
        Set<String> predicted = new HashSet<>();
        List<Double> confidence = new ArrayList<>();
        for (JsonNode q : queue) {
            predicted.add(q.get("predicted").asText());
            confidence.add(q.get("confidence").asDouble());
        }
        assertThat(predicted).isSubsetOf("cat", "dog").isNotEmpty();
        assertThat(confidence).allMatch(c -> c >= 0.5 && c <= 1.0);
        assertThat(new HashSet<>(confidence)).as("probabilities differ from image to image").hasSizeGreaterThan(10);
        assertThat(confidence.get(confidence.size() - 1)).isGreaterThan(confidence.get(0) + 1e-3);
        // Two classes: margin order is least confident first.
        for (int i = 0; i + 1 < confidence.size(); i++) {
            assertThat(confidence.get(i)).isLessThanOrEqualTo(confidence.get(i + 1) + 1e-6);
        }
        JsonNode listed = ok("classes", project.toString(), "list", "--json").json();
        assertThat(listed.findValuesAsText("name")).containsExactly("cat", "dog");
        assertThat(listed.findValuesAsText("from_text")).containsExactly("true", "true");
    }
}
