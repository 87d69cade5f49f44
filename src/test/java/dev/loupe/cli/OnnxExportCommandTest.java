package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.export.onnx.OnnxClassifier;
import dev.loupe.export.onnx.OnnxExport;
import dev.loupe.export.onnx.OnnxProof;
import dev.loupe.backbone.onnx.OnnxTestModels;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code loupe export --onnx} on projects made as a user makes them (import with folder labels, train, one more label
 * through the per-label path), one on Model Zero and one on an ONNX base model: the file's probabilities equal what
 * {@code loupe predict} gives with the exported .zip, in ONNX Runtime for Java (always) and in onnxruntime-node (when
 * installed; {@code .ci/run} requires it).
 */
class OnnxExportCommandTest {

    /** A project, its two exports and Loupe's own predictions of every image. */
    record Exported(Path project, Path zip, Path onnx, JsonNode summary, OnnxProof proof) {
    }

    @TempDir
    static Path shared;

    static Path data;
    static Map<String, Exported> exported = new HashMap<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeAndExportProjects() throws Exception {
        data = TestImages.imageFolder(shared.resolve("data"), 3, 5);
        for (int i = 0; i < 4; i++) TestImages.png(data.resolve("pool/p" + i + ".png"), i % 3, 100 + i);
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(data)) {
            walk.filter(f -> f.toString().endsWith(".png")).sorted().forEach(files::add);
        }
        for (String base : List.of("model-zero", "onnx")) {
            Path project = shared.resolve(base + ".loupe");
            if (base.equals("onnx")) {
                // A small ONNX image model (scripts/onnx/make_test_models.py) with ImageNet preprocessing by default.
                run("new", project.toString(), "--backbone", OnnxTestModels.model("cnn-nchw.onnx").toString());
            }
            run("import", project.toString(), data.toString(), "--labels-from-subfolders");
            run("train", project.toString(), "--epochs", "30");
            run("label", project.toString(), data.resolve("pool/p0.png").toString(), "class0");
            Path zip = shared.resolve("out/" + base + ".zip");
            Path onnx = shared.resolve("out/" + base + ".onnx");
            JsonNode summary = run("export", project.toString(), "--model", zip.toString(), "--onnx", onnx.toString(),
                    "--json").json();
            exported.put(base, new Exported(project, zip, onnx, summary, OnnxProof.of(zip, files)));
        }
    }

    private static CliRun run(String... args) {
        CliRun r = CliRun.run(args);
        assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"model-zero", "onnx"})
    void theSummarySaysWhatWasWrittenAndHowToFeedIt(String base) {
        Exported e = exported.get(base);
        JsonNode s = e.summary().get("onnx");
        assertThat(s.get("file").asText()).isEqualTo(e.onnx().toAbsolutePath().toString());
        assertThat(s.get("model_card").asText()).isEqualTo(shared.resolve("out/" + base + ".md").toAbsolutePath().toString());
        assertThat(s.get("model_version").asLong()).isEqualTo(e.summary().at("/model/model_version").asLong());
        assertThat(s.get("label_count").asInt()).isEqualTo(16);
        assertThat(s.at("/input/name").asText()).isEqualTo("image");
        int side = base.equals("onnx") ? 32 : 64;
        assertThat(s.at("/input/shape").toString()).isEqualTo("[\"N\"," + side + "," + side + ",3]");
        assertThat(s.get("output").asText()).isEqualTo("probabilities");
        assertThat(s.get("classes").findValuesAsText("name")).containsExactly("class0", "class1", "class2");
        assertThat(s.get("max_difference").asDouble()).isLessThanOrEqualTo(OnnxExport.TOLERANCE);
        assertThat(s.get("bytes").asLong()).isEqualTo(e.onnx().toFile().length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"model-zero", "onnx"})
    void onnxRuntimeForJavaGivesWhatLoupePredictGives(String base) throws Exception {
        Exported e = exported.get(base);
        float[][] got;
        try (OnnxClassifier classifier = OnnxClassifier.open(e.onnx())) {
            got = classifier.probabilities(e.proof().rgb(), e.proof().files().size());
        }
        assertThat(e.proof().maxDifference(got)).isLessThan(OnnxExport.TOLERANCE);
        // And the CLI's own `predict` output (label and confidence per file) agrees with the file's.
        JsonNode predicted = run("predict", e.zip().toString(), data.toString(), "--json").json();
        assertThat(predicted).hasSize(e.proof().files().size());
        for (int i = 0; i < predicted.size(); i++) {
            JsonNode p = predicted.get(i);
            assertThat(Path.of(p.get("path").asText())).isEqualTo(e.proof().files().get(i));
            int best = 0;
            for (int k = 1; k < got[i].length; k++) if (got[i][k] > got[i][best]) best = k;
            assertThat(p.get("label").asText()).isEqualTo("class" + best);
            assertThat(p.get("confidence").asDouble()).isCloseTo(got[i][best], within(OnnxExport.TOLERANCE));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"model-zero", "onnx"})
    void onnxRuntimeForNodeGivesWhatLoupePredictGives(String base) throws Exception {
        Exported e = exported.get(base);
        float[][] got = e.proof().runWithNode(e.onnx(), tmp);
        assertThat(e.proof().maxDifference(got)).isLessThan(OnnxExport.TOLERANCE);
    }

    @Test
    void aBadTargetIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path labels = tmp.resolve("labels.csv");
        Path project = exported.get("model-zero").project();
        CliRun wrongName = CliRun.run("export", project.toString(), "--labels", labels.toString(), "--onnx",
                tmp.resolve("model.zip").toString());
        assertThat(wrongName.exitCode()).isEqualTo(1);
        assertThat(wrongName.err()).contains("name the file FILE.onnx");
        Path folder = Files.createDirectories(tmp.resolve("folder.onnx"));
        CliRun isFolder = CliRun.run("export", project.toString(), "--labels", labels.toString(), "--onnx", folder.toString());
        assertThat(isFolder.exitCode()).isEqualTo(1);
        assertThat(isFolder.err()).contains("it is a folder");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).containsExactly(folder);
        }
        assertThat(folder).isEmptyDirectory();
    }

    @Test
    void aProjectWithoutAModelSaysHowToGetOne() throws Exception {
        Path empty = tmp.resolve("empty.loupe");
        run("import", empty.toString(), data.resolve("class0").toString());
        CliRun r = CliRun.run("export", empty.toString(), "--onnx", tmp.resolve("m.onnx").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("label some images first");
        assertThat(tmp.resolve("m.onnx")).doesNotExist();
    }

    @Test
    void helpExportDescribesTheOnnxOption() {
        CliRun help = CliRun.run("help", "export");
        assertThat(help.out().replaceAll("\\s+", " ")).contains("--onnx=FILE.onnx", "a model card FILE.md beside it",
                "Input 'image': float32 [N, H, W, 3], RGB 0..255", "output 'probabilities': [N, classes]");
    }
}
