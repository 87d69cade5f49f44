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
        new MainWindow(stage, model, dialogs);
        stage.setOnCloseRequest(e -> {
            e.consume(); // close the project (saving the model) off the FX thread, then exit
            stage.hide();
            model.close().whenComplete((r, t) -> Platform.exit());
        });
        stage.show();
        List<String> args = getParameters().getRaw();
        if (args.isEmpty()) {
            model.openSample();
        } else {
            model.open(Path.of(args.get(0)).toAbsolutePath().normalize());
        }
    }

    @Override
    public void stop() {
        if (worker != null) {
            worker.close();
        }
    }
}
