package dev.loupe.team;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.app.MainWindow;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.RecordingDialogs;
import dev.loupe.testing.TestImages;
import dev.loupe.ui.DialogService;
import dev.loupe.ui.SessionExecutor;
import javafx.application.Platform;
import javafx.scene.control.MenuItem;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxToolkit;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app on a team project against a real PostgreSQL (skipped without one, as the other team tests): File ▸ Share with
 * a team… shares the open project, which then syncs by itself: my label goes up with no click, a teammate joins and
 * labels through the command line, and the background sync takes the teammate's label in (woken by the server's
 * NOTIFY) and the model learns it; File ▸ Sync with the team still works.
 */
@ExtendWith(ApplicationExtension.class)
class TeamAppTest {

    private Path tmp;
    private Path data;
    private Path project;
    private ProjectModel model;
    private SessionExecutor worker;
    private MainWindow window;
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final List<String> answers = new CopyOnWriteArrayList<>();

    @Start
    void start(Stage stage) throws Exception {
        tmp = Files.createTempDirectory("loupe-team-app");
        data = TestImages.imageFolder(tmp.resolve("data"), 2, 4);
        project = tmp.resolve("mine.loupe");
        assertThat(CliRun.run("import", project.toString(), data.toString()).exitCode()).isZero();
        for (String c : List.of("class0", "class1")) assertThat(CliRun.run("classes", project.toString(), "add", c).exitCode()).isZero();
        DialogService dialogs = new RecordingDialogs(errors, answers);
        worker = new SessionExecutor(Platform::runLater, dialogs);
        model = new ProjectModel(worker, dialogs);
        window = new MainWindow(stage, model, dialogs);
        stage.setWidth(1000);
        stage.setHeight(700);
        stage.show();
        model.open(project);
    }

    @AfterEach
    void close() throws Exception {
        model.close().get(30, TimeUnit.SECONDS);
        worker.close();
        FxToolkit.cleanupStages();
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Test
    void shareFromTheAppThenATeammatesLabelArrivesInTheBackground() throws Exception {
        String url = TeamPg.url();
        String name = TeamPg.projectName("app");
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> model.state() != null && !model.state().opening()));
        MenuItem share = fx(() -> menuItem("shareWithTeam"));
        MenuItem sync = fx(() -> menuItem("syncWithTeam"));
        assertThat(fx(sync::isDisable)).as("nothing to sync before the project is shared").isTrue();
        assertThat(fx(() -> model.teamStatusProperty().get())).isEmpty();

        // File ▸ Share with a team…: the address, the name, no overlap; from then on it syncs by itself
        answers.addAll(List.of(url, name, "0"));
        fx(() -> {
            share.fire();
            return null;
        });
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> model.sharedProperty().get()));
        assertThat(fx(() -> model.noticeProperty().get())).startsWith("Shared as '" + name + "'");
        assertThat(fx(share::isDisable)).isTrue();
        assertThat(fx(sync::isDisable)).isFalse();
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> model.teamStatusProperty().get()).startsWith("Team: synced at"));

        // I label one image: it goes up a moment later with no click
        ProjectState s = fx(model::state);
        long mine = s.images().ids()[0];
        long classId = s.classes().get(0).id();
        assertThat(fx(() -> model.label(mine, classId))).isTrue();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> model.state().labels().containsKey(mine)));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> serverLabels(url, name) == 1);

        // bob joins with the command line (my label comes with it), labels another image and syncs
        Path bob = tmp.resolve("bob.loupe");
        CliRun join = CliRun.run("join", url, bob.toString(), "--images", data.toString(), "--name", name);
        assertThat(join.exitCode()).as(join.err()).isZero();
        assertThat(join.out()).contains("1 labels taken in");
        String other = "class1/img2.png";
        CliRun label = CliRun.run("label", bob.toString(), other, "class1", "--annotator", "bob");
        assertThat(label.exitCode()).as(label.err()).isZero();
        JsonNode bobSync = CliRun.run("sync", bob.toString(), "--json").json();
        assertThat(bobSync.get("uploaded").asInt()).isGreaterThanOrEqualTo(1);

        // the server's NOTIFY wakes the app's background sync: bob's label arrives and the model learns it, no click
        long otherId = -1;
        for (long id : fx(model::state).images().ids()) {
            if (fx(model::state).images().path(id).toString().replace('\\', '/').endsWith(other)) otherId = id;
        }
        long theirs = otherId;
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> model.state().labels().containsKey(theirs)
                && model.state().snapshot() != null && model.state().snapshot().labelCount() == 2));
        assertThat(fx(() -> model.teamStatusProperty().get())).startsWith("Team: synced at").contains("1 taken in");

        // File ▸ Sync with the team (Ctrl+Shift+S) still works: nothing left to take in
        TeamSync.Report r = WaitForAsyncUtils.asyncFx(model::syncWithTeam).get(10, TimeUnit.SECONDS).get(120, TimeUnit.SECONDS);
        assertThat(r.pulled()).isZero();
        assertThat(fx(() -> model.state().labels().keySet())).contains(mine, theirs);
        assertThat(errors).isEmpty();
    }

    @Test
    void joinFromTheAppStartsFromTheTeamsSharedModel() throws Exception {
        String url = TeamPg.url();
        String name = TeamPg.projectName("appjoin");
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> model.state() != null && !model.state().opening()));
        // a teammate shares a project with two labels from the command line; its sync offers the model
        Path ann = tmp.resolve("ann.loupe");
        for (String[] args : List.of(new String[] {"import", ann.toString(), data.toString()},
                new String[] {"classes", ann.toString(), "add", "class0"}, new String[] {"classes", ann.toString(), "add", "class1"},
                new String[] {"share", ann.toString(), "--server", url, "--name", name},
                new String[] {"label", ann.toString(), "class0/img0.png", "class0", "--annotator", "ann"},
                new String[] {"label", ann.toString(), "class1/img1.png", "class1", "--annotator", "ann"})) {
            CliRun r = CliRun.run(args);
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
        assertThat(CliRun.run("sync", ann.toString(), "--json").json().get("model_shared").asBoolean()).isTrue();

        // File ▸ Join a team project…: address, name, where, images; a background job, then the joined project opens
        Path joined = tmp.resolve("joined.loupe");
        answers.addAll(List.of(url, name, joined.toString(), data.toString()));
        MenuItem join = fx(() -> menuItem("joinTeam"));
        fx(() -> {
            join.fire();
            return null;
        });
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> model.state() != null
                && model.state().dir().equals(joined.toAbsolutePath().normalize()) && !model.state().opening()
                && model.state().snapshot() != null));
        assertThat(fx(() -> model.state().labels())).hasSize(2);
        assertThat(fx(() -> model.state().snapshot().labelCount())).isEqualTo(2);
        assertThat(fx(() -> model.noticeProperty().get())).contains("2 labels taken in").contains("team's shared version");
        assertThat(fx(() -> model.sharedProperty().get())).isTrue();
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> model.teamStatusProperty().get()).startsWith("Team: synced at"));
        assertThat(errors).isEmpty();
    }

    /** The label events of {@code project} on the server. */
    private static long serverLabels(String url, String project) {
        try (TeamServer s = TeamServer.connect(ServerUrl.parse(url))) {
            return s.events(project).stream().filter(e -> e.kind().isLabelEvent()).count();
        }
    }

    private MenuItem menuItem(String id) {
        for (var menu : new org.testfx.api.FxRobot().lookup("#menuBar").queryAs(javafx.scene.control.MenuBar.class).getMenus()) {
            for (MenuItem item : menu.getItems()) {
                if (id.equals(item.getId())) return item;
            }
        }
        throw new AssertionError("no menu item " + id);
    }

    private static <T> T fx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
