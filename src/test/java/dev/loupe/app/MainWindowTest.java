package dev.loupe.app;

import dev.loupe.evaluation.ui.EvaluationPanel;
import dev.loupe.export.ExportJob;
import dev.loupe.export.onnx.OnnxClassifier;
import dev.loupe.export.LoupeModel;
import dev.loupe.export.Prediction;
import dev.loupe.export.ui.ExportDialog;
import dev.loupe.gallery.GalleryFilter;
import dev.loupe.gallery.GalleryOrder;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.ImportReport;
import dev.loupe.importing.MissingImages;
import dev.loupe.importing.SampleProject;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.FaultyDisk;
import dev.loupe.testing.RecordingDialogs;
import dev.loupe.testing.TestImages;
import dev.loupe.ui.DialogService;
import dev.loupe.ui.SessionExecutor;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.controlsfx.control.GridCell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The app end to end on a small real project: label with a key, re-rank, add a class, undo. Every test also checks
 * that the project store was never called on the FX thread and that no error was shown.
 */
@ExtendWith(ApplicationExtension.class)
class MainWindowTest {

    private static final int LABELLED = 20;
    private static final int IMAGES = 48;
    private static Path base;
    /** Label events of the base project the model had predicted beforehand (every label but the very first). */
    private static int checked;
    private Path projectDir;
    private ProjectModel model;
    private SessionExecutor worker;
    private MainWindow window;
    private final List<String> errors = new CopyOnWriteArrayList<>();

    /** One project for the class (import, embeddings, a first model on two labels); each test opens a copy. */
    @BeforeAll
    static void makeProject() throws IOException {
        Path tmp = Files.createTempDirectory("loupe-ui-test");
        System.setProperty(SampleProject.HOME_PROPERTY, tmp.resolve("home").toString()); // recent.txt stays here
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 16);
        base = tmp.resolve("base.loupe");
        assertThat(CliRun.run("import", base.toString(), data.toString()).exitCode()).isZero();
        try (ProjectStore store = ProjectStore.open(base, false)) {
            List<Long> ids = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                ids.add(store.addClass("class" + c, null, null).id());
            }
            try (LabellingSession s = LabellingSession.open(store, LabellingSession.Options.defaults())) {
                // 20 labels: past the cold start, so the queue follows the model's margins
                for (int i = 0; i < LABELLED; i++) {
                    // one at a time, as a user does: each label is predicted by the model that learned the ones before
                    s.label(store.findByRelPath("class" + i % 3 + "/img" + i / 3 + ".png").orElseThrow().id(), ids.get(i % 3))
                            .join();
                }
                s.drainPersister();
            }
            checked = (int) store.journal().stream().filter(e -> e.prequential() != null).count();
        }
    }

    @AfterAll
    static void removeProject() throws IOException {
        deleteTree(base.getParent());
    }

    @Start
    void start(Stage stage) throws IOException {
        projectDir = Files.createTempDirectory("loupe-ui-copy").resolve("birds.loupe");
        copyTree(base, projectDir);
        DialogService dialogs = new RecordingDialogs(errors);
        worker = new SessionExecutor(Platform::runLater, dialogs);
        model = new ProjectModel(worker, dialogs);
        window = new MainWindow(stage, model, dialogs);
        stage.setWidth(900);
        stage.setHeight(620);
        stage.show();
        model.open(projectDir);
    }

    @AfterEach
    void closeProject() throws Exception {
        assertThat(model.storeCallsOnFxThread()).as("store calls on the FX thread").isZero();
        assertThat(errors).as("errors shown").isEmpty();
        model.close().get(30, TimeUnit.SECONDS);
        worker.close();
        FxToolkit.cleanupStages();
        deleteTree(projectDir.getParent());
    }

    @Test
    void aHotkeyLabelsTheSelectedImageWhichLeavesTheQueueAndTheRestReranks(FxRobot robot) throws Exception {
        ProjectState opened = awaitOpen();
        assertThat(label(robot, "#labelCounts")).isEqualTo(LABELLED + " of " + IMAGES + " labelled");
        assertThat(fx(() -> window.gallery().items().size())).isEqualTo(IMAGES - LABELLED);
        List<Long> before = fx(() -> List.copyOf(window.gallery().items()));
        long first = before.get(0);
        assertThat(fx(() -> window.gallery().selected())).isEqualTo(first);
        assertThat(label(robot, "#previewCaption")).startsWith("img");

        robot.clickOn(tileOf(robot, first));
        robot.type(KeyCode.DIGIT1);

        ProjectState after = awaitState(s -> s.labels().size() == LABELLED + 1 && s.snapshot().labelCount() == LABELLED + 1);
        awaitIdle();
        assertThat(after.labels()).containsEntry(first, after.classes().get(0).id());
        assertThat(after.countsByClass()).containsEntry(after.classes().get(0).id(), 8L);
        assertThat(label(robot, "#labelCounts")).isEqualTo((LABELLED + 1) + " of " + IMAGES + " labelled");
        assertThat(label(robot, "#trainingState")).startsWith("Model: " + (LABELLED + 1) + " labels learned");
        List<Long> shown = fx(() -> List.copyOf(window.gallery().items()));
        assertThat(shown).doesNotContain(first).hasSize(before.size() - 1);
        assertThat(fx(() -> window.gallery().selected())).as("the next image is selected").isEqualTo(before.get(1));

        // What was on screen stays put; everything below it follows the new model at once.
        List<Long> stale = new ArrayList<>(before);
        stale.remove(first);
        assertThat(shown.get(0)).isEqualTo(stale.get(0));
        assertThat(shown).as("re-ranked below the fold").isNotEqualTo(stale);
        ProjectState now = fx(model::state);
        assertThat(now.snapshot().modelVersion()).isGreaterThan(opened.snapshot().modelVersion());

        robot.type(KeyCode.F5); // re-rank everything: exactly the model's queue
        WaitForAsyncUtils.waitForFxEvents();
        long[] fresh = GalleryOrder.of(now.snapshot(), now.images().ids(), now.labels(), now.columns(),
                GalleryFilter.UNLABELLED);
        assertThat(fx(() -> window.gallery().items().stream().mapToLong(Long::longValue).toArray())).containsExactly(fresh);
        assertThat(fx(() -> window.gallery().selected())).isEqualTo(before.get(1));
    }

    @Test
    void keysTypedFasterThanTheModelLearnsNeverLandOnAnImageJustLabelled() throws Exception {
        awaitOpen();
        List<Long> labelled = new CopyOnWriteArrayList<>();
        List<Long> shownAgain = new CopyOnWriteArrayList<>();
        long classId = fx(() -> {
            // every state the session publishes; the gallery's own listener has run by then
            model.stateProperty().addListener((o, was, now) -> {
                for (Long id : labelled) {
                    if (window.gallery().items().contains(id)) shownAgain.add(id);
                }
            });
            return model.state().classes().get(0).id();
        });
        for (int round = 0; round < 2; round++) {
            int before = labelled.size();
            // five keys before the session has taken in the first: the states it publishes meanwhile predate them
            fx(() -> {
                for (int k = 0; k < 5; k++) {
                    labelled.add(window.gallery().selected());
                    window.gallery().labelSelected(classId);
                }
                return null;
            });
            awaitState(s -> s.labels().size() >= LABELLED + before + 1);
        }
        awaitIdle();
        ProjectState after = awaitState(s -> s.labels().size() == LABELLED + 10);
        assertThat(new java.util.HashSet<>(labelled)).as("ten keys, ten different images").hasSize(10);
        assertThat(shownAgain).as("an image just labelled never came back into the queue").isEmpty();
        assertThat(fx(() -> List.copyOf(window.gallery().items()))).doesNotContainAnyElementsOf(labelled);
        for (Long id : labelled) assertThat(after.labels()).containsEntry(id, classId);
    }

    @Test
    void aClassAddedInThePanelCanBeUsedAtOnce(FxRobot robot) throws Exception {
        awaitOpen();
        robot.clickOn("#newClassName").write("newcomer").type(KeyCode.ENTER);
        ProjectState s = awaitState(st -> st.classes().stream().anyMatch(c -> c.name().equals("newcomer")));
        LabelClass added = s.classes().stream().filter(c -> c.name().equals("newcomer")).findFirst().orElseThrow();
        assertThat(added.hotkey()).isEqualTo('4');
        WaitForAsyncUtils.waitForFxEvents();
        Button button = robot.lookup("#class-" + added.id()).queryButton();
        assertThat(((LabelClass) button.getUserData()).name()).isEqualTo("newcomer");

        long target = fx(() -> window.gallery().items().get(2));
        robot.clickOn(tileOf(robot, target));
        robot.type(KeyCode.DIGIT4);

        ProjectState after = awaitState(st -> st.labels().getOrDefault(target, -1L) == added.id());
        assertThat(after.countsByClass()).containsEntry(added.id(), 1L);
        awaitState(st -> st.snapshot().activeClassCount() == 4);
        awaitIdle();
    }

    @Test
    void undoPutsTheLabelAndTheModelBack(FxRobot robot) throws Exception {
        ProjectState opened = awaitOpen();
        float[] confidenceBefore = opened.snapshot().confidenceCopy();
        long first = fx(() -> window.gallery().selected());
        robot.clickOn(tileOf(robot, first));
        robot.type(KeyCode.DIGIT2);
        awaitState(s -> s.labels().size() == LABELLED + 1 && s.snapshot().labelCount() == LABELLED + 1);
        awaitIdle();

        robot.press(KeyCode.CONTROL).type(KeyCode.Z).release(KeyCode.CONTROL);

        ProjectState undone = awaitState(s -> s.labels().size() == LABELLED && s.snapshot().labelCount() == LABELLED);
        assertThat(undone.labels()).doesNotContainKey(first);
        assertThat(undone.snapshot().confidenceCopy()).containsExactly(confidenceBefore, within(1e-6f));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> Long.valueOf(first).equals(window.gallery().selected())));
        assertThat(fx(() -> window.gallery().items())).contains(first);
        assertThat(label(robot, "#labelCounts")).isEqualTo(LABELLED + " of " + IMAGES + " labelled");
        assertThat(label(robot, "#notice")).isEqualTo("Undone.");
    }

    @Test
    void checkMyLabelsFindsAWrongLabelAndKeepsOrAcceptsItWithUndo(FxRobot robot) throws Exception {
        ProjectState opened = awaitOpen();
        long wrong = opened.images().ids()[0];
        for (long id : opened.images().ids()) {
            if (opened.labels().containsKey(id)) { wrong = id; break; }
        }
        long right = opened.labels().get(wrong);
        long other = opened.classes().stream().map(LabelClass::id).filter(c -> c != right).findFirst().orElseThrow();
        long image = wrong;
        fx(() -> model.label(image, other));
        awaitState(s -> Long.valueOf(other).equals(s.labels().get(image)));
        awaitIdle();

        robot.clickOn("Check labels");
        // the tab's content enters the scene graph at a pulse after it is first selected
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#checkLabels").tryQuery().isPresent()));
        robot.clickOn("#checkLabels");
        var list = window.labelCheckPanel().suspects();
        WaitForAsyncUtils.waitFor(180, TimeUnit.SECONDS, () -> fx(() -> !list.getItems().isEmpty()));
        assertThat(fx(() -> list.getItems().get(0).imageId())).as("the wrong label is the first suspect").isEqualTo(image);
        assertThat(fx(() -> window.gallery().filterProperty().get())).isEqualTo(GalleryFilter.SUSPECTS);
        assertThat(fx(() -> window.gallery().items())).contains(image);

        robot.clickOn(list).type(KeyCode.HOME).type(KeyCode.K); // keep: it leaves the list, a check mark is written
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> list.getItems().stream().noneMatch(x -> x.imageId() == image)));
        robot.press(KeyCode.CONTROL).type(KeyCode.Z).release(KeyCode.CONTROL); // back in the list
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> list.getItems().stream().anyMatch(x -> x.imageId() == image)));
        assertThat(fx(() -> model.state().labels().get(image))).as("keeping changes no label").isEqualTo(other);

        fx(() -> { list.getSelectionModel().select(0); return null; });
        robot.type(KeyCode.A); // accept: relabelled to the suggestion through the journal
        awaitState(s -> Long.valueOf(right).equals(s.labels().get(image)));
        awaitIdle();
        robot.press(KeyCode.CONTROL).type(KeyCode.Z).release(KeyCode.CONTROL);
        awaitState(s -> Long.valueOf(other).equals(s.labels().get(image)));
    }

    @Test
    void theEvaluationTabPlotsEveryCheckedLabelAndTheMatrixCountsEveryLabelledImage(FxRobot robot) throws Exception {
        awaitOpen();
        assertThat(checked).as("every label but the first, given before any class had an example").isEqualTo(LABELLED - 1);
        fx(() -> {
            window.sidePanel().getSelectionModel().select(1);
            return null;
        });
        EvaluationPanel panel = window.evaluationPanel();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> panel.curvePoints().size() == checked));
        assertThat(fx(panel::matrixTotal)).isEqualTo(LABELLED);
        // the tab's content enters the scene graph at the next pulse, when its ScrollPane gets a skin
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#learningCurve").tryQuery().isPresent()));
        assertThat(label(robot, "#evalSummary")).contains("of " + checked + " labels predicted right");

        long first = fx(() -> window.gallery().selected());
        robot.clickOn(tileOf(robot, first));
        robot.type(KeyCode.DIGIT1);
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> panel.curvePoints().size() == checked + 1
                && panel.matrixTotal() == LABELLED + 1));
        awaitIdle();
        assertThat(fx(() -> panel.curvePoints().get(checked).getXValue().intValue())).as("x is the label count")
                .isEqualTo(LABELLED + 1);

        // the estimate of how good the model is now, the same numbers in the tab and the status bar
        ProjectState now = fx(model::state);
        dev.loupe.evaluation.AccuracyEstimate e = now.snapshot().estimate();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> panel.estimateText()
                .contains(String.format("probably right about %.0f%% of the time", 100 * e.estimate()))));
        assertThat(fx(panel::estimateText)).contains("On the " + (IMAGES - LABELLED - 1) + " images not labelled yet",
                String.format("(%.0f–%.0f%%)", 100 * e.low(), 100 * e.high()), e.hint());
        assertThat(label(robot, "#accuracyEstimate")).startsWith("Unlabelled: ~" + e.percent() + " right");

        // an undone label is no longer among the labels predicted before you gave them
        robot.press(KeyCode.CONTROL).type(KeyCode.Z).release(KeyCode.CONTROL);
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> panel.curvePoints().size() == checked
                && panel.matrixTotal() == LABELLED));
        assertThat(label(robot, "#evalSummary")).contains("of " + checked + " labels predicted right");
        assertThat(label(robot, "#accuracy")).as("the status bar too").contains("(last " + checked + ":");
    }

    @Test
    void aNewProjectWithImagesButNoClassesShowsTheCollectionsVarietyFirst(FxRobot robot) throws Exception {
        awaitOpen();
        Path fresh = projectDir.getParent().resolve("fresh.loupe");
        WaitForAsyncUtils.asyncFx(() -> window.createProject(fresh, null)).get(10, TimeUnit.SECONDS)
                .get(120, TimeUnit.SECONDS);
        Path data = base.getParent().resolve("data"); // class0/…, class1/…, class2/…: file order shows one kind first
        fx(() -> model.importFolder(data, false)).get(180, TimeUnit.SECONDS);
        ProjectState s = awaitState(st -> st.images().size() == IMAGES);
        assertThat(s.snapshot()).isNull();
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> window.gallery().items().size() == IMAGES));
        List<Long> shown = fx(() -> List.copyOf(window.gallery().items()));
        assertThat(shown).containsExactly(java.util.Arrays.stream(s.images().orderWithoutModel()).boxed().toArray(Long[]::new));
        java.util.Set<String> kinds = new java.util.HashSet<>();
        for (long id : shown.subList(0, 3)) {
            kinds.add(s.images().path(id).getParent().getFileName().toString());
        }
        assertThat(kinds).as("the first three tiles show three kinds of image").hasSize(3);
    }

    @Test
    void importingAFolderAddsItsImagesAndReportsTheFileItSkipped(FxRobot robot) throws Exception {
        awaitOpen();
        Path more = projectDir.getParent().resolve("more");
        for (int i = 0; i < 4; i++) {
            TestImages.png(more.resolve("new" + i + ".png"), i % 3, 500 + i);
        }
        Files.write(more.resolve("broken.png"), new byte[] {1, 2, 3, 4});

        ImportReport report = WaitForAsyncUtils.asyncFx(() -> window.importFolder(more, false)).get(10, TimeUnit.SECONDS)
                .get(120, TimeUnit.SECONDS);

        assertThat(report.found()).isEqualTo(5);
        assertThat(report.imported()).isEqualTo(4);
        assertThat(report.skipped()).hasSize(1);
        ProjectState s = awaitState(st -> st.images().size() == IMAGES + 4);
        assertThat(s.labels()).hasSize(LABELLED);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(() -> window.gallery().items().size())).isEqualTo(IMAGES + 4 - LABELLED);
        assertThat(label(robot, "#importCounts")).startsWith("Found 5 files: 4 imported, 0 duplicates");
        assertThat(fx(() -> robot.lookup("#importSkipped").<javafx.scene.control.ListView<String>>query().getItems()))
                .singleElement().asString().startsWith("broken.png: ");
        assertThat(label(robot, "#labelCounts")).isEqualTo(LABELLED + " of " + (IMAGES + 4) + " labelled");
    }

    @Test
    void anExportedModelPredictsWhatTheProjectPredicts(FxRobot robot) throws Exception {
        ProjectState s = awaitOpen();
        Path out = projectDir.getParent().resolve("out");
        Path modelFile = out.resolve("birds-model.zip");
        Path labelsFile = out.resolve("labels.csv");
        Path onnxFile = out.resolve("birds.onnx");
        List<ModelVersion> versions = model.withProject((st, session) -> st.modelVersions(), v -> { })
                .get(30, TimeUnit.SECONDS);
        ExportJob.Request request = fx(() -> {
            ExportDialog d = new ExportDialog(window.sidePanel().getScene().getWindow(), versions, out, "birds");
            d.choose(null, modelFile, onnxFile, labelsFile, projectDir); // the project folder is not empty: that output fails
            return d.request();
        });
        assertThat(request.modelVersion()).isEqualTo(versions.get(versions.size() - 1).id());

        ExportJob.Result result = WaitForAsyncUtils.asyncFx(() -> window.export(request)).get(10, TimeUnit.SECONDS)
                .get(120, TimeUnit.SECONDS);

        assertThat(result.written()).hasSize(3);
        assertThat(result.failed()).singleElement().asString().contains("not empty");
        assertThat(Files.readAllLines(labelsFile)).hasSize(LABELLED + 1);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(label(robot, "#exportResult")).contains("Wrote Model v").contains("Not written");
        long[] ids = s.images().ids();
        try (LoupeModel exported = LoupeModel.load(modelFile)) {
            int side = 2 * Math.max(exported.info().preprocessing().width(), exported.info().preprocessing().height());
            ImageDecoder decoder = new ImageDecoder();
            List<java.awt.image.BufferedImage> images = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                long id = ids[k * 7];
                images.add(decoder.decode(s.images().path(id), side).image());
                expected.add(s.predicted(id).orElseThrow().name());
            }
            assertThat(exported.predict(images).stream().map(Prediction::label).toList()).isEqualTo(expected);
            // The ONNX file written beside it predicts the same classes.
            try (OnnxClassifier onnx = OnnxClassifier.open(onnxFile)) {
                float[][] p = onnx.probabilities(exported.info().preprocessing().fittedRgb(images), images.size());
                List<String> names = exported.classNames();
                List<String> onnxLabels = new ArrayList<>();
                for (float[] row : p) {
                    int best = 0;
                    for (int k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
                    onnxLabels.add(names.get(best));
                }
                assertThat(onnxLabels).isEqualTo(expected);
            }
        }
    }

    @Test
    void openingAnotherProjectSwitchesTheTitleAndReleasesTheFirstProject(FxRobot robot) throws Exception {
        awaitOpen();
        Stage stage = (Stage) fx(() -> window.sidePanel().getScene().getWindow());
        assertThat(fx(stage::getTitle)).isEqualTo("Loupe — birds");
        Path other = projectDir.getParent().resolve("fish.loupe");

        WaitForAsyncUtils.asyncFx(() -> window.createProject(other, null)).get(10, TimeUnit.SECONDS)
                .get(120, TimeUnit.SECONDS);

        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(stage::getTitle)).isEqualTo("Loupe — fish");
        try (ProjectStore first = ProjectStore.open(projectDir, false)) { // would fail if the app still held it
            assertThat(first.currentLabels()).hasSize(LABELLED);
        }
        assertThat(fx(() -> model.recentProjectsProperty().get())).startsWith(other, projectDir.toAbsolutePath().normalize());
    }

    @Test
    void aNewProjectCanStartFromABaseModelFileAndABadFileIsRefusedLeavingNothing() throws Exception {
        awaitOpen();
        Stage stage = (Stage) fx(() -> window.sidePanel().getScene().getWindow());
        Path zip = projectDir.getParent().resolve("my-base.zip");
        dev.loupe.backbone.Preprocessing p = dev.loupe.backbone.StandInModel.preprocessing();
        dev.loupe.backbone.BackboneFiles.write(zip, dev.loupe.backbone.StandInModel.network(p, new int[] {4, 8}, 3),
                new dev.loupe.backbone.BackboneMetadata("my-base", "a small test base model", List.of("gap1", "gap2"), 12, p));
        Path mine = projectDir.getParent().resolve("mine.loupe");

        WaitForAsyncUtils.asyncFx(() -> window.createProjectWithBaseModel(mine, zip)).get(10, TimeUnit.SECONDS)
                .get(120, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(stage::getTitle)).isEqualTo("Loupe — mine");
        assertThat(errors).isEmpty();
        assertThat(Files.mismatch(zip, mine.resolve("backbone.zip"))).as("copied into the project").isEqualTo(-1L);

        // A file that is no base model: the reason is shown and no project folder is left behind.
        Path bad = projectDir.getParent().resolve("not-a-model.zip");
        Files.writeString(bad, "hello");
        Path refused = projectDir.getParent().resolve("refused.loupe");
        try {
            WaitForAsyncUtils.asyncFx(() -> window.createProjectWithBaseModel(refused, bad)).get(10, TimeUnit.SECONDS)
                    .get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            // the future may fail as well as the dialog showing the error
        }
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> !errors.isEmpty());
        assertThat(errors).singleElement().asString().contains("Cannot use " + bad + " as a base model", "not a backbone file");
        assertThat(refused).doesNotExist();
        errors.clear(); // expected; closeProject() checks that nothing else went wrong

        WaitForAsyncUtils.asyncFx(() -> window.openProject(projectDir)).get(10, TimeUnit.SECONDS).get(120, TimeUnit.SECONDS);
        try (ProjectStore store = ProjectStore.open(mine, false)) { // released: the app now holds the other project
            assertThat(store.setting(dev.loupe.labelling.ProjectBackbone.SETTING)).contains("backbone.zip");
        }
    }

    @Test
    void aCatalogModelIsOfferedDownloadedWithProgressAndCancelAndItsProjectOpens() throws Exception {
        awaitOpen();
        Path cache = projectDir.getParent().resolve("cache");
        System.setProperty(dev.loupe.backbone.catalog.ModelCache.PROPERTY, cache.toString());
        try (dev.loupe.testing.LoopbackMirror mirror = new dev.loupe.testing.LoopbackMirror()) {
            Path onnx = dev.loupe.backbone.onnx.OnnxTestModels.model("cnn-nchw.onnx");
            String url = mirror.serve("/tiny.onnx", Files.readAllBytes(onnx));
            mirror.slow("/tiny.onnx", 150); // 7 kB in about a second: long enough to see and to cancel
            dev.loupe.backbone.catalog.CatalogEntry entry = new dev.loupe.backbone.catalog.CatalogEntry("tiny", "Tiny CNN",
                    "tests", "MIT", "tests", List.of(new dev.loupe.backbone.catalog.CatalogFile("image_model", "tiny.onnx",
                    List.of(url), dev.loupe.backbone.onnx.OnnxTestModels.sha256("cnn-nchw.onnx"), Files.size(onnx))),
                    "imagenet", 0, "pooled", false, 16, java.util.Map.of());

            // The dialog offers Model Zero, the catalog and a file.
            int offered = fx(() -> {
                var dialog = new dev.loupe.backbone.ui.BaseModelDialog(null, List.of(entry), e -> false);
                return ((javafx.scene.control.ListView<?>) dialog.getDialogPane().getContent()).getItems().size();
            });
            assertThat(offered).isEqualTo(3);

            // Cancelled while downloading: the reason is shown, no project is made, the partial file is kept, and the
            // project that was open stays open.
            List<String> messages = new CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            fx(() -> {
                model.job().messageProperty().addListener((o, was, now) -> {
                    messages.add(now);
                    if (now.matches("Downloading tiny\\.onnx: [1-9] kB of 7 kB") && once.compareAndSet(false, true)) {
                        model.job().cancel();
                    }
                });
                return null;
            });
            Path cancelled = projectDir.getParent().resolve("cancelled.loupe");
            try {
                WaitForAsyncUtils.asyncFx(() -> window.createProjectFromCatalog(cancelled, entry)).get(10, TimeUnit.SECONDS)
                        .get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException expected) {
                // the future fails as well as the dialog showing why
            }
            WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> !errors.isEmpty());
            assertThat(messages).anyMatch(m -> m.matches("Downloading tiny\\.onnx: [1-9] kB of 7 kB.*"));
            assertThat(errors).singleElement().asString().contains("cancelled");
            assertThat(cancelled).doesNotExist();
            assertThat(cache.resolve("tiny/tiny.onnx.part")).exists();
            Stage window0 = (Stage) fx(() -> window.sidePanel().getScene().getWindow());
            assertThat(fx(window0::getTitle)).as("the open project stays open").isEqualTo("Loupe — birds");
            errors.clear();

            // Again: the download resumes and the new project opens on the ONNX model.
            Path p = projectDir.getParent().resolve("tiny.loupe");
            messages.clear();
            WaitForAsyncUtils.asyncFx(() -> window.createProjectFromCatalog(p, entry)).get(10, TimeUnit.SECONDS)
                    .get(120, TimeUnit.SECONDS);
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(errors).isEmpty();
            Stage stage = (Stage) fx(() -> window.sidePanel().getScene().getWindow());
            assertThat(fx(stage::getTitle)).isEqualTo("Loupe — tiny");
            assertThat(Files.mismatch(onnx, p.resolve("backbone.onnx"))).isEqualTo(-1L);
            assertThat(mirror.requests().get(mirror.requests().size() - 1).range()).startsWith("bytes=");
        } finally {
            System.clearProperty(dev.loupe.backbone.catalog.ModelCache.PROPERTY);
        }
    }

    /**
     * Issue 17: a full disk while labelling shows a banner (no dialog per attempt), keeps the project open read-only, and
     * labelling carries on by itself once a write goes through again, without reopening anything.
     */
    @Test
    void aFullDiskShowsABannerKeepsTheProjectReadOnlyAndLabellingCarriesOnWhenSpaceReturns(FxRobot robot) throws Exception {
        awaitOpen();
        long first = fx(() -> window.gallery().selected());
        try (FaultyDisk disk = FaultyDisk.install()) {
            disk.failNow(FaultyDisk.Fault.FULL);
            robot.clickOn(tileOf(robot, first));
            robot.type(KeyCode.DIGIT1);
            WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> !fx(() -> model.readOnlyProperty().get()).isEmpty());
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(label(robot, "#readOnlyBanner")).startsWith("The disk holding " + projectDir + " is full (")
                    .contains("the last change to the project was not saved", "stays open read-only")
                    .doesNotContain("SQLITE", "null");
            assertThat(fx(() -> robot.lookup("#readOnlyBanner").query().getParent().isVisible())).isTrue();
            assertThat(fx(model::state).labels()).as("the label was not saved, and is not shown as saved").hasSize(LABELLED);
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> window.gallery().items().contains(first)));

            robot.clickOn(tileOf(robot, first));
            robot.type(KeyCode.DIGIT1); // not even tried while read-only
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(label(robot, "#notice")).contains("read-only");
            assertThat(fx(() -> window.gallery().items().contains(first))).isTrue();

            disk.spaceReturns();
            WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> model.readOnlyProperty().get()).isEmpty());
        }
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(() -> robot.lookup("#readOnlyBanner").query().getParent().isVisible())).isFalse();
        assertThat(label(robot, "#notice")).contains("can be written again");
        robot.clickOn(tileOf(robot, first));
        robot.type(KeyCode.DIGIT1);
        ProjectState after = awaitState(st -> st.labels().size() == LABELLED + 1);
        assertThat(after.labels()).containsKey(first);
        awaitIdle();
    }

    /** Issue 17: images moved since import are found again by File → Locate missing images…, labels and all. */
    @Test
    void locateMissingImagesFindsAMovedFolderAgain(FxRobot robot) throws Exception {
        awaitOpen();
        Path images = fx(model::state).images().path(fx(model::state).images().ids()[0]).getParent().getParent();
        Path moved = projectDir.getParent().resolve("moved-data");
        copyTree(images, moved);
        deleteTree(images);
        try {
            WaitForAsyncUtils.asyncFx(() -> window.openProject(projectDir)).get(10, TimeUnit.SECONDS).get(120, TimeUnit.SECONDS);
            ProjectState missing = awaitState(st -> ProjectModel.missing(st) == IMAGES);
            assertThat(label(robot, "#notice")).contains(IMAGES + " images are missing", "Locate missing images");
            assertThat(fx(() -> menuItem(robot, "locateMissing").isDisable())).isFalse();

            MissingImages.Result r = WaitForAsyncUtils.asyncFx(() -> window.locateMissing(moved)).get(10, TimeUnit.SECONDS)
                    .get(120, TimeUnit.SECONDS);
            assertThat(r.relinked()).isEqualTo(IMAGES);
            ProjectState found = awaitState(st -> ProjectModel.missing(st) == 0);
            assertThat(found.labels()).isEqualTo(missing.labels());
            assertThat(found.images().path(found.images().ids()[0])).startsWith(moved);
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(label(robot, "#notice")).isEqualTo("Found again: " + IMAGES + " images; 0 still missing.");
            assertThat(fx(() -> menuItem(robot, "locateMissing").isDisable())).isTrue();
        } finally {
            if (!Files.exists(images)) {
                copyTree(moved, images); // the other tests' base project points here
            }
        }
    }

    private static javafx.scene.control.MenuItem menuItem(FxRobot robot, String id) {
        for (javafx.scene.control.Menu m : robot.lookup("#menuBar").queryAs(javafx.scene.control.MenuBar.class).getMenus()) {
            for (javafx.scene.control.MenuItem i : m.getItems()) {
                if (id.equals(i.getId())) {
                    return i;
                }
            }
        }
        throw new AssertionError("no menu item " + id);
    }

    @Test
    void everyTileOnScreenGetsItsPictureAfterOpeningAndAfterScrolling(FxRobot robot) throws Exception {
        awaitOpen();
        assertTilesOnScreenShowPictures(robot, "after opening");

        robot.clickOn(tileOf(robot, fx(() -> window.gallery().items().get(0))));
        robot.type(KeyCode.END); // the selection goes to the last tile, the grid scrolls there
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> fx(() -> {
            List<Long> items = window.gallery().items();
            return window.gallery().selected() != null && window.gallery().selected().equals(items.get(items.size() - 1));
        }));
        assertTilesOnScreenShowPictures(robot, "after End");
        long last = fx(() -> window.gallery().selected());
        assertThat(fx(() -> robot.lookup(".tile").match(n -> n instanceof GridCell<?> c && c.isVisible()
                && Long.valueOf(last).equals(c.getItem())).tryQuery().isPresent())).as("the last tile is on screen").isTrue();
    }

    /**
     * Every tile that shows an image also shows its picture: none stays blank. Ten seconds, not the one it takes
     * here: a test checks that pictures come, not how fast (a busy CI machine is slower; app_open.sh measures speed).
     */
    private void assertTilesOnScreenShowPictures(FxRobot robot, String when) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<Object> blank;
        do {
            WaitForAsyncUtils.waitForFxEvents();
            blank = fx(() -> {
                List<Object> out = new ArrayList<>();
                for (Node n : robot.lookup(".tile").queryAll()) {
                    if (n instanceof GridCell<?> c && c.getItem() != null && c.isVisible() && !c.isEmpty()) {
                        boolean picture = c.lookupAll(".image-view").stream().anyMatch(v ->
                                v instanceof javafx.scene.image.ImageView iv && iv.getImage() != null
                                        && iv.getImage().getWidth() > 0);
                        if (!picture) {
                            out.add(c.getItem());
                        }
                    }
                }
                return out;
            });
        } while (!blank.isEmpty() && System.nanoTime() < deadline);
        assertThat(blank).as("tiles without their picture ten seconds %s", when).isEmpty();
        assertThat(fx(() -> robot.lookup(".tile").match(n -> n instanceof GridCell<?> c && c.getItem() != null)
                .queryAll().size())).as("tiles with an image %s", when).isGreaterThan(3);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private ProjectState awaitOpen() throws Exception {
        ProjectState s = awaitState(st -> st.snapshot() != null);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> !window.gallery().items().isEmpty()));
        WaitForAsyncUtils.waitForFxEvents();
        return s;
    }

    private ProjectState awaitState(Predicate<ProjectState> ready) throws Exception {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> model.state() != null && ready.test(model.state())));
        return fx(model::state);
    }

    private void awaitIdle() throws Exception {
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> model.labelsInFlightProperty().get() == 0));
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static String label(FxRobot robot, String query) throws Exception {
        return fx(() -> robot.lookup(query).queryAs(Label.class).getText());
    }

    private static Node tileOf(FxRobot robot, long imageId) {
        return robot.lookup(".tile").match(n -> n instanceof GridCell<?> c && Long.valueOf(imageId).equals(c.getItem()))
                .query();
    }

    private static <T> T fx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
