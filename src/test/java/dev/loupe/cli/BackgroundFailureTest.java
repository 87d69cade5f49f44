package dev.loupe.cli;

import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.backbone.Backbone;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A failure on the training thread reaches the CLI user: a message on stderr and a non-zero exit, labels kept. */
class BackgroundFailureTest {

    @TempDir
    Path tmp;

    @Test
    void aTrainingStepThatFailsIsReportedOnStderrWithANonZeroExitAndTheLabelsStay() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 2, 3);
        String project = tmp.resolve("p.loupe").toString();
        assertThat(CliRun.run("import", project, data.toString()).exitCode()).isZero();
        assertThat(CliRun.run("classes", project, "add", "class0").exitCode()).isZero();
        assertThat(CliRun.run("classes", project, "add", "class1").exitCode()).isZero();
        // inject the failure: one image's stored embedding is NaN, so the step that learns it diverges
        try (ProjectStore store = ProjectStore.open(Path.of(project), false); Backbone b = ProjectBackbone.load(store)) {
            long poisoned = store.findByRelPath("class0/img0.png").orElseThrow().id();
            float[] nan = new float[b.dim()];
            Arrays.fill(nan, Float.NaN);
            store.putEmbeddings(b.id(), Map.of(poisoned, nan));
        }

        CliRun one = CliRun.run("label", project, "class0/img0.png", "class0");
        assertThat(one.exitCode()).as(one.err()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(one.err()).contains("loupe: training diverged");

        Path csv = Files.write(tmp.resolve("l.csv"), List.of("class1/img0.png,class1", "class1/img1.png,class1"));
        CliRun many = CliRun.run("label", project, "--from-csv", csv.toString());
        assertThat(many.out()).contains("ok class1/img0.png class1", "ok class1/img1.png class1");
        try (ProjectStore store = ProjectStore.open(Path.of(project), false)) {
            assertThat(store.currentLabels()).hasSize(3); // every label is stored, the failed one included
        }
        // a new process learns the poisoned label again from the journal, and says so again
        assertThat(many.exitCode()).as(many.err()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(many.err()).contains("loupe: training diverged");
    }
}
