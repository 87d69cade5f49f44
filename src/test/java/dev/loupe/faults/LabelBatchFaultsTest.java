package dev.loupe.faults;

import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.FaultyDisk;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17: {@code label --from-csv} on a disk that fills up stopped acknowledging but printed SQLite's error for every
 * one of the remaining lines. It stops at the first full-disk error, says where and what to do, once.
 */
class LabelBatchFaultsTest {

    @TempDir
    Path tmp;

    @Test
    void aBatchStopsAtTheFirstFullDiskKeepsEveryAcknowledgedLabelAndFinishesWhenRunAgain() throws Exception {
        Path project = tmp.resolve("p.loupe");
        Path data = TestImages.imageFolder(tmp.resolve("data"), 2, 15);
        assertThat(CliRun.run("import", project.toString(), data.toString()).exitCode()).isZero();
        assertThat(CliRun.run("classes", project.toString(), "add", "a").exitCode()).isZero();
        assertThat(CliRun.run("classes", project.toString(), "add", "b").exitCode()).isZero();
        StringBuilder csv = new StringBuilder();
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 15; i++) {
                csv.append("class").append(c).append("/img").append(i).append(".png,").append(c == 0 ? "a" : "b").append('\n');
            }
        }
        Path lines = Files.writeString(tmp.resolve("labels.csv"), csv);
        CliRun r;
        try (FaultyDisk disk = FaultyDisk.install()) {
            disk.failFromWrite(6, FaultyDisk.Fault.FULL);
            r = CliRun.run("label", project.toString(), "--from-csv", lines.toString());
        }
        long acknowledged = r.out().lines().filter(l -> l.startsWith("ok ")).count();
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(acknowledged).isBetween(1L, 29L);
        assertThat(r.err()).contains("The disk holding " + project, " is full (")
                .contains("Stopped at line " + (acknowledged + 1) + " of " + lines)
                .contains("The " + acknowledged + " labels printed 'ok' above are saved")
                .doesNotContain("error line", "SQLITE", "null");
        try (ProjectStore store = ProjectStore.open(project, false)) {
            assertThat(store.currentLabels()).hasSize((int) acknowledged);
        }
        CliRun again = CliRun.run("label", project.toString(), "--from-csv", lines.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        try (ProjectStore store = ProjectStore.open(project, false)) {
            assertThat(store.currentLabels()).hasSize(30);
        }
    }
}
