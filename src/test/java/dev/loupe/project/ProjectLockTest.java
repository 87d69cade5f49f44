package dev.loupe.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One project, one opener: in this JVM and across processes; a killed holder loses nothing. */
@Timeout(value = 120, unit = TimeUnit.SECONDS) // a hung child must not hang the build
class ProjectLockTest {

    @TempDir
    Path tmp;
    private Process child;
    private Path childErr;

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSecondOpenInTheSameJvmIsRefusedUntilTheFirstCloses() {
        Path dir = tmp.resolve("p.loupe");
        ProjectStore first = ProjectStore.open(dir, true);
        long pid = ProcessHandle.current().pid();
        assertThatThrownBy(() -> ProjectStore.open(dir, false))
                .isInstanceOf(ProjectException.class)
                .hasMessage("Project " + dir + " is already open in another Loupe process (pid " + pid
                        + "). Close it there first.");
        first.label(first.addImages(java.util.List.of(TestImages.image(tmp, "a.png"))).get(0),
                first.addClass("a", null, null).id(), null, null);
        assertThat(first.currentLabels()).hasSize(1); // the failed open did not disturb the holder
        first.close();
        ProjectStore.open(dir, false).close();
        assertThat(dir.resolve("project.lock")).exists(); // stays: deleting it would race other openers
    }

    @Test
    void aSecondProcessHoldingTheProjectLocksUsOutWithItsPid() throws Exception {
        Path dir = tmp.resolve("p.loupe");
        BufferedReader out = startChild(dir, "hold");
        assertThat(out.readLine()).as(childErrors()).isEqualTo("OPEN");

        assertThatThrownBy(() -> ProjectStore.open(dir, false))
                .isInstanceOf(ProjectException.class)
                .hasMessageContaining("is already open in another Loupe process (pid " + child.pid() + ")")
                .extracting(e -> ((ProjectException) e).kind()).isEqualTo(ProjectException.Kind.LOCKED);

        child.getOutputStream().close(); // lets it close the store and exit
        assertThat(out.readLine()).as(childErrors()).isEqualTo("CLOSED");
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        ProjectStore.open(dir, false).close();
    }

    @Test
    void aLabelAcknowledgedByAProcessKilledWithSigkillIsThereAfterwards() throws Exception {
        Path dir = tmp.resolve("p.loupe");
        BufferedReader out = startChild(dir, "label");
        String line = out.readLine();
        assertThat(line).as(childErrors()).startsWith("LABELLED ");
        long seq = Long.parseLong(line.substring("LABELLED ".length()));

        child.destroyForcibly(); // SIGKILL: no close(), no checkpoint, no shutdown hooks
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

        try (ProjectStore store = ProjectStore.open(dir, false)) { // the OS released the lock with the process
            assertThat(store.lastSeq()).isEqualTo(seq);
            long cls = store.classByName("killed").orElseThrow().id();
            assertThat(store.currentLabels()).isEqualTo(Map.of(store.images().get(0).id(), cls));
            assertThat(store.journalEntry(seq).orElseThrow().prequential()).isTrue();
        }
    }

    private BufferedReader startChild(Path dir, String mode) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        childErr = tmp.resolve("child-" + mode + ".err");
        // surefire's class path may be a manifest-only jar; java -cp follows its Class-Path just the same
        child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockHolderMain.class.getName(), dir.toString(), mode)
                .redirectError(childErr.toFile())
                .start();
        return new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    }

    private String childErrors() {
        try {
            return "child stderr: " + (Files.exists(childErr) ? Files.readString(childErr) : "");
        } catch (IOException e) {
            return "child stderr unreadable: " + e;
        }
    }
}
