package dev.loupe.ui;

import javafx.application.Platform;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ChoiceDialog;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextInputDialog;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.Window;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** {@link DialogService} with JavaFX alerts, owned by the main window. */
public final class FxDialogService implements DialogService {

    private static final Logger LOG = LoggerFactory.getLogger(FxDialogService.class);

    private final Supplier<Window> owner;

    public FxDialogService(Supplier<Window> owner) {
        this.owner = owner;
    }

    /** Makes every uncaught exception, on any thread, end up in {@link #showError} instead of dying silently. */
    public void installAsUncaughtExceptionHandler() {
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (Platform.isFxApplicationThread()) {
                showError(DialogService.userMessage(e), e);
            } else {
                Platform.runLater(() -> showError(DialogService.userMessage(e), e));
            }
        });
    }

    @Override
    public void showError(String message, Throwable details) {
        LOG.error("{}", message, details);
        Alert alert = new Alert(Alert.AlertType.ERROR, null, ButtonType.OK);
        alert.initOwner(owner.get());
        alert.setTitle("Loupe");
        if (message.length() > 200 || message.contains("\n")) {
            // Long messages (a download's URLs and commands) wrap in a text the user can select and copy.
            alert.setHeaderText(message.lines().findFirst().orElse(""));
            TextArea text = new TextArea(message);
            text.setId("errorText");
            text.setEditable(false);
            text.setWrapText(true);
            text.setPrefColumnCount(90);
            text.setPrefRowCount((int) Math.min(16, message.lines().count() + message.length() / 90 + 1));
            alert.getDialogPane().setContent(text);
        } else {
            alert.setHeaderText(message);
        }
        if (details != null) {
            StringWriter trace = new StringWriter();
            details.printStackTrace(new PrintWriter(trace));
            TextArea area = new TextArea(trace.toString());
            area.setEditable(false);
            area.setWrapText(false);
            VBox.setVgrow(area, Priority.ALWAYS);
            alert.getDialogPane().setExpandableContent(new VBox(4, new Label("Details:"), area));
        }
        alert.show(); // not showAndWait: an error must never block whatever reported it
    }

    @Override
    public Optional<String> askText(String title, String prompt, String initial) {
        TextInputDialog d = new TextInputDialog(initial == null ? "" : initial);
        d.initOwner(owner.get());
        d.setTitle(title);
        d.setHeaderText(null);
        d.setContentText(prompt);
        return d.showAndWait().map(String::strip).filter(s -> !s.isEmpty());
    }

    @Override
    public <T> Optional<T> choose(String title, String prompt, List<T> choices) {
        if (choices.isEmpty()) {
            return Optional.empty();
        }
        ChoiceDialog<T> d = new ChoiceDialog<>(choices.get(0), choices);
        d.initOwner(owner.get());
        d.setTitle(title);
        d.setHeaderText(null);
        d.setContentText(prompt);
        return d.showAndWait();
    }

    @Override
    public boolean confirm(String title, String message) {
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, message, ButtonType.OK, ButtonType.CANCEL);
        a.initOwner(owner.get());
        a.setTitle(title);
        a.setHeaderText(null);
        return a.showAndWait().filter(b -> b == ButtonType.OK).isPresent();
    }
}
