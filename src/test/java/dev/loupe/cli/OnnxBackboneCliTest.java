package dev.loupe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.catalog.Catalog;
import dev.loupe.backbone.catalog.ModelCache;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.OnnxBackboneFiles;
import dev.loupe.backbone.onnx.OnnxTestModels;
import dev.loupe.export.LoupeModel;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.LoopbackMirror;
import dev.loupe.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's whole path on an ONNX base model, through the CLI: a catalog entry served by a loopback mirror, then
 * new, import, label, queue, undo, train, export, predict; and the refusals.
 */
class OnnxBackboneCliTest {

    @TempDir
    Path tmp;

    private LoopbackMirror mirror;

    @BeforeEach
    void catalogOnTheLoopbackMirror() throws Exception {
        mirror = new LoopbackMirror();
        String url = mirror.serve("/m/tiny.onnx", Files.readAllBytes(OnnxTestModels.model("cnn-nchw.onnx")));
        String offline = LoopbackMirror.unreachableUrl("/m/far.onnx");
        String json = """
                {"format_version": 1, "models": [
                  {"name": "tiny-cnn", "title": "Tiny CNN", "good_at": "tests", "licence": "Apache-2.0",
                   "source": "scripts/onnx/make_test_models.py",
                   "files": [{"role": "image_model", "file": "tiny.onnx", "urls": ["%s"], "sha256": "%s", "bytes": %d}],
                   "preprocessing": "imagenet", "embedding_tensor": "pooled", "dim": 16},
                  {"name": "far-away", "title": "Unreachable", "good_at": "tests", "licence": "MIT", "source": "nowhere",
                   "files": [{"role": "image_model", "file": "far.onnx", "urls": ["%s"], "sha256": null}],
                   "preprocessing": "unit", "dim": 16}]}
                """.formatted(url, OnnxTestModels.sha256("cnn-nchw.onnx"),
                Files.size(OnnxTestModels.model("cnn-nchw.onnx")), offline);
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
    void aCatalogModelFromTheMirrorCarriesAProjectFromNewToPredict() throws Exception {
        JsonNode list = ok("models", "list", "--json").json();
        assertThat(list.findValuesAsText("name")).contains("mobilenetv2", "resnet50", "tiny-cnn");

        Path project = tmp.resolve("p.loupe");
        JsonNode created = ok("new", project.toString(), "--backbone", "tiny-cnn", "--json").json();
        assertThat(created.get("backbone_setting").asText()).isEqualTo(ProjectBackbone.ONNX_FILE);
        assertThat(created.get("dim").asInt()).isEqualTo(16);
        assertThat(project.resolve("backbone.onnx")).hasSameBinaryContentAs(OnnxTestModels.model("cnn-nchw.onnx"));
        assertThat(OnnxBackboneFiles.read(OnnxBackboneFiles.metadataFile(project.resolve("backbone.onnx")))
                .embeddingTensor()).isEqualTo("pooled");
        assertThat(tmp.resolve("cache/tiny-cnn/tiny.onnx")).exists();

        Path images = TestImages.imageFolder(tmp.resolve("images"), 3, 8);
        JsonNode imported = ok("import", project.toString(), images.toString(), "--json").json();
        assertThat(imported.toString()).contains("24");
        for (String c : new String[] {"class0", "class1", "class2"}) {
            ok("classes", project.toString(), "add", c);
        }
        ok("label", project.toString(), images.resolve("class0/img0.png").toString(), "class0");
        ok("label", project.toString(), images.resolve("class1/img0.png").toString(), "class1");
        ok("label", project.toString(), images.resolve("class2/img0.png").toString(), "class2");
        ok("label", project.toString(), images.resolve("class2/img1.png").toString(), "class2");
        ok("undo", project.toString());
        ok("redo", project.toString());
        JsonNode status = ok("status", project.toString(), "--json").json();
        assertThat(status.get("backbone").asText()).isEqualTo("backbone.onnx");
        assertThat(status.get("labelled").asInt()).isEqualTo(4);
        ok("train", project.toString(), "--epochs", "5");
        JsonNode queue = ok("queue", project.toString(), "--json", "--limit", "30").json();
        assertThat(queue).hasSize(20);

        Path model = tmp.resolve("model.zip");
        ok("export", project.toString(), "--model", model.toString());
        try (LoupeModel m = LoupeModel.load(model)) {
            assertThat(m.info().formatVersion()).isEqualTo(2);
            assertThat(m.backbone()).isInstanceOf(OnnxBackbone.class);
            try (ProjectStore store = ProjectStore.open(project, false); Backbone b = ProjectBackbone.load(store)) {
                assertThat(m.backbone().id()).isEqualTo(b.id());
            }
        }
        JsonNode predicted = ok("predict", model.toString(), images.toString(), "--json").json();
        assertThat(predicted).hasSize(24);
        Map<String, JsonNode> byPath = new HashMap<>();
        predicted.forEach(p -> byPath.put(p.get("path").asText(), p));
        for (JsonNode q : queue) {
            JsonNode p = byPath.get(q.get("path").asText());
            assertThat(p).as(q.get("path").asText()).isNotNull();
            assertThat(p.get("label").asText()).isEqualTo(q.get("predicted").asText());
            assertThat(p.get("confidence").asDouble()).isCloseTo(q.get("confidence").asDouble(), within(1e-5));
        }

        // The exported model starts a new project on the same ONNX backbone.
        Path next = tmp.resolve("next.loupe");
        ok("new", next.toString(), "--model", model.toString());
        assertThat(next.resolve("backbone.onnx")).hasSameBinaryContentAs(OnnxTestModels.model("cnn-nchw.onnx"));
        ok("import", next.toString(), images.toString());
        assertThat(ok("status", next.toString(), "--json").json().get("backbone").asText()).isEqualTo("backbone.onnx");
    }

    @Test
    void anOnnxFileBecomesABaseModelWithTheChosenTensorAndPreprocessing() throws Exception {
        Path project = tmp.resolve("file.loupe");
        JsonNode created = ok("new", project.toString(), "--backbone",
                OnnxTestModels.model("cnn-nchw.onnx") + "#block2", "--preprocessing", "unit", "--json").json();
        assertThat(created.get("dim").asInt()).isEqualTo(16);
        var m = OnnxBackboneFiles.read(OnnxBackboneFiles.metadataFile(project.resolve("backbone.onnx")));
        assertThat(m.embeddingTensor()).isEqualTo("block2");
        assertThat(m.preprocessing().mean()).containsExactly(0f, 0f, 0f);
        assertThat(m.reduction().name()).isEqualTo("MEAN_NCHW");
    }

    @Test
    void unusableModelsAndNoNetworkAreClearErrorsThatLeaveNoProject() throws Exception {
        Path project = tmp.resolve("bad.loupe");
        CliRun notImage = CliRun.run("new", project.toString(), "--backbone", OnnxTestModels.model("two-inputs.onnx").toString());
        assertThat(notImage.exitCode()).isEqualTo(1);
        assertThat(notImage.err()).contains("two-inputs.onnx has 2 inputs");
        assertThat(project).doesNotExist();

        CliRun truncated = CliRun.run("new", project.toString(), "--backbone", OnnxTestModels.model("truncated.onnx").toString());
        assertThat(truncated.exitCode()).isEqualTo(1);
        assertThat(truncated.err()).contains("truncated.onnx is not an ONNX model, or a truncated one");
        assertThat(project).doesNotExist();

        CliRun tensor = CliRun.run("new", project.toString(), "--backbone", OnnxTestModels.model("cnn-nchw.onnx") + "#nope");
        assertThat(tensor.exitCode()).isEqualTo(1);
        assertThat(tensor.err()).contains("'nope' does not exist").contains("pooled (GlobalAveragePool)");
        assertThat(project).doesNotExist();

        CliRun offline = CliRun.run("new", project.toString(), "--backbone", "far-away");
        assertThat(offline.exitCode()).isEqualTo(1);
        assertThat(offline.err()).contains("no mirror could be reached").contains("/m/far.onnx")
                .contains("loupe models get far-away --from").contains("loupe new PROJECT --backbone far-away");
        assertThat(project).doesNotExist();

        CliRun get = CliRun.run("models", "get", "far-away");
        assertThat(get.exitCode()).isEqualTo(1);
        assertThat(get.err()).contains("no mirror could be reached");

        CliRun unknownPreset = CliRun.run("new", project.toString(), "--backbone",
                OnnxTestModels.model("cnn-nchw.onnx").toString(), "--preprocessing", "vgg");
        assertThat(unknownPreset.exitCode()).isEqualTo(1);
        assertThat(unknownPreset.err()).contains("unknown preprocessing 'vgg'").contains("imagenet, clip, inception, unit");
        assertThat(project).doesNotExist();
    }

    @Test
    void modelsGetDownloadsOnceAndTakesAFileFetchedByHand() throws Exception {
        CliRun get = ok("models", "get", "tiny-cnn");
        assertThat(get.out()).contains("SHA-256 " + OnnxTestModels.sha256("cnn-nchw.onnx") + " verified")
                .contains("loupe new PROJECT --backbone tiny-cnn");
        assertThat(get.err()).contains("Downloading tiny.onnx");
        ok("models", "get", "tiny-cnn");
        assertThat(mirror.requests()).hasSize(1);
        assertThat(ok("models", "list").out()).containsPattern("tiny-cnn\\s+\\S+ kB\\s+Apache-2.0\\s+yes");

        Path byHand = tmp.resolve("Downloads/far.onnx");
        Files.createDirectories(byHand.getParent());
        Files.copy(OnnxTestModels.model("cnn-nchw.onnx"), byHand);
        CliRun taken = ok("models", "get", "far-away", "--from", byHand.toString());
        assertThat(taken.out()).contains("no published hash").contains(OnnxTestModels.sha256("cnn-nchw.onnx"));
        ok("new", tmp.resolve("far.loupe").toString(), "--backbone", "far-away");
    }
}
