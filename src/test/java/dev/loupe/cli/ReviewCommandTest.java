package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReviewCommandTest {

    @TempDir
    Path tmp;

    private static List<String> paths(JsonNode rows) {
        List<String> out = new ArrayList<>();
        rows.forEach(r -> out.add(r.get("path").asText()));
        return out;
    }

    @Test
    void aWrongLabelIsListedThenKeptOrAcceptedAndUndone() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 10);
        String project = tmp.resolve("p.loupe").toString();
        assertThat(CliRun.run("import", project, data.toString(), "--labels-from-subfolders").exitCode()).isZero();
        String wrong = data.resolve("class0/img3.png").toAbsolutePath().toString();
        assertThat(CliRun.run("label", project, wrong, "class2").exitCode()).isZero();

        CliRun r = CliRun.run("review", project, "--suspects", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode rows = r.json();
        assertThat(rows.isArray()).isTrue();
        JsonNode first = rows.get(0);
        assertThat(first.get("path").asText()).isEqualTo(wrong);
        assertThat(first.get("label").asText()).isEqualTo("class2");
        assertThat(first.get("suggested").asText()).isEqualTo("class0");
        assertThat(first.get("p_suggested").asDouble()).isGreaterThan(first.get("p_label").asDouble());
        assertThat(first.get("why").asText()).startsWith("a model that never saw this label gives class0 ")
                .contains("nearest labelled images");
        assertThat(rows.size()).as("clean labels of well-separated shapes are not listed").isLessThanOrEqualTo(3);

        CliRun keep = CliRun.run("review", project, "--keep", wrong, "--json");
        assertThat(keep.exitCode()).as(keep.err()).isZero();
        assertThat(keep.json().get("action").asText()).isEqualTo("kept");
        assertThat(paths(CliRun.run("review", project, "--suspects", "--json").json())).doesNotContain(wrong);

        assertThat(CliRun.run("review", project, "--unkeep", wrong).exitCode()).isZero();
        assertThat(paths(CliRun.run("review", project, "--suspects", "--json").json())).contains(wrong);

        CliRun accept = CliRun.run("review", project, "--accept", wrong, "--json");
        assertThat(accept.exitCode()).as(accept.err()).isZero();
        assertThat(accept.json().get("label").asText()).isEqualTo("class0");
        assertThat(accept.json().get("label_before").asText()).isEqualTo("class2");
        assertThat(paths(CliRun.run("review", project, "--suspects", "--json").json())).doesNotContain(wrong);

        assertThat(CliRun.run("undo", project).exitCode()).isZero();
        assertThat(paths(CliRun.run("review", project, "--suspects", "--json").json())).contains(wrong);

        CliRun notSuspect = CliRun.run("review", project, "--accept", data.resolve("class1/img1.png").toAbsolutePath().toString());
        assertThat(notSuspect.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(notSuspect.err()).contains("not among the suspects");
    }

    @Test
    void tooFewLabelsSaysSo() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 2, 2);
        String project = tmp.resolve("p.loupe").toString();
        assertThat(CliRun.run("import", project, data.toString(), "--labels-from-subfolders").exitCode()).isZero();
        CliRun r = CliRun.run("review", project, "--suspects");
        assertThat(r.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(r.err()).contains("Cannot check the labels yet").contains("at least two classes");
    }
}
