package dev.loupe.datacheck.ui;

import dev.loupe.app.MainWindow;
import dev.loupe.datacheck.NearDuplicates;
import dev.loupe.gallery.GalleryFilter;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.RecordingDialogs;
import dev.loupe.testing.TestImages;
import dev.loupe.ui.DialogService;
import dev.loupe.ui.SessionExecutor;
import javafx.application.Platform;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "Duplicates & outliers" tab end to end on a project with a planted resized copy and a planted noise image: the
 * copy's group is found and its copy excluded with X (the store says so; Ctrl+Z brings it back), the noise image is
 * the first outlier, and X excludes it from the store and the gallery.
 */
@ExtendWith(ApplicationExtension.class)
class DataCheckPanelTest {

    private Path tmp;
    private Path data;
    private ProjectModel model;
    private SessionExecutor worker;
    private MainWindow window;
    private final List<String> errors = new CopyOnWriteArrayList<>();

    @Start
    void start(Stage stage) throws IOException {
        tmp = Files.createTempDirectory("loupe-datacheck-ui");
        data = TestImages.imageFolder(tmp.resolve("data"), 3, 20);
        BufferedImage src = ImageIO.read(data.resolve("class1/img3.png").toFile());
        BufferedImage big = new BufferedImage(96, 96, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = big.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, 96, 96, null);
        g.dispose();
        ImageIO.write(big, "png", data.resolve("class1/img3-big.png").toFile());
        Random r = new Random(1);
        BufferedImage noise = new BufferedImage(48, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) for (int x = 0; x < 48; x++) noise.setRGB(x, y, r.nextInt(1 << 24));
        Files.createDirectories(data.resolve("pool"));
        ImageIO.write(noise, "png", data.resolve("pool/noise.png").toFile());
        Path project = tmp.resolve("planted.loupe");
        CliRun imp = CliRun.run("import", project.toString(), data.toString());
        assertThat(imp.exitCode()).as(imp.err()).isZero();

        DialogService dialogs = new RecordingDialogs(errors);
        worker = new SessionExecutor(Platform::runLater, dialogs);
        model = new ProjectModel(worker, dialogs);
        window = new MainWindow(stage, model, dialogs);
        stage.setWidth(1100);
        stage.setHeight(760);
        stage.show();
        model.open(project);
    }

    @AfterEach
    void close() throws Exception {
        assertThat(model.storeCallsOnFxThread()).as("store calls on the FX thread").isZero();
        assertThat(errors).as("errors shown").isEmpty();
        model.close().get(30, TimeUnit.SECONDS);
        worker.close();
        FxToolkit.cleanupStages();
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Test
    void aPlantedCopyAndAPlantedOutlierAreFoundAndExcludedThroughTheTab(FxRobot robot) throws Exception {
        // the gallery shows the store's images before the session is open (issue 16b); the checks need the session
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> model.state() != null && !model.state().opening()
                && !window.gallery().items().isEmpty()));
        ProjectState s = fx(model::state);
        long original = id(s, "class1/img3.png");
        long copy = id(s, "class1/img3-big.png");
        long noise = id(s, "pool/noise.png");
        assertThat(fx(() -> window.gallery().items())).as("the queue shows the noise image").contains(noise);

        robot.clickOn("Duplicates & outliers");
        // the tab's content enters the scene graph at a pulse after it is first selected
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#findDuplicates").tryQuery().isPresent()));
        assertThat(fx(() -> robot.lookup("#undoExclusion").query().isDisabled())).as("nothing to undo yet").isTrue();
        robot.clickOn("#findDuplicates");
        var groups = window.dataCheckPanel().duplicateGroups();
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> !groups.getItems().isEmpty()));
        int at = fx(() -> indexOfGroupWith(groups.getItems(), original, copy));
        assertThat(at).as("a group holds the image and its resized copy").isNotNegative();
        NearDuplicates.Group planted = fx(() -> groups.getItems().get(at));
        assertThat(planted.ids()).doesNotContain(noise);

        fx(() -> { groups.getSelectionModel().select(at); groups.requestFocus(); return null; });
        robot.type(KeyCode.X); // exclude the copies: the group's first image stays (none is labelled)
        List<Long> copies = planted.ids().subList(1, planted.ids().size());
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> excluded().equals(Set.copyOf(copies)));
        assertThat(excluded()).as("the store excludes the copies, not the kept image").doesNotContain(planted.ids().get(0));
        assertThat(fx(() -> groups.getItems())).doesNotContain(planted);
        assertThat(fx(() -> window.gallery().items())).doesNotContainAnyElementsOf(copies);

        robot.press(KeyCode.CONTROL).type(KeyCode.Z).release(KeyCode.CONTROL); // undo: back in the store and the list
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> excluded().isEmpty());
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> groups.getItems().contains(planted)));
        assertThat(robot.lookup("#undoExclusion").query().isDisabled()).as("an exclusion change to undo (a redo)").isFalse();

        // L labels the whole group; "Undo group label" takes every one of its labels back in one action
        ProjectState withClass = model.addClass("shapes", null, null).get(20, TimeUnit.SECONDS);
        var cls = withClass.classes().stream().filter(c -> c.name().equals("shapes")).findFirst().orElseThrow();
        fx(() -> {
            groups.getSelectionModel().select(groups.getItems().indexOf(planted));
            window.dataCheckPanel().groupClass().setValue(cls);
            groups.requestFocus();
            return null;
        });
        robot.type(KeyCode.L);
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> planted.ids().stream().allMatch(id -> model.state().labelOf(id).isPresent())));
        assertThat(fx(() -> groups.getItems())).doesNotContain(planted);
        robot.clickOn("#undoGroupLabel");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> planted.ids().stream().noneMatch(id -> model.state().labelOf(id).isPresent())));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> groups.getItems().contains(planted)));

        // K keeps the group whole: remembered, so the next search leaves it out
        fx(() -> { groups.getSelectionModel().select(groups.getItems().indexOf(planted)); groups.requestFocus(); return null; });
        robot.type(KeyCode.K);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> model.withProject((store, session) -> store.keptGroups(), x -> { })
                .get(10, TimeUnit.SECONDS).contains(Set.copyOf(planted.ids())));
        assertThat(fx(() -> groups.getItems())).doesNotContain(planted);
        robot.clickOn("#findDuplicates");
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> !robot.lookup("#findDuplicates").query().isDisabled()));
        assertThat(fx(() -> groups.getItems())).as("a kept group is not listed again").doesNotContain(planted);

        robot.clickOn("#findOutliers");
        var outliers = window.dataCheckPanel().outlierList();
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> !outliers.getItems().isEmpty()));
        assertThat(fx(() -> outliers.getItems().get(0).id())).as("the noise image is the farthest").isEqualTo(noise);
        assertThat(fx(() -> outliers.getItems().size())).isLessThanOrEqualTo(6);
        assertThat(fx(() -> window.gallery().filterProperty().get())).isEqualTo(GalleryFilter.OUTLIERS);
        assertThat(fx(() -> window.gallery().items())).startsWith(noise);

        robot.clickOn(outliers).type(KeyCode.HOME).type(KeyCode.X);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> excluded().equals(Set.of(noise)));
        assertThat(fx(() -> window.gallery().items())).doesNotContain(noise);
        fx(() -> { window.gallery().setFilter(GalleryFilter.UNLABELLED); return null; });
        assertThat(fx(() -> window.gallery().items())).as("the excluded image left the queue").doesNotContain(noise)
                .contains(original, copy);
    }

    @Test
    void afterADriftedImportShowThemFirstPutsTheNewImagesAtTheHeadOfTheQueue(FxRobot robot) throws Exception {
        // the gallery shows the store's images before the session is open (issue 16b); the checks need the session
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> model.state() != null && !model.state().opening()
                && !window.gallery().items().isEmpty()));
        assertThat(robot.lookup("#showFirst").query().isVisible()).as("nothing to offer before the import").isFalse();
        Path other = tmp.resolve("other");
        for (int c : new int[] {5, 7}) {
            for (int i = 0; i < 30; i++) TestImages.png(other.resolve("class" + c).resolve("img" + i + ".png"), c, 500 + i);
        }
        WaitForAsyncUtils.asyncFx(() -> window.importFolder(other, false)).get(10, TimeUnit.SECONDS).get(120, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> !model.showFirstProperty().get().isEmpty()));
        List<Long> first = fx(() -> model.showFirstProperty().get());
        assertThat(first).hasSize(60);
        assertThat(fx(() -> model.noticeProperty().get())).startsWith("These 60 images look unlike the rest of the project");
        fx(() -> { window.gallery().setFilter(GalleryFilter.ALL); return null; });

        robot.clickOn("#showFirst");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(() -> window.gallery().filterProperty().get())).isEqualTo(GalleryFilter.UNLABELLED);
        assertThat(fx(() -> new ArrayList<>(window.gallery().items().subList(0, 60)))).as("the new images first, most unlike first")
                .containsExactlyElementsOf(first);
        assertThat(robot.lookup("#showFirst").query().isVisible()).as("the offer was taken").isFalse();
    }

    /** The store's excluded images, read on the session thread. */
    private Set<Long> excluded() throws Exception {
        return model.withProject((store, session) -> store.excludedImages(), x -> { }).get(10, TimeUnit.SECONDS);
    }

    private static int indexOfGroupWith(List<NearDuplicates.Group> groups, long a, long b) {
        for (int i = 0; i < groups.size(); i++) {
            if (groups.get(i).ids().contains(a) && groups.get(i).ids().contains(b)) return i;
        }
        return -1;
    }

    private static long id(ProjectState s, String rel) {
        for (long id : s.images().ids()) {
            if (s.images().path(id).toString().replace('\\', '/').endsWith(rel)) return id;
        }
        throw new AssertionError("no image " + rel);
    }

    private static <T> T fx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
