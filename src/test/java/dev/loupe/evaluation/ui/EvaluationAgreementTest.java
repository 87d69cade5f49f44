package dev.loupe.evaluation.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.app.MainWindow;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.RecordingDialogs;
import dev.loupe.testing.TestImages;
import dev.loupe.ui.DialogService;
import dev.loupe.ui.SessionExecutor;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Evaluation tab's agreement section on a project two people labelled (through {@code loupe label --annotator}):
 * it shows the annotators and the same coefficients as {@code loupe agreement --json}, and each pair's confusion.
 */
@ExtendWith(ApplicationExtension.class)
class EvaluationAgreementTest {

    private Path tmp;
    private Path project;
    private ProjectModel model;
    private SessionExecutor worker;
    private MainWindow window;
    private final List<String> errors = new CopyOnWriteArrayList<>();

    @Start
    void start(Stage stage) throws Exception {
        tmp = Files.createTempDirectory("loupe-eval-agreement");
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 6);
        project = tmp.resolve("team.loupe");
        assertThat(CliRun.run("import", project.toString(), data.toString()).exitCode()).isZero();
        for (int c = 0; c < 3; c++) assertThat(CliRun.run("classes", project.toString(), "add", "class" + c).exitCode()).isZero();
        // alice labels 12 images by their folder; bob the same 12, two of them differently
        List<String> alice = new ArrayList<>();
        List<String> bob = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 4; i++) {
                alice.add("class" + c + "/img" + i + ".png,class" + c);
                bob.add("class" + c + "/img" + i + ".png,class" + (i == 3 && c < 2 ? (c + 1) % 3 : c));
            }
        }
        for (String who : List.of("alice", "bob")) {
            Path csv = Files.write(tmp.resolve(who + ".csv"), who.equals("alice") ? alice : bob);
            CliRun r = CliRun.run("label", project.toString(), "--annotator", who, "--from-csv", csv.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
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
        assertThat(errors).as("errors shown").isEmpty();
        model.close().get(30, TimeUnit.SECONDS);
        worker.close();
        FxToolkit.cleanupStages();
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Test
    void theTabShowsTheAnnotatorsAgreementAsTheCommandLineComputesIt(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> model.state() != null && !model.state().opening()));
        fx(() -> {
            window.sidePanel().getSelectionModel().select(1);
            return null;
        });
        EvaluationPanel panel = window.evaluationPanel();
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(panel::agreementText).contains("alpha"));
        model.close().get(30, TimeUnit.SECONDS); // the command line reads the same project
        JsonNode j = CliRun.run("agreement", project.toString(), "--json").json();
        String text = fx(panel::agreementText);
        assertThat(text).contains("alice (12 images)", "bob (12 images)", "12 images labelled by two or more")
                .contains(String.format(Locale.ROOT, "Krippendorff's alpha %.2f", j.get("krippendorff_alpha").asDouble()))
                .contains(String.format(Locale.ROOT, "Fleiss' kappa %.2f", j.get("fleiss").get("kappa").asDouble()));
        assertThat(j.get("krippendorff_alpha").asDouble()).as("two disagreements of twelve").isBetween(0.5, 0.9);
        // the tab's content enters the scene graph at a pulse after it is selected, when its ScrollPane gets a skin
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#agreementTable").tryQuery().isPresent()));
        assertThat(robot.lookup("alice and bob: 12 images, 83% the same, Cohen's kappa "
                + String.format(Locale.ROOT, "%.2f", j.get("pairs").get(0).get("cohen_kappa").asDouble())).tryQuery()).isPresent();
    }

    private static <T> T fx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
