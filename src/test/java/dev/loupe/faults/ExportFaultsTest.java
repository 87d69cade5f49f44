package dev.loupe.faults;

import dev.loupe.testing.CliRun;
import dev.loupe.testing.FaultyDisk;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** An export that meets a full disk leaves nothing that looks like an export, says which disk and how much it needs. */
class ExportFaultsTest {

    @TempDir
    Path tmp;

    @Test
    void aFullDiskLeavesNoModelNoLabelFileAndNoImageFolderBehindAndTheNextExportWorks() throws Exception {
        Path project = tmp.resolve("p.loupe");
        Path data = TestImages.imageFolder(tmp.resolve("data"), 2, 6);
        assertThat(CliRun.run("import", project.toString(), data.toString(), "--labels-from-subfolders").exitCode()).isZero();
        assertThat(CliRun.run("queue", project.toString()).exitCode()).isZero(); // trains the first model version
        Path out = Files.createDirectories(tmp.resolve("out"));
        String[][] exports = {
            {"--model", out.resolve("model.zip").toString()},
            {"--labels", out.resolve("labels.csv").toString()},
            {"--imagefolder", out.resolve("images").toString()}};
        int[] failAt = {1, 1, 5}; // the model file, the label file, the fifth copied image
        for (int i = 0; i < exports.length; i++) {
            CliRun r;
            try (FaultyDisk disk = FaultyDisk.install()) {
                disk.failFromWrite(failAt[i], FaultyDisk.Fault.FULL);
                r = CliRun.run("export", project.toString(), exports[i][0], exports[i][1]);
            }
            assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).startsWith("loupe: The disk holding " + exports[i][1] + " is full (")
                    .containsAnyOf("was not written", "were not exported").doesNotContain("null", "Exception");
            if (!exports[i][0].equals("--labels")) {
                assertThat(r.err()).contains("Free at least ");
            }
            try (Stream<Path> left = Files.list(out)) {
                assertThat(left).as("nothing half-written looks like an export").isEmpty();
            }
        }
        for (String[] e : exports) {
            CliRun r = CliRun.run("export", project.toString(), e[0], e[1]);
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
        try (Stream<Path> copied = Files.walk(out.resolve("images"))) {
            assertThat(copied.filter(Files::isRegularFile)).hasSize(12);
        }
    }
}
