package dev.loupe.app;

import dev.loupe.gallery.ui.GalleryModel;
import dev.loupe.gallery.ui.GalleryView;
import dev.loupe.labelling.ui.ClassesPanel;
import dev.loupe.labelling.ui.PreviewPane;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.project.LabelClass;
import dev.loupe.training.ui.StatusBar;
import dev.loupe.ui.DialogService;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.geometry.Orientation;
import javafx.scene.Scene;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextInputControl;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.stage.DirectoryChooser;
import javafx.stage.Stage;

import java.io.File;
import java.util.Objects;

/**
 * The main window: menu bar, the gallery in the centre, a tab pane on the right (labelling now; evaluation and
 * export tabs belong there too), the status bar at the bottom. Wires the views to the models; holds no state.
 */
public final class MainWindow {

    private final Stage stage;
    private final ProjectModel model;
    private final DialogService dialogs;
    private final GalleryModel gallery;
    private final TabPane side = new TabPane();

    public MainWindow(Stage stage, ProjectModel model, DialogService dialogs) {
        this.stage = stage;
        this.model = model;
        this.dialogs = dialogs;
        this.gallery = new GalleryModel(model);

        GalleryView galleryView = new GalleryView(gallery, model);
        PreviewPane preview = new PreviewPane(model, gallery.selectedProperty());
        ClassesPanel classes = new ClassesPanel(model, dialogs, gallery::labelSelected);
        SplitPane labelling = new SplitPane(preview, classes);
        labelling.setOrientation(Orientation.VERTICAL);
        labelling.setDividerPositions(0.55);
        Tab labelTab = new Tab("Label", labelling);
        labelTab.setId("labelTab");
        labelTab.setClosable(false);
        side.setId("sidePanel");
        side.getTabs().add(labelTab);

        SplitPane centre = new SplitPane(galleryView, side);
        centre.setDividerPositions(0.68);
        SplitPane.setResizableWithParent(side, false);

        BorderPane root = new BorderPane(centre);
        root.setTop(menuBar());
        root.setBottom(new StatusBar(model));
        Scene scene = new Scene(root, 1280, 820);
        scene.getStylesheets().add(Objects.requireNonNull(MainWindow.class.getResource("loupe.css")).toExternalForm());
        scene.addEventHandler(KeyEvent.KEY_PRESSED, this::onHotkey);
        stage.setScene(scene);
        stage.titleProperty().bind(Bindings.createStringBinding(() -> {
            ProjectState s = model.state();
            return s == null ? "Loupe" : "Loupe — " + s.name();
        }, model.stateProperty()));
        stage.setMinWidth(800);
        stage.setMinHeight(500);
        Platform.runLater(() -> galleryView.grid().requestFocus());
    }

    /** The right-hand tab pane, where later features (evaluation, export) add their tabs. */
    public TabPane sidePanel() {
        return side;
    }

    public GalleryModel gallery() {
        return gallery;
    }

    private MenuBar menuBar() {
        MenuItem open = new MenuItem("Open project…");
        open.setAccelerator(KeyCombination.keyCombination("Shortcut+O"));
        open.setOnAction(e -> {
            DirectoryChooser chooser = new DirectoryChooser();
            chooser.setTitle("Open a Loupe project folder");
            File dir = chooser.showDialog(stage);
            if (dir != null) {
                model.open(dir.toPath());
            }
        });
        MenuItem sample = new MenuItem("Open sample project");
        sample.setOnAction(e -> model.openSample());
        MenuItem quit = new MenuItem("Quit");
        quit.setAccelerator(KeyCombination.keyCombination("Shortcut+Q"));
        quit.setOnAction(e -> stage.fireEvent(new javafx.stage.WindowEvent(stage, javafx.stage.WindowEvent.WINDOW_CLOSE_REQUEST)));
        Menu file = new Menu("File", null, open, sample, new SeparatorMenuItem(), quit);
        file.setId("fileMenu");

        MenuItem undo = new MenuItem("Undo label");
        undo.setId("undo");
        undo.setAccelerator(KeyCombination.keyCombination("Shortcut+Z"));
        undo.setOnAction(e -> model.undo());
        MenuItem redo = new MenuItem("Redo label");
        redo.setId("redo");
        redo.setAccelerator(KeyCombination.keyCombination("Shortcut+Shift+Z"));
        redo.setOnAction(e -> model.redo());
        Menu edit = new Menu("Edit", null, undo, redo);
        edit.setId("editMenu");

        MenuItem rerank = new MenuItem("Re-rank everything now");
        rerank.setId("rerank");
        rerank.setAccelerator(KeyCombination.keyCombination("F5"));
        rerank.setOnAction(e -> gallery.rerankAll());
        Menu view = new Menu("View", null, rerank);
        view.setId("viewMenu");
        MenuBar bar = new MenuBar(file, edit, view);
        bar.setId("menuBar");
        return bar;
    }

    /** A class's hotkey labels the selected image, unless the user is typing in a field. */
    private void onHotkey(KeyEvent e) {
        if (e.isShortcutDown() || e.isAltDown() || e.isControlDown() || e.isMetaDown()
                || stage.getScene().getFocusOwner() instanceof TextInputControl) {
            return;
        }
        Character key = keyChar(e);
        ProjectState s = model.state();
        if (key == null || s == null) {
            return;
        }
        for (LabelClass c : s.classes()) {
            if (c.hotkey() != null && Character.toLowerCase(c.hotkey()) == key) {
                gallery.labelSelected(c.id());
                e.consume();
                return;
            }
        }
    }

    private static Character keyChar(KeyEvent e) {
        KeyCode code = e.getCode();
        if (code.isDigitKey() || code.isLetterKey()) {
            String name = code.isKeypadKey() ? code.getName().substring(code.getName().length() - 1) : code.getChar();
            return name.isEmpty() ? null : Character.toLowerCase(name.charAt(0));
        }
        String text = e.getText();
        return text != null && text.length() == 1 ? Character.toLowerCase(text.charAt(0)) : null;
    }
}
