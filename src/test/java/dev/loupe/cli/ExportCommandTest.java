package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.export.ExportFixtures;
import dev.loupe.export.LoupeModel;
import dev.loupe.export.ProjectFixture;
import dev.loupe.backbone.Backbone;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.training.HeadState;
import dev.loupe.training.ModelVersionFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ExportCommandTest {

    @TempDir
    static Path shared;

    static ProjectFixture project;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildProject() throws Exception {
        project = ProjectFixture.build(shared, true);
    }

    private static String abs(String rel) {
        return project.data().toAbsolutePath().normalize().resolve(rel).toString();
    }

    @Test
    void labelsAsCsvAreExactWithQuoting() throws Exception {
        Path csv = tmp.resolve("labels.csv");
        CliRun run = CliRun.run("export", project.dir().toString(), "--labels", csv.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Wrote 8 labels");
        String quotedWeird = "\"" + abs("class0/we,ird \"name\".png").replace("\"", "\"\"") + "\"";
        assertThat(Files.readString(csv)).isEqualTo("path,label\r\n"
                + abs("class0/img0.png") + ",cat\r\n"
                + abs("class0/img1.png") + ",cat\r\n"
                + quotedWeird + ",cat\r\n"
                + abs("class1/img0.png") + ",\"dog, big\"\r\n"
                + abs("class1/img1.png") + ",\"dog, big\"\r\n"
                + abs("class2/img0.png") + ",bird/raptor\r\n"
                + abs("class2/img1.png") + ",bird/raptor\r\n"
                + abs("extra/img0.png") + ",cat\r\n");
    }

    @Test
    void labelsAsJsonListPathAndLabel() throws Exception {
        Path json = tmp.resolve("labels.json");
        CliRun run = CliRun.run("export", project.dir().toString(), "--labels", json.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.json().at("/labels/count").asInt()).isEqualTo(8);
        JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertThat(rows).hasSize(8);
        assertThat(rows.get(2).get("path").asText()).isEqualTo(abs("class0/we,ird \"name\".png"));
        assertThat(rows.get(2).get("label").asText()).isEqualTo("cat");
        assertThat(rows.get(3).get("label").asText()).isEqualTo("dog, big");
        assertThat(rows.findValuesAsText("label")).doesNotContain("old");
    }

    @Test
    void imageFolderCopiesIntoSafeClassFoldersAndRenamesClashes() throws Exception {
        Path out = tmp.resolve("tree");
        CliRun run = CliRun.run("export", project.dir().toString(), "--imagefolder", out.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.json().at("/imagefolder/copied").asInt()).isEqualTo(8);
        List<String> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(out)) {
            walk.filter(Files::isRegularFile).forEach(p -> files.add(out.relativize(p).toString()));
        }
        assertThat(files).containsExactlyInAnyOrder(
                "cat/img0.png", "cat/img1.png", "cat/we,ird \"name\".png", "cat/img0-2.png",
                "dog, big/img0.png", "dog, big/img1.png",
                "bird_raptor/img0.png", "bird_raptor/img1.png");
        assertThat(out.resolve("cat/img0-2.png")).hasSameBinaryContentAs(project.data().resolve("extra/img0.png"));
        assertThat(out.resolve("dog, big/img1.png")).hasSameBinaryContentAs(project.data().resolve("class1/img1.png"));
        assertThat(project.data().resolve("extra/img0.png")).as("copied, not moved").exists();
    }

    @Test
    void aNonEmptyImageFolderIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        Path csv = tmp.resolve("labels.csv");
        CliRun run = CliRun.run("export", project.dir().toString(), "--labels", csv.toString(),
                "--imagefolder", out.toString());
        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).contains("not empty");
        try (Stream<Path> list = Files.list(out)) {
            assertThat(list).containsExactly(out.resolve("keep.txt"));
        }
        assertThat(csv).doesNotExist();
    }

    @Test
    void imagesMissingOnDiskAreReportedNotFatal() throws Exception {
        ProjectFixture small = ProjectFixture.build(tmp.resolve("small"), false);
        Files.delete(small.data().resolve("class1/img0.png"));
        Path out = tmp.resolve("tree");
        CliRun run = CliRun.run("export", small.dir().toString(), "--imagefolder", out.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode f = run.json().get("imagefolder");
        assertThat(f.get("copied").asInt()).isEqualTo(7);
        assertThat(f.get("not_copied")).hasSize(1);
        assertThat(f.get("not_copied").get(0).get("path").asText()).endsWith("img0.png").contains("class1");
        assertThat(f.get("not_copied").get(0).get("reason").asText()).contains("not found");
        assertThat(run.err()).contains("class1").contains("not found");
        assertThat(out.resolve("dog, big/img1.png")).exists();
    }

    @Test
    void anExportedModelPredictsTheLabelsOfTheProjectHead() throws Exception {
        Path model = tmp.resolve("m.zip");
        CliRun export = CliRun.run("export", project.dir().toString(), "--model", model.toString(), "--json");
        assertThat(export.exitCode()).as(export.err()).isZero();
        JsonNode m = export.json().get("model");
        assertThat(m.get("model_version").asInt()).isEqualTo(1);
        assertThat(m.get("classes").findValuesAsText("name")).isEqualTo(ProjectFixture.COLUMNS);
        assertThat(m.get("classes").findValues("active")).extracting(JsonNode::asBoolean)
                .containsExactly(true, true, true, false);

        CliRun predict = CliRun.run("predict", model.toString(), project.data().toString(), "--json");
        assertThat(predict.exitCode()).as(predict.err()).isZero();
        Map<String, JsonNode> byPath = new TreeMap<>();
        for (JsonNode row : predict.json()) {
            byPath.put(row.get("path").asText(), row);
        }
        assertThat(byPath).hasSize(9);
        List<String> paths = new ArrayList<>(byPath.keySet());
        assertThat(predict.json().findValuesAsText("path")).as("sorted by path").isEqualTo(paths);

        // The head computed directly, with the deleted class's column left out.
        HeadState state = project.state();
        try (Backbone zero = ExportFixtures.modelZero()) {
            float[][] x = zero.embed(ExportFixtures.decode(zero, paths.stream().map(Path::of).toList()));
            float[][] p = ExportFixtures.directProbabilities(state, x);
            for (int i = 0; i < paths.size(); i++) {
                int best = ExportFixtures.argmax(new float[] {p[i][0], p[i][1], p[i][2]});
                float confidence = p[i][best] / (p[i][0] + p[i][1] + p[i][2]);
                JsonNode row = byPath.get(paths.get(i));
                assertThat(row.get("label").asText()).as(paths.get(i)).isEqualTo(ProjectFixture.COLUMNS.get(best));
                assertThat((float) row.get("confidence").asDouble()).isCloseTo(confidence, within(1e-5f));
            }
            // p0.png trained the now-deleted "old": never predicted, whatever its weights say.
            assertThat(predict.json().findValuesAsText("label")).doesNotContain("old");
        }
        try (LoupeModel loaded = LoupeModel.load(model)) {
            assertThat(loaded.info().provenance()).containsEntry(LoupeModel.MODEL_VERSION, 1)
                    .containsEntry(LoupeModel.LABEL_COUNT, 9).containsEntry(LoupeModel.PROJECT, "p.loupe");
        }
    }

    @Test
    void severalOutputsAtOnce() {
        Path model = tmp.resolve("m.zip");
        Path csv = tmp.resolve("l.csv");
        Path out = tmp.resolve("tree");
        CliRun run = CliRun.run("export", project.dir().toString(), "--model", model.toString(), "--labels", csv.toString(),
                "--imagefolder", out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Wrote model version 1").contains("Wrote 8 labels").contains("Copied 8 images");
        assertThat(model).exists();
        assertThat(csv).exists();
        assertThat(out.resolve("cat")).isDirectory();
    }

    @Test
    void withoutAModelVersionExportSaysHowToGetOne() throws Exception {
        ProjectFixture small = ProjectFixture.build(tmp.resolve("small"), false);
        CliRun run = CliRun.run("export", small.dir().toString(), "--model", tmp.resolve("m.zip").toString());
        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).contains("no model yet").contains("loupe train");
        assertThat(tmp.resolve("m.zip")).doesNotExist();
    }

    @Test
    void aVersionTrainedOnAnotherBackboneIsRefused() throws Exception {
        ProjectFixture other = ProjectFixture.build(tmp.resolve("other"), true);
        try (ProjectStore store = ProjectStore.open(other.dir(), false)) {
            ModelVersionFile v1 = ModelVersionFile.read(store.dir().resolve("models/v000001.loupe-head"));
            new ModelVersionFile("resnet50@0123456789ab", v1.classIds(), v1.journalSeq(), v1.labelCount(), v1.state())
                    .write(store.modelsDir().resolve("v000002.loupe-head"));
            store.addModelVersion("models/v000002.loupe-head", v1.labelCount(), v1.journalSeq(), "other backbone");
        }
        Path model = tmp.resolve("m.zip");
        CliRun run = CliRun.run("export", other.dir().toString(), "--model", model.toString());
        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).contains("resnet50@0123456789ab").contains("model-zero@");
        assertThat(model).doesNotExist();

        CliRun older = CliRun.run("export", other.dir().toString(), "--model", model.toString(), "--version", "1");
        assertThat(older.exitCode()).as(older.err()).isZero();
        assertThat(model).exists();

        CliRun missing = CliRun.run("export", other.dir().toString(), "--model", model.toString(), "--version", "7");
        assertThat(missing.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(missing.err()).contains("no model version 7");
    }

    @Test
    void nothingToExportIsAUserError() {
        CliRun run = CliRun.run("export", project.dir().toString());
        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).contains("--model").contains("--labels").contains("--imagefolder");
        CliRun bad = CliRun.run("export", project.dir().toString(), "--labels", tmp.resolve("x.txt").toString());
        assertThat(bad.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(bad.err()).contains(".csv").contains(".json");
    }
}
