package dev.loupe.app;

import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.ui.FxDialogService;
import dev.loupe.ui.SessionExecutor;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;

import java.nio.file.Path;
import java.util.List;

/**
 * The desktop application. With no argument it opens the sample project (made on first run); with a project
 * folder as argument, that project.
 */
public final class LoupeApp extends Application {

    private SessionExecutor worker;

    @Override
    public void start(Stage stage) {
        dev.loupe.Stamps.once("fx start");
        FxDialogService dialogs = new FxDialogService(() -> stage);
        dialogs.installAsUncaughtExceptionHandler();
        worker = new SessionExecutor(Platform::runLater, dialogs);
        ProjectModel model = new ProjectModel(worker, dialogs);
        // The project opens on the session thread while this thread builds and shows the window (its states reach
        // the window through Platform.runLater, after this method returns): the store and its image list are read
        // in the seconds the first frame takes (docs/adr/0031-big-project-open.md).
        List<String> args = getParameters().getRaw();
        if (args.isEmpty()) {
            model.openSample();
        } else {
            model.open(Path.of(args.get(0)).toAbsolutePath().normalize());
        }
        new MainWindow(stage, model, dialogs);
        dev.loupe.Stamps.once("window built");
        stage.setOnCloseRequest(e -> {
            e.consume(); // close the project (saving the model) off the FX thread, then exit
            stage.hide();
            model.close().whenComplete((r, t) -> Platform.exit());
        });
        stage.show();
        dev.loupe.Stamps.once("stage shown");
    }

    @Override
    public void stop() {
        if (worker != null) {
            worker.close();
        }
    }
}
