package dev.loupe.labelling.ui;

import dev.loupe.testing.CliRun;
import dev.loupe.testing.RecordingDialogs;
import dev.loupe.testing.TestImages;
import dev.loupe.ui.DialogService;
import dev.loupe.ui.SessionExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project model without a window: its "FX thread" is this test, which runs the queued UI tasks one by one and
 * checks after each what the gallery relies on. (CI once failed in MainWindowTest with a reopened session's
 * 52-row snapshot merged into the 48-row state still shown — a timing race; this checks the invariant after every
 * UI task of an import, whatever order the session's snapshots and its new state arrive in.)
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ProjectModelTest {

    @TempDir
    Path tmp;
    private final BlockingQueue<Runnable> fx = new LinkedBlockingQueue<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private ProjectModel model;

    @AfterEach
    void close() throws Exception {
        if (model != null) {
            CompletableFuture<Void> done = model.close();
            while (!done.isDone()) runFxTask(100);
        }
    }

    @Test
    void aReopenedSessionsSnapshotsNeverMeetTheOldStatesRows() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 8);
        Path dir = tmp.resolve("p.loupe");
        CliRun r = CliRun.run("import", dir.toString(), data.toString(), "--labels-from-subfolders");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path more = tmp.resolve("more");
        for (int i = 0; i < 4; i++) {
            TestImages.png(more.resolve("new" + i + ".png"), i % 3, 900 + i);
        }
        DialogService dialogs = new RecordingDialogs(errors);
        model = new ProjectModel(new SessionExecutor(fx::add, dialogs), dialogs);

        CompletableFuture<ProjectState> opened = model.open(dir);
        while (!opened.isDone()) runFxTask(100);
        assertThat(model.state().images().size()).isEqualTo(24);

        // The import reopens the session on the session thread; the new session publishes snapshots of 28 rows
        // into the UI queue before the state with 28 rows gets there.
        CompletableFuture<dev.loupe.importing.ImportReport> imported = model.importFolder(more, false);
        List<Integer> seen = new ArrayList<>();
        while (!imported.isDone()) {
            runFxTask(100);
            ProjectState s = model.state();
            if (s != null && s.snapshot() != null) {
                seen.add(s.images().size());
                assertThat(s.snapshot().rowCount()).as("snapshot rows vs shown rows").isEqualTo(s.images().size());
            }
        }
        assertThat(imported.get().imported()).isEqualTo(4);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3); // late snapshots (idle refresh) too
        while (System.nanoTime() < until) {
            runFxTask(50);
            ProjectState s = model.state();
            assertThat(s.snapshot().rowCount()).isEqualTo(s.images().size());
        }
        assertThat(model.state().images().size()).isEqualTo(28);
        assertThat(model.state().snapshot().rowCount()).isEqualTo(28);
        assertThat(errors).isEmpty();
    }

    /**
     * Issue 16 (ADR 0031): the store's images are shown before the session opens, and a label given then goes to the
     * journal at once and is learned by the session when it opens; nothing of it is lost.
     */
    @Test
    void theImagesShowBeforeTheSessionAndALabelGivenMeanwhileIsKeptAndLearned() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 8);
        Path dir = tmp.resolve("p.loupe");
        CliRun r = CliRun.run("import", dir.toString(), data.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        for (String name : List.of("a", "b")) {
            r = CliRun.run("classes", dir.toString(), "add", name);
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
        DialogService dialogs = new RecordingDialogs(errors);
        model = new ProjectModel(new SessionExecutor(fx::add, dialogs), dialogs);

        CompletableFuture<ProjectState> opened = model.open(dir);
        while (model.state() == null && !opened.isDone()) runFxTask(100);
        ProjectState first = model.state();
        assertThat(first.opening()).as("the first state is the store's, before the session").isTrue();
        assertThat(first.snapshot()).isNull();
        assertThat(first.images().size()).isEqualTo(24);
        int labelledBefore = first.labels().size();
        long unlabelled = java.util.Arrays.stream(first.images().ids()).filter(id -> !first.labels().containsKey(id))
                .findFirst().orElseThrow();
        long cls = first.classes().get(0).id();
        assertThat(model.label(unlabelled, cls)).isTrue();

        while (!opened.isDone()) runFxTask(100);
        ProjectState open = opened.get();
        assertThat(open.opening()).isFalse();
        assertThat(open.labels()).containsEntry(unlabelled, cls).hasSize(labelledBefore + 1);
        assertThat(open.snapshot()).isNotNull();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (model.state().snapshot().labelCount() < labelledBefore + 1 && System.nanoTime() < until) runFxTask(100);
        assertThat(model.state().snapshot().labelCount()).as("the session learned it").isEqualTo(labelledBefore + 1);
        assertThat(errors).isEmpty();
    }

    /**
     * Issue 16c: once the session opened, the data-check panel's first reading of the exclusions re-ranked the whole
     * gallery keeping the selection, so the image selected on the first screen jumped to its place in the model's queue
     * (21,432 tiles down on 100,000 images) and labelling went on there. Reading an unchanged exclusion set moves
     * nothing; excluding an image takes out that image alone.
     */
    @Test
    void readingTheExclusionsAfterTheSessionOpensLeavesTheSelectionWhereTheUserIs() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 8);
        Path dir = tmp.resolve("p.loupe");
        CliRun r = CliRun.run("import", dir.toString(), data.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        for (String name : List.of("a", "b")) {
            r = CliRun.run("classes", dir.toString(), "add", name);
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
        DialogService dialogs = new RecordingDialogs(errors);
        model = new ProjectModel(new SessionExecutor(fx::add, dialogs), dialogs);
        dev.loupe.gallery.ui.GalleryModel gallery = new dev.loupe.gallery.ui.GalleryModel(model);

        CompletableFuture<ProjectState> opened = model.open(dir);
        while (model.state() == null && !opened.isDone()) runFxTask(100);
        assertThat(model.state().opening()).isTrue();
        assertThat(gallery.items()).hasSize(24);
        Long chosen = gallery.items().get(5);
        gallery.select(chosen); // on the first screen, before the model is in
        while (!opened.isDone()) runFxTask(100);
        assertThat(model.state().snapshot()).isNotNull();
        assertThat(gallery.selected()).isEqualTo(chosen);
        List<Long> before = List.copyOf(gallery.items());
        int at = before.indexOf(chosen);

        gallery.setExcluded(java.util.Set.of()); // what the panel does once the session is open: nothing excluded
        assertThat(gallery.items()).containsExactlyElementsOf(before);
        assertThat(gallery.selected()).isEqualTo(chosen);

        Long gone = before.get(before.size() - 1);
        gallery.setExcluded(java.util.Set.of(gone));
        assertThat(gallery.items()).doesNotContain(gone).hasSize(before.size() - 1);
        assertThat(gallery.items().subList(0, at + 1)).containsExactlyElementsOf(before.subList(0, at + 1));
        assertThat(gallery.selected()).isEqualTo(chosen);
        assertThat(errors).isEmpty();
    }

    /**
     * The installed package's smoke test left a sample project whose images lived in the removed package; the next
     * start (a source checkout) showed "343 images are missing". Loupe knows where its sample images are now.
     */
    @Test
    void theSampleProjectFindsItsImagesAgainWhereverLoupesSampleImagesNowAre() throws Exception {
        Path first = TestImages.imageFolder(tmp.resolve("install-1/sample-images"), 2, 6);
        String oldHome = System.setProperty("loupe.home", tmp.resolve("home").toString());
        String oldImages = System.setProperty("loupe.sampleImages", first.toString());
        try {
            DialogService dialogs = new RecordingDialogs(errors);
            model = new ProjectModel(new SessionExecutor(fx::add, dialogs), dialogs);
            CompletableFuture<ProjectState> opened = model.openSample();
            while (!opened.isDone()) runFxTask(100);
            assertThat(opened.get().images().size()).isEqualTo(12);
            CompletableFuture<Void> closed = model.close();
            while (!closed.isDone()) runFxTask(100);

            Path second = tmp.resolve("install-2/sample-images");
            java.nio.file.Files.createDirectories(second.getParent());
            java.nio.file.Files.move(first, second);
            System.setProperty("loupe.sampleImages", second.toString());
            model = new ProjectModel(new SessionExecutor(fx::add, dialogs), dialogs);
            opened = model.openSample();
            while (!opened.isDone()) runFxTask(100);

            assertThat(opened.get().images().size()).isEqualTo(12);
            assertThat(ProjectModel.missing(opened.get())).isZero();
            ImageIndex index = opened.get().images();
            for (long id : index.ids()) {
                assertThat(index.path(id)).startsWith(second);
            }
            assertThat(errors).isEmpty();
        } finally {
            restore("loupe.home", oldHome);
            restore("loupe.sampleImages", oldImages);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    private void runFxTask(long waitMs) throws InterruptedException {
        Runnable task = fx.poll(waitMs, TimeUnit.MILLISECONDS);
        if (task != null) task.run();
    }
}
