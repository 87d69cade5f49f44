package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The labelling verbs of the CLI contract, end to end in-process. */
class LabelCommandTest {

    @TempDir
    Path tmp;
    private Path data;
    private String project;

    @BeforeEach
    void setUp() throws Exception {
        data = TestImages.imageFolder(tmp.resolve("data"), 3, 9);
        project = tmp.resolve("p.loupe").toString();
        assertThat(CliRun.run("import", project, data.toString()).exitCode()).isZero();
        for (int c = 0; c < 3; c++) {
            assertThat(CliRun.run("classes", project, "add", "class" + c).exitCode()).isZero();
        }
    }

    @Test
    void labelPrintsTheStepAndTheQueueReflectsIt() {
        CliRun r = CliRun.run("label", project, "class1/img0.png", "class1", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("event").asText()).isEqualTo("label");
        assertThat(j.get("step_ms").asDouble()).isPositive();
        assertThat(j.has("rerank_ms")).isTrue();
        assertThat(j.get("model_version").asLong()).isPositive();

        JsonNode q = CliRun.run("queue", project, "--limit", "100", "--json").json();
        assertThat(q).hasSize(26);
        List<String> paths = q.findValuesAsText("path");
        assertThat(paths).noneMatch(p -> p.endsWith("class1/img0.png"));
        assertThat(q.get(0).has("predicted")).isTrue();
        assertThat(q.get(0).has("confidence")).isTrue();
        assertThat(q.get(0).has("score")).isTrue();
    }

    @Test
    void fromCsvAcknowledgesEachStoredLabelAndReportsBadLines() throws Exception {
        List<String> lines = new ArrayList<>(List.of("path,class"));
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 2; i++) {
                lines.add(data.resolve("class" + c + "/img" + i + ".png") + ",class" + c);
            }
        }
        lines.add("class0/img5.png,no-such-class");
        lines.add("class0/nope.png,class0");
        Path csv = Files.write(tmp.resolve("labels.csv"), lines);

        CliRun r = CliRun.run("label", project, "--from-csv", csv.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out().lines().filter(l -> l.startsWith("ok "))).hasSize(6);
        assertThat(r.err()).contains("No class 'no-such-class'").contains("No image 'class0/nope.png'");
        JsonNode status = CliRun.run("status", project, "--json").json();
        assertThat(status.get("labelled").asInt()).isEqualTo(6);
        assertThat(status.get("model_version").asLong()).isPositive();
        // how good the model probably is on the rest, with its band, what more labels would buy and a plain hint
        JsonNode estimate = status.get("accuracy_estimate");
        assertThat(estimate.get("labels").asInt()).isEqualTo(6);
        assertThat(estimate.get("unlabelled").asInt()).isEqualTo(27 - 6);
        assertThat(estimate.get("estimate").asDouble()).isBetween(estimate.get("low").asDouble(), estimate.get("high").asDouble());
        assertThat(estimate.get("projected").has("+100")).isTrue();
        assertThat(estimate.get("hint").asText()).isNotBlank();
        assertThat(CliRun.run("status", project).out()).contains("Estimate  ~", "right on the 21 unlabelled images");
    }

    @Test
    void leastConfidenceQueueIsInAscendingConfidenceOnceColdStartIsOver() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 7; i++) { // 21 labels: past the cold-start hand-over at 20
                lines.add("class" + c + "/img" + i + ".png,class" + c);
            }
        }
        assertThat(CliRun.run("label", project, "--from-csv", Files.write(tmp.resolve("l.csv"), lines).toString()).exitCode()).isZero();
        JsonNode q = CliRun.run("queue", project, "--strategy", "least-confidence", "--limit", "100", "--json").json();
        // Least confidence ranks on the confidence it shows (calibrated), lowest first; the other strategies rank on
        // the head's probabilities before the temperature (ADR 0022, update of issue 13b).
        List<Double> conf = q.findValues("confidence").stream().map(JsonNode::asDouble).toList();
        assertThat(conf).hasSize(6).isSorted();
        List<Double> score = q.findValues("score").stream().map(JsonNode::asDouble).toList();
        for (int i = 0; i < conf.size(); i++) assertThat(score.get(i)).isCloseTo(1 - conf.get(i), within(1e-6));
    }

    @Test
    void undoAndRedoThroughTheCli() {
        CliRun.run("label", project, "class2/img0.png", "class2");
        JsonNode before = CliRun.run("queue", project, "--limit", "100", "--json").json();
        CliRun.run("label", project, "class0/img0.png", "class0");

        CliRun u = CliRun.run("undo", project, "--json");
        assertThat(u.exitCode()).as(u.err()).isZero();
        JsonNode after = CliRun.run("queue", project, "--limit", "100", "--json").json();
        assertThat(after.findValues("confidence")).isEqualTo(before.findValues("confidence"));

        assertThat(CliRun.run("redo", project).exitCode()).isZero();
        assertThat(CliRun.run("status", project, "--json").json().get("labelled").asInt()).isEqualTo(2);
        assertThat(CliRun.run("redo", project).err()).contains("Nothing to redo");
    }

    @Test
    void unknownImageOrClassIsAClearError() {
        CliRun a = CliRun.run("label", project, "class0/img0.png", "zebra");
        assertThat(a.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(a.err()).contains("No class 'zebra'").contains("class0, class1, class2");
        CliRun b = CliRun.run("label", project, "nowhere.png", "class0");
        assertThat(b.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(b.err()).contains("No image 'nowhere.png'");
    }

    @Test
    void classesRenameMergeDelete() {
        assertThat(CliRun.run("classes", project, "rename", "class2", "triangles").exitCode()).isZero();
        CliRun.run("label", project, "class0/img0.png", "class0");
        assertThat(CliRun.run("classes", project, "merge", "class0", "class1").exitCode()).isZero();
        JsonNode list = CliRun.run("classes", project, "list", "--json").json();
        assertThat(list.findValuesAsText("name")).containsExactly("class1", "triangles");
        assertThat(list.get(0).get("labels").asInt()).isEqualTo(1);
        assertThat(CliRun.run("classes", project, "delete", "class1").exitCode()).isZero();
        assertThat(CliRun.run("status", project, "--json").json().get("labelled").asInt()).isZero();
        assertThat(CliRun.run("classes", project, "frob").err()).contains("Unknown action");
    }

    @Test
    void trainPrintsHeldOutAccuracy() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 5; i++) {
                lines.add("class" + c + "/img" + i + ".png,class" + c);
            }
        }
        CliRun.run("label", project, "--from-csv", Files.write(tmp.resolve("l.csv"), lines).toString());
        CliRun r = CliRun.run("train", project, "--epochs", "10", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.json().get("held_out").asInt()).isEqualTo(3);
        assertThat(r.json().get("trained_on").asInt()).isEqualTo(12);
        assertThat(r.json().get("held_out_accuracy").isNumber()).isTrue();

        JsonNode versions = CliRun.run("versions", project, "--json").json();
        assertThat(versions.get(versions.size() - 1).get("note").asText()).isEqualTo("batch retrain");
        assertThat(versions.get(versions.size() - 1).get("labels").asInt()).isEqualTo(15);
    }
}
