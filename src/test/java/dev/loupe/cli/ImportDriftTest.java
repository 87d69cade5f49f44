package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code loupe import} compares what it added with the project's earlier images and says so. */
class ImportDriftTest {

    @TempDir
    Path tmp;

    private static Path folder(Path root, int[] classes, int perClass, int seedBase) throws Exception {
        for (int c : classes) {
            for (int i = 0; i < perClass; i++) {
                TestImages.png(root.resolve("class" + c).resolve("img" + (seedBase + i) + ".png"), c, seedBase + i);
            }
        }
        return root;
    }

    @Test
    void importJsonCarriesTheDriftCheck() throws Exception {
        Path project = tmp.resolve("p.loupe");
        JsonNode first = CliRun.run("import", project.toString(), folder(tmp.resolve("a"), new int[] {0, 1}, 30, 0).toString(),
                "--labels-from-subfolders", "--json").json();
        assertThat(first.get("drift").get("checked").asBoolean()).isFalse();
        assertThat(first.get("drift").get("reason").asText()).contains("no images before");
        CliRun train = CliRun.run("train", project.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();

        JsonNode same = CliRun.run("import", project.toString(), folder(tmp.resolve("b"), new int[] {0, 1}, 30, 1000).toString(),
                "--json").json();
        JsonNode d = same.get("drift");
        assertThat(d.get("checked").asBoolean()).isTrue();
        assertThat(d.get("new_images").asInt()).isEqualTo(60);
        assertThat(d.get("project_images").asInt()).isEqualTo(60);
        assertThat(d.get("drifted").asBoolean()).as(d.toString()).isFalse();
        assertThat(d.get("message").isNull()).isTrue();
        assertThat(d.get("low_confidence_new").isNumber()).as("the saved model scored the new images").isTrue();

        CliRun other = CliRun.run("import", project.toString(), folder(tmp.resolve("c"), new int[] {2, 5}, 30, 0).toString(), "--json");
        d = other.json().get("drift");
        assertThat(d.get("drifted").asBoolean()).as(d.toString()).isTrue();
        assertThat(d.get("p_value").asDouble()).isLessThanOrEqualTo(0.01);
        assertThat(d.get("typical")).isNotEmpty();
        assertThat(d.get("typical").get(0).asText()).matches("class[25]/img\\d+\\.png");
        assertThat(d.get("message").asText()).startsWith("These 60 images look unlike the rest of the project");

        CliRun queue = CliRun.run("queue", project.toString(), "--new-first", "--limit", "5", "--json");
        assertThat(queue.exitCode()).as(queue.err()).isZero();
        assertThat(queue.json().findValuesAsText("path")).hasSize(5).allMatch(p -> p.matches(".*/c/class[25]/img\\d+\\.png"));
    }

    @Test
    void thePlainReportSaysItInWords() throws Exception {
        Path project = tmp.resolve("p.loupe");
        CliRun.run("import", project.toString(), folder(tmp.resolve("a"), new int[] {0, 1}, 30, 0).toString());
        CliRun run = CliRun.run("import", project.toString(), folder(tmp.resolve("c"), new int[] {2, 5}, 30, 0).toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("These 60 images look unlike the rest of the project").contains("typical examples class");
    }
}
