package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ImportCommandTest {

    @TempDir
    Path tmp;

    @Test
    void importAccountsForEveryFileAndLabelsFromSubfolders() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 2, 3);
        Files.copy(data.resolve("class0/img0.png"), data.resolve("class1/copy-of-class0.png"));
        TestImages.png(data.resolve("pool/x.png"), 1, 99);
        Files.writeString(data.resolve("notes.txt"), "hello");
        Files.writeString(data.resolve("class0/fake.png"), "not a png");
        Path project = tmp.resolve("p.loupe");

        CliRun run = CliRun.run("import", project.toString(), data.toString(), "--labels-from-subfolders", "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode r = run.json();
        assertThat(r.get("found").asInt()).isEqualTo(10);
        assertThat(r.get("imported").asInt()).isEqualTo(7);
        assertThat(r.get("duplicates").asInt()).isEqualTo(1);
        assertThat(r.get("skipped")).hasSize(2);
        assertThat(r.get("labelled").asInt()).isEqualTo(6);
        assertThat(r.get("embedded").asInt()).as("embeddings computed at import").isEqualTo(7);
        assertThat(r.get("skipped").findValuesAsText("reason"))
                .anySatisfy(reason -> assertThat(reason).contains("not an image file"))
                .anySatisfy(reason -> assertThat(reason).contains("not an image"));

        JsonNode status = CliRun.run("status", project.toString(), "--json").json();
        assertThat(status.get("images").asInt()).isEqualTo(7);
        assertThat(status.get("labelled").asInt()).isEqualTo(6);
        assertThat(status.get("classes").findValuesAsText("name")).containsExactly("class0", "class1");
        assertThat(status.get("classes").findValues("labels")).extracting(JsonNode::asInt).containsExactly(3, 3);
    }

    @Test
    void reimportAddsOnlyWhatIsNew() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 1, 3);
        Path project = tmp.resolve("p.loupe");
        assertThat(CliRun.run("import", project.toString(), data.toString(), "--json").json().get("imported").asInt()).isEqualTo(3);

        TestImages.png(data.resolve("class0/new.png"), 0, 1234);
        JsonNode again = CliRun.run("import", project.toString(), data.toString(), "--json").json();

        assertThat(again.get("found").asInt()).isEqualTo(4);
        assertThat(again.get("imported").asInt()).isEqualTo(1);
        assertThat(again.get("already_in_project").asInt()).isEqualTo(3);
    }

    @Test
    void aMissingFolderIsAClearUserError() {
        CliRun run = CliRun.run("import", tmp.resolve("p.loupe").toString(), tmp.resolve("nope").toString());
        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).contains("not a folder");
        assertThat(tmp.resolve("p.loupe")).doesNotExist();
    }

    @Test
    void statusOfAFolderThatIsNoProjectIsAClearUserError() {
        CliRun run = CliRun.run("status", tmp.toString());
        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).startsWith("loupe: ");
    }
}
