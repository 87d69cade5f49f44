package dev.loupe.app;

import dev.loupe.evaluation.ui.EvaluationModel;
import dev.loupe.evaluation.ui.EvaluationPanel;
import dev.loupe.export.ExportJob;
import dev.loupe.export.ui.ExportDialog;
import dev.loupe.gallery.ui.GalleryModel;
import dev.loupe.gallery.ui.GalleryView;
import dev.loupe.importing.ImportReport;
import dev.loupe.importing.MissingImages;
import dev.loupe.importing.ui.ImportDialogs;
import dev.loupe.labelling.ui.ClassesPanel;
import dev.loupe.labelling.ui.PreviewPane;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.ui.StatusBar;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.catalog.CatalogEntry;
import dev.loupe.backbone.catalog.CatalogModels;
import dev.loupe.backbone.ui.BaseModelDialog;
import dev.loupe.ui.DialogService;
import dev.loupe.ui.ProgressJob;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.geometry.Orientation;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextInputControl;
import javafx.scene.input.DragEvent;
import javafx.scene.input.Dragboard;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Stage;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The main window: menu bar (projects, import, export, undo, re-rank), the gallery in the centre, a tab pane on the
 * right (labelling, evaluation), the status bar at the bottom; folders can be dropped on it. Wires the views to the
 * models; holds no state.
 */
public final class MainWindow {

    private final Stage stage;
    private final ProjectModel model;
    private final DialogService dialogs;
    private final GalleryModel gallery;
    private final TabPane side = new TabPane();
    private final EvaluationModel evaluation;
    private final EvaluationPanel evaluationPanel;
    private final dev.loupe.datacheck.ui.LabelCheckPanel labelCheck;
    private final dev.loupe.datacheck.ui.DataCheckPanel dataCheck;
    private final Menu recent = new Menu("Open recent");

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
        evaluation = new EvaluationModel(model);
        evaluationPanel = new EvaluationPanel(evaluation);
        Tab evalTab = new Tab("Evaluation");
        contentWhenFirstShown(evalTab, evaluationPanel);
        evalTab.setId("evaluationTab");
        evalTab.setClosable(false);
        evalTab.selectedProperty().addListener((o, was, on) -> evaluation.setShown(on));
        side.setId("sidePanel");
        labelCheck = new dev.loupe.datacheck.ui.LabelCheckPanel(model, gallery, dialogs);
        Tab checkTab = new Tab("Check labels");
        contentWhenFirstShown(checkTab, labelCheck);
        checkTab.setId("labelCheckTab");
        checkTab.setClosable(false);
        dataCheck = new dev.loupe.datacheck.ui.DataCheckPanel(model, gallery, dialogs);
        Tab dataTab = new Tab("Duplicates & outliers");
        contentWhenFirstShown(dataTab, dataCheck);
        dataTab.setId("dataCheckTab");
        dataTab.setClosable(false);
        side.getTabs().addAll(labelTab, evalTab, checkTab, dataTab);

        SplitPane centre = new SplitPane(galleryView, side);
        centre.setDividerPositions(0.68);
        SplitPane.setResizableWithParent(side, false);

        BorderPane root = new BorderPane(centre);
        root.setTop(new VBox(menuBar(), readOnlyBanner()));
        StatusBar status = new StatusBar(model);
        status.setOnShowFirst(gallery::showFirst); // after a drifted import: its images head the queue
        root.setBottom(status);
        Scene scene = new Scene(root, 1280, 820);
        scene.getStylesheets().add(Objects.requireNonNull(MainWindow.class.getResource("loupe.css")).toExternalForm());
        scene.addEventHandler(KeyEvent.KEY_PRESSED, this::onHotkey);
        scene.setOnDragOver(this::onDragOver);
        scene.setOnDragDropped(this::onDragDropped);
        stage.setScene(scene);
        stage.titleProperty().bind(Bindings.createStringBinding(() -> {
            ProjectState s = model.state();
            return s == null ? "Loupe" : "Loupe — " + s.name();
        }, model.stateProperty()));
        stage.setMinWidth(800);
        stage.setMinHeight(500);
        Platform.runLater(() -> galleryView.grid().requestFocus());
    }

    /**
     * Puts {@code content} into {@code tab} the first time the tab is selected. A tab pane keeps every tab's content in
     * the scene, so the first frame would style and lay out panels nobody sees yet (the panels and their models exist
     * from the start: they follow the project whether shown or not).
     */
    private static void contentWhenFirstShown(Tab tab, Node content) {
        if (tab.isSelected()) {
            tab.setContent(content);
            return;
        }
        tab.selectedProperty().addListener(new javafx.beans.value.ChangeListener<>() {
            @Override
            public void changed(javafx.beans.value.ObservableValue<? extends Boolean> o, Boolean was, Boolean on) {
                if (on) {
                    tab.selectedProperty().removeListener(this);
                    tab.setContent(content);
                }
            }
        });
    }

    /** The right-hand tab pane, where later features (evaluation, export) add their tabs. */
    public TabPane sidePanel() {
        return side;
    }

    public GalleryModel gallery() {
        return gallery;
    }

    public dev.loupe.datacheck.ui.LabelCheckPanel labelCheckPanel() {
        return labelCheck;
    }

    public dev.loupe.datacheck.ui.DataCheckPanel dataCheckPanel() {
        return dataCheck;
    }

    public EvaluationPanel evaluationPanel() {
        return evaluationPanel;
    }

    private MenuBar menuBar() {
        MenuItem create = new MenuItem("New project…");
        create.setId("newProject");
        create.setAccelerator(KeyCombination.keyCombination("Shortcut+N"));
        create.setOnAction(e -> chooseNewProject(NewProject.EMPTY));
        MenuItem withBase = new MenuItem("New project with a base model…");
        withBase.setId("newProjectWithBaseModel");
        withBase.setOnAction(e -> chooseBaseModel());
        MenuItem fromModel = new MenuItem("New project from an exported model…");
        fromModel.setId("newProjectFromModel");
        fromModel.setOnAction(e -> chooseNewProject(NewProject.FROM_EXPORTED_MODEL));
        MenuItem open = new MenuItem("Open project…");
        open.setId("openProject");
        open.setAccelerator(KeyCombination.keyCombination("Shortcut+O"));
        open.setOnAction(e -> chooseFolder("Open a Loupe project folder").ifPresent(this::openProject));
        recent.setId("openRecent");
        model.recentProjectsProperty().addListener((o, was, now) -> fillRecent(now));
        fillRecent(model.recentProjectsProperty().get());
        MenuItem sample = new MenuItem("Open sample project");
        sample.setOnAction(e -> model.openSample());
        MenuItem importFolder = new MenuItem("Import folder…");
        importFolder.setId("importFolder");
        importFolder.setAccelerator(KeyCombination.keyCombination("Shortcut+I"));
        importFolder.setOnAction(e -> chooseFolder("Import a folder of images").ifPresent(this::askAndImport));
        MenuItem locate = new MenuItem("Locate missing images…");
        locate.setId("locateMissing");
        locate.setOnAction(e -> chooseFolder("Where are the missing images now?").ifPresent(this::locateMissing));
        // one images job at a time: while a project opens or an import runs, the next one waits for the user
        locate.disableProperty().bind(Bindings.createBooleanBinding(() -> ProjectModel.missing(model.state()) == 0
                || model.job().runningProperty().get(), model.stateProperty(), model.job().runningProperty()));
        MenuItem export = new MenuItem("Export…");
        export.setId("export");
        export.setAccelerator(KeyCombination.keyCombination("Shortcut+E"));
        export.setOnAction(e -> openExportDialog());
        importFolder.disableProperty().bind(model.stateProperty().isNull().or(model.job().runningProperty()));
        export.disableProperty().bind(model.stateProperty().isNull());
        MenuItem quit = new MenuItem("Quit");
        quit.setAccelerator(KeyCombination.keyCombination("Shortcut+Q"));
        quit.setOnAction(e -> stage.fireEvent(new javafx.stage.WindowEvent(stage, javafx.stage.WindowEvent.WINDOW_CLOSE_REQUEST)));
        MenuItem share = new MenuItem("Share with a team…");
        share.setId("shareWithTeam");
        share.setOnAction(e -> askShare());
        share.disableProperty().bind(model.stateProperty().isNull().or(model.sharedProperty()).or(model.job().runningProperty()));
        MenuItem joinTeam = new MenuItem("Join a team project…");
        joinTeam.setId("joinTeam");
        joinTeam.setOnAction(e -> askJoin());
        joinTeam.disableProperty().bind(model.job().runningProperty());
        MenuItem sync = new MenuItem("Sync with the team");
        sync.setId("syncWithTeam");
        sync.setAccelerator(KeyCombination.keyCombination("Shortcut+Shift+S"));
        sync.setOnAction(e -> model.syncWithTeam());
        sync.disableProperty().bind(model.sharedProperty().not().or(model.job().runningProperty()));
        Menu file = new Menu("File", null, create, withBase, fromModel, open, recent, sample, new SeparatorMenuItem(),
                importFolder, locate, export, new SeparatorMenuItem(), share, joinTeam, sync, new SeparatorMenuItem(), quit);
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

    // ---- projects -------------------------------------------------------------------------------------------

    private void fillRecent(List<Path> dirs) {
        recent.getItems().clear();
        for (Path p : dirs) {
            MenuItem item = new MenuItem(p.getFileName() + "  —  " + p.getParent());
            item.setMnemonicParsing(false);
            item.setOnAction(e -> openProject(p));
            recent.getItems().add(item);
        }
        recent.setDisable(dirs.isEmpty());
    }

    /** Opens a project folder, closing the current one (and releasing its lock) first. */
    public CompletableFuture<ProjectState> openProject(Path dir) {
        return model.open(dir.toAbsolutePath().normalize());
    }

    /** Creates a project folder (from an exported model when {@code modelFile} is given) and opens it. */
    public CompletableFuture<ProjectState> createProject(Path dir, Path modelFile) {
        return model.create(dir.toAbsolutePath().normalize(), modelFile);
    }

    /**
     * Creates an empty project whose base model is a backbone file ({@code loupe train-backbone}'s zip, or a Keras
     * .h5 with {@code #layer}) instead of Model Zero, and opens it.
     */
    public CompletableFuture<ProjectState> createProjectWithBaseModel(Path dir, Path backboneFile) {
        return model.createWithBaseModel(dir.toAbsolutePath().normalize(), backboneFile);
    }

    /**
     * Creates an empty project on a catalog model and opens it; the download (when the model is not in the cache yet)
     * shows its progress and a Cancel button in the status bar.
     */
    public CompletableFuture<ProjectState> createProjectFromCatalog(Path dir, CatalogEntry entry) {
        return model.createFromCatalog(dir.toAbsolutePath().normalize(), entry);
    }

    private enum NewProject { EMPTY, WITH_BASE_MODEL, FROM_EXPORTED_MODEL }

    /** File → New project with a base model…: Model Zero, a catalog model, or a file. */
    private void chooseBaseModel() {
        CatalogModels catalog;
        try {
            catalog = CatalogModels.standard();
        } catch (BackboneException e) {
            dialogs.showError("The model catalog cannot be read: " + e.getMessage() + " You can still choose a file.", e);
            chooseNewProject(NewProject.WITH_BASE_MODEL);
            return;
        }
        Optional<BaseModelDialog.Choice> choice = new BaseModelDialog(stage, catalog.catalog().entries(),
                catalog::isCached).showAndWait();
        if (choice.isEmpty()) {
            return;
        }
        if (choice.get() instanceof BaseModelDialog.FromCatalog c) {
            chooseProjectFolder().ifPresent(p -> createProjectFromCatalog(p, c.entry()));
        } else {
            chooseNewProject(choice.get() instanceof BaseModelDialog.ModelZero ? NewProject.EMPTY : NewProject.WITH_BASE_MODEL);
        }
    }

    private void chooseNewProject(NewProject kind) {
        Path modelFile = null;
        if (kind != NewProject.EMPTY) {
            FileChooser m = new FileChooser();
            if (kind == NewProject.FROM_EXPORTED_MODEL) {
                m.setTitle("Choose an exported Loupe model");
                m.getExtensionFilters().add(new FileChooser.ExtensionFilter("Loupe model", "*.zip"));
            } else {
                m.setTitle("Choose a base model (from loupe train-backbone, a Keras .h5, or an ONNX image model)");
                m.getExtensionFilters().add(new FileChooser.ExtensionFilter("Base model", "*.zip", "*.h5", "*.onnx"));
            }
            File f = m.showOpenDialog(stage);
            if (f == null) {
                return;
            }
            modelFile = f.toPath();
        }
        Optional<Path> dir = chooseProjectFolder();
        if (dir.isPresent()) {
            if (kind == NewProject.WITH_BASE_MODEL) {
                createProjectWithBaseModel(dir.get(), modelFile);
            } else {
                createProject(dir.get(), modelFile);
            }
        }
    }

    /** The new project's folder, named by the user (".loupe" added); empty when they cancel. */
    private Optional<Path> chooseProjectFolder() {
        FileChooser c = new FileChooser();
        c.setTitle("Name the new project folder");
        c.setInitialFileName("new.loupe");
        File dir = c.showSaveDialog(stage);
        if (dir == null) {
            return Optional.empty();
        }
        Path p = dir.toPath();
        return Optional.of(p.getFileName().toString().endsWith(".loupe") ? p : p.resolveSibling(p.getFileName() + ".loupe"));
    }

    /** The folder the user picks in a chooser titled {@code title}; empty when they cancel. */
    private Optional<Path> chooseFolder(String title) {
        DirectoryChooser chooser = new DirectoryChooser();
        chooser.setTitle(title);
        return Optional.ofNullable(chooser.showDialog(stage)).map(File::toPath);
    }

    // ---- import ---------------------------------------------------------------------------------------------

    /**
     * File ▸ Share with a team…: the server's address (postgresql://USER@HOST:PORT/DATABASE; the password comes from
     * PGPASSWORD or ~/.pgpass and is never stored), the project's name there, and the share of images for agreement.
     */
    private void askShare() {
        java.util.Optional<String> url = dialogs.askText("Share with a team", "The team's PostgreSQL server "
                + "(postgresql://USER@HOST:PORT/DATABASE; the password is read from PGPASSWORD or ~/.pgpass):", "postgresql://");
        if (url.isEmpty() || url.get().isBlank()) return;
        String dir = model.state().dir().getFileName().toString();
        java.util.Optional<String> name = dialogs.askText("Share with a team", "The project's name on the server "
                + "(teammates join it by this name):", dir.endsWith(".loupe") ? dir.substring(0, dir.length() - 6) : dir);
        if (name.isEmpty() || name.get().isBlank()) return;
        java.util.Optional<String> overlap = dialogs.askText("Share with a team", "Share of the images that two annotators "
                + "each label, so their agreement can be measured (0 to 1; 0 for none):", "0.1");
        if (overlap.isEmpty()) return;
        double share;
        try {
            share = Double.parseDouble(overlap.get().strip());
            if (!(share >= 0 && share <= 1)) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            dialogs.showError("The overlap must be a number from 0 to 1, e.g. 0.1 for one image in ten.", null);
            return;
        }
        try {
            model.shareWithTeam(url.get().strip(), name.get().strip(), share, 2);
        } catch (dev.loupe.LoupeException e) {
            dialogs.showError(dev.loupe.Faults.describe(e), null); // a malformed address, before anything is done
        }
    }

    /**
     * File ▸ Join a team project…: the server's address, the project's name there, where to make the local project (a
     * new folder) and the folder of the project's images (a shared disk); then the join runs as a background job.
     */
    private void askJoin() {
        String title = "Join a team project";
        java.util.Optional<String> url = dialogs.askText(title, "The team's PostgreSQL server "
                + "(postgresql://USER@HOST:PORT/DATABASE; the password is read from PGPASSWORD or ~/.pgpass):", "postgresql://");
        if (url.isEmpty() || url.get().isBlank()) return;
        java.util.Optional<String> name = dialogs.askText(title, "The project's name on the server:", "");
        if (name.isEmpty() || name.get().isBlank()) return;
        java.util.Optional<String> dir = dialogs.askText(title, "Where to make your copy of the project (a new folder):",
                Path.of(System.getProperty("user.home"), name.get().strip() + ".loupe").toString());
        if (dir.isEmpty() || dir.get().isBlank()) return;
        java.util.Optional<String> images = dialogs.askText(title, "The folder of the project's images (e.g. on a shared "
                + "disk):", "");
        if (images.isEmpty() || images.get().isBlank()) return;
        try {
            model.joinTeam(url.get().strip(), name.get().strip(), Path.of(dir.get().strip()), Path.of(images.get().strip()));
        } catch (dev.loupe.LoupeException | java.nio.file.InvalidPathException e) {
            dialogs.showError(dev.loupe.Faults.describe(e), null); // a malformed address or path, before anything is done
        }
    }

    private void askAndImport(Path folder) {
        boolean subfolders;
        try (Stream<Path> entries = Files.list(folder)) {
            subfolders = entries.anyMatch(Files::isDirectory); // one folder listing, not the scan
        } catch (IOException e) {
            subfolders = false;
        }
        ImportDialogs.askOptions(stage, folder, subfolders).ifPresent(labels -> importFolder(folder, labels));
    }

    /**
     * Imports a folder into the open project (the menu's and drag-and-drop's action): progress and cancel in the
     * status bar, embeddings after, then the report. Completes once the report is shown.
     */
    public CompletableFuture<ImportReport> importFolder(Path folder, boolean labelsFromSubfolders) {
        return model.importFolder(folder, labelsFromSubfolders).thenApply(report -> {
            if (report != null) {
                gallery.rerankAll();
                ImportDialogs.showReport(stage, folder, report);
            }
            return report;
        });
    }

    private void onDragOver(DragEvent e) {
        Dragboard db = e.getDragboard();
        if (db.hasFiles() && db.getFiles().size() == 1 && db.getFiles().get(0).isDirectory()) {
            e.acceptTransferModes(TransferMode.COPY);
            e.consume();
        }
    }

    /** A dropped project folder opens; any other folder is imported into the open project. */
    private void onDragDropped(DragEvent e) {
        Dragboard db = e.getDragboard();
        boolean ok = db.hasFiles() && db.getFiles().size() == 1 && db.getFiles().get(0).isDirectory();
        e.setDropCompleted(ok);
        e.consume();
        if (!ok) {
            return;
        }
        Path dir = db.getFiles().get(0).toPath();
        // Leave the drag-and-drop event before a dialog blocks in showAndWait.
        Platform.runLater(() -> {
            if (Files.isRegularFile(dir.resolve(ProjectStore.DB_FILE))) {
                openProject(dir);
            } else if (model.state() == null) {
                dialogs.showError("Open or create a project first, then drop a folder of images on the window to import it.", null);
            } else {
                askAndImport(dir);
            }
        });
    }

    /** Finds moved images again in {@code folder} (the menu's action); completes once the result is shown. */
    public CompletableFuture<MissingImages.Result> locateMissing(Path folder) {
        return model.locateMissing(folder).thenApply(r -> {
            if (r != null) {
                gallery.rerankAll();
            }
            return r;
        });
    }

    /**
     * The banner under the menu while the project's disk is full or cannot be written: what happened, which disk, what
     * to do. It goes by itself once Loupe can write again (docs/adr/0025-faults.md).
     */
    private Node readOnlyBanner() {
        Label text = new Label();
        text.setId("readOnlyBanner");
        text.setWrapText(true);
        text.textProperty().bind(model.readOnlyProperty());
        HBox banner = new HBox(text);
        banner.getStyleClass().add("read-only-banner");
        banner.visibleProperty().bind(model.readOnlyProperty().isNotEmpty());
        banner.managedProperty().bind(banner.visibleProperty());
        // a label that failed left its tile's place in the queue: put the queue back as the model has it
        model.readOnlyProperty().addListener((o, was, now) -> {
            if (!now.isEmpty() && was.isEmpty() && model.state() != null) {
                gallery.rerankAll();
            }
        });
        return banner;
    }

    // ---- export ---------------------------------------------------------------------------------------------

    private void openExportDialog() {
        ProjectState s = model.state();
        if (s == null) {
            return;
        }
        model.withProject((store, session) -> store.modelVersions(), versions -> {
            Path base = s.dir().toAbsolutePath().getParent();
            new ExportDialog(stage, versions, base == null ? s.dir() : base, s.name()).showAndWait()
                    .filter(r -> !r.isEmpty()).ifPresent(this::export);
        });
    }

    /** Runs an export (the dialog's action) in the background; completes once the result is shown. */
    public CompletableFuture<ExportJob.Result> export(ExportJob.Request request) {
        ProgressJob job = model.job();
        job.start("Exporting…");
        CompletableFuture<ExportJob.Result> f = model.withProject((store, session) -> ExportJob.run(store, request,
                job::isCancelled), r -> {
            job.finish();
            ExportDialog.showResult(stage, r);
        });
        f.whenComplete((r, e) -> {
            if (e != null) {
                Platform.runLater(job::finish);
            }
        });
        return f;
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
