package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.export.onnx.OnnxClassifier;
import dev.loupe.export.onnx.OnnxExport;
import dev.loupe.export.onnx.OnnxProof;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code loupe export --onnx} on a project made as a user makes one (import with folder labels, train, one more label
 * through the per-label path): the file's probabilities equal what {@code loupe predict} gives with the exported .zip,
 * in ONNX Runtime for Java (always) and in onnxruntime-node (when installed; {@code .ci/run} requires it).
 */
class OnnxExportCommandTest {

    @TempDir
    static Path shared;

    static Path project;
    static Path zip;
    static Path onnx;
    static JsonNode summary;
    static OnnxProof proof;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeAndExportAProject() throws Exception {
        Path data = TestImages.imageFolder(shared.resolve("data"), 3, 5);
        for (int i = 0; i < 4; i++) TestImages.png(data.resolve("pool/p" + i + ".png"), i % 3, 100 + i);
        project = shared.resolve("shapes.loupe");
        run("import", project.toString(), data.toString(), "--labels-from-subfolders");
        run("train", project.toString(), "--epochs", "30");
        run("label", project.toString(), data.resolve("pool/p0.png").toString(), "class0");
        zip = shared.resolve("out/shapes.zip");
        onnx = shared.resolve("out/shapes.onnx");
        summary = run("export", project.toString(), "--model", zip.toString(), "--onnx", onnx.toString(), "--json").json();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(data)) {
            walk.filter(f -> f.toString().endsWith(".png")).sorted().forEach(files::add);
        }
        proof = OnnxProof.of(zip, files);
    }

    private static CliRun run(String... args) {
        CliRun r = CliRun.run(args);
        assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
        return r;
    }

    @Test
    void theSummarySaysWhatWasWrittenAndHowToFeedIt() {
        JsonNode s = summary.get("onnx");
        assertThat(s.get("file").asText()).isEqualTo(onnx.toAbsolutePath().toString());
        assertThat(s.get("model_card").asText()).isEqualTo(shared.resolve("out/shapes.md").toAbsolutePath().toString());
        assertThat(s.get("model_version").asLong()).isEqualTo(summary.at("/model/model_version").asLong());
        assertThat(s.get("label_count").asInt()).isEqualTo(16);
        assertThat(s.at("/input/name").asText()).isEqualTo("image");
        assertThat(s.at("/input/shape").toString()).isEqualTo("[\"N\",64,64,3]");
        assertThat(s.get("output").asText()).isEqualTo("probabilities");
        assertThat(s.get("classes").findValuesAsText("name")).containsExactly("class0", "class1", "class2");
        assertThat(s.get("max_difference").asDouble()).isLessThanOrEqualTo(OnnxExport.TOLERANCE);
        assertThat(s.get("bytes").asLong()).isEqualTo(onnx.toFile().length());
    }

    @Test
    void onnxRuntimeForJavaGivesWhatLoupePredictGives() throws Exception {
        float[][] got;
        try (OnnxClassifier classifier = OnnxClassifier.open(onnx)) {
            got = classifier.probabilities(proof.rgb(), proof.files().size());
        }
        assertThat(proof.maxDifference(got)).isLessThan(OnnxExport.TOLERANCE);
        // And the CLI's own `predict` output (label and confidence per file) agrees with the file's.
        JsonNode predicted = run("predict", zip.toString(), shared.resolve("data").toString(), "--json").json();
        assertThat(predicted).hasSize(proof.files().size());
        for (int i = 0; i < predicted.size(); i++) {
            JsonNode p = predicted.get(i);
            assertThat(Path.of(p.get("path").asText())).isEqualTo(proof.files().get(i));
            int best = 0;
            for (int k = 1; k < got[i].length; k++) if (got[i][k] > got[i][best]) best = k;
            assertThat(p.get("label").asText()).isEqualTo("class" + best);
            assertThat(p.get("confidence").asDouble()).isCloseTo(got[i][best], within(OnnxExport.TOLERANCE));
        }
    }

    @Test
    void onnxRuntimeForNodeGivesWhatLoupePredictGives() throws Exception {
        float[][] got = proof.runWithNode(onnx, tmp);
        assertThat(proof.maxDifference(got)).isLessThan(OnnxExport.TOLERANCE);
    }

    @Test
    void aBadTargetIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path labels = tmp.resolve("labels.csv");
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
        run("import", empty.toString(), shared.resolve("data/class0").toString());
        CliRun r = CliRun.run("export", empty.toString(), "--onnx", tmp.resolve("m.onnx").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("label some images first");
        assertThat(tmp.resolve("m.onnx")).doesNotExist();
    }

    @Test
    void helpExportDescribesTheOnnxOption() {
        CliRun help = CliRun.run("help", "export");
        assertThat(help.out()).contains("--onnx=FILE.onnx", "RGB", "0..255", "probabilities", "model card");
    }
}
