package dev.loupe.export.ui;

import dev.loupe.export.ExportJob;
import dev.loupe.project.ModelVersion;
import javafx.collections.FXCollections;
import javafx.geometry.Insets;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Modality;
import javafx.stage.Window;
import javafx.util.StringConverter;

import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * File → Export…: one dialog with four optional outputs (model file and/or ONNX file of any version, labels CSV/JSON,
 * an ImageFolder copy). It only builds an {@link ExportJob.Request}; the window runs it in the background.
 */
public final class ExportDialog extends Dialog<ExportJob.Request> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MMM d HH:mm", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private final CheckBox model = new CheckBox("Model file (.zip) of");
    private final ComboBox<ModelVersion> version = new ComboBox<>();
    private final TextField modelPath = new TextField();
    private final CheckBox onnx = new CheckBox("ONNX file (.onnx), with its model card beside it");
    private final TextField onnxPath = new TextField();
    private final CheckBox labels = new CheckBox("Labels (.csv or .json)");
    private final TextField labelsPath = new TextField();
    private final CheckBox images = new CheckBox("Labelled images as an ImageFolder copy");
    private final TextField imagesPath = new TextField();

    /**
     * @param versions  the project's model versions, oldest first (the latest is chosen)
     * @param baseDir   where the default outputs go (the project's parent folder)
     * @param name      the project's name, for the default file names
     */
    public ExportDialog(Window owner, List<ModelVersion> versions, Path baseDir, String name) {
        initOwner(owner);
        setTitle("Export");
        setHeaderText("Export " + name);
        model.setId("exportModel");
        version.setId("exportVersion");
        modelPath.setId("exportModelPath");
        onnx.setId("exportOnnx");
        onnxPath.setId("exportOnnxPath");
        labels.setId("exportLabels");
        labelsPath.setId("exportLabelsPath");
        images.setId("exportImages");
        imagesPath.setId("exportImagesPath");

        List<ModelVersion> newestFirst = new ArrayList<>(versions);
        Collections.reverse(newestFirst);
        version.setItems(FXCollections.observableArrayList(newestFirst));
        version.setConverter(new StringConverter<>() {
            @Override
            public String toString(ModelVersion v) {
                return v == null ? "" : "v" + v.id() + " · " + v.labelCount() + " labels · "
                        + TIME.format(Instant.ofEpochMilli(v.createdMs()));
            }

            @Override
            public ModelVersion fromString(String s) {
                return null;
            }
        });
        if (!versions.isEmpty()) {
            version.getSelectionModel().select(0);
        }
        model.setSelected(!versions.isEmpty());
        model.setDisable(versions.isEmpty());
        onnx.setDisable(versions.isEmpty());
        modelPath.setText(baseDir.resolve(name + "-model.zip").toString());
        onnxPath.setText(baseDir.resolve(name + "-model.onnx").toString());
        labelsPath.setText(baseDir.resolve(name + "-labels.csv").toString());
        imagesPath.setText(baseDir.resolve(name + "-images").toString());
        version.disableProperty().bind(model.selectedProperty().or(onnx.selectedProperty()).not());
        modelPath.disableProperty().bind(model.selectedProperty().not());
        onnxPath.disableProperty().bind(onnx.selectedProperty().not());
        labelsPath.disableProperty().bind(labels.selectedProperty().not());
        imagesPath.disableProperty().bind(images.selectedProperty().not());

        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(8);
        grid.setPadding(new Insets(8));
        grid.addRow(0, model, version);
        grid.add(modelPath, 0, 1, 2, 1);
        grid.add(browse(modelPath, false, "Model file", "*.zip"), 2, 1);
        grid.add(onnx, 0, 2, 2, 1);
        grid.add(onnxPath, 0, 3, 2, 1);
        grid.add(browse(onnxPath, false, "ONNX model", "*.onnx"), 2, 3);
        grid.add(labels, 0, 4, 2, 1);
        grid.add(labelsPath, 0, 5, 2, 1);
        grid.add(browse(labelsPath, false, "Label file", "*.csv", "*.json"), 2, 5);
        grid.add(images, 0, 6, 2, 1);
        grid.add(imagesPath, 0, 7, 2, 1);
        grid.add(browse(imagesPath, true, "New or empty folder"), 2, 7);
        Label hint = new Label(versions.isEmpty() ? "No model yet: label some images first to export one."
                : "A model file (.zip) predicts with `loupe predict` and can start a new project. An ONNX file runs in"
                + " ONNX Runtime (Python, JavaScript, Java, …); its model card, written beside it, says how to feed it.");
        hint.getStyleClass().add("hint");
        hint.setWrapText(true);
        grid.add(hint, 0, 8, 3, 1);
        GridPane.setHgrow(modelPath, Priority.ALWAYS);
        grid.setPrefWidth(560);
        getDialogPane().setContent(grid);

        ButtonType export = new ButtonType("Export", ButtonBar.ButtonData.OK_DONE);
        getDialogPane().getButtonTypes().addAll(export, ButtonType.CANCEL);
        getDialogPane().lookupButton(export).disableProperty().bind(
                model.selectedProperty().or(onnx.selectedProperty()).or(labels.selectedProperty())
                        .or(images.selectedProperty()).not());
        setResultConverter(b -> b == export ? request() : null);
    }

    private Button browse(TextField field, boolean folder, String title, String... extensions) {
        Button b = new Button("Browse…");
        b.disableProperty().bind(field.disabledProperty());
        b.setOnAction(e -> {
            File start = Path.of(field.getText()).toAbsolutePath().getParent().toFile();
            File chosen;
            if (folder) {
                DirectoryChooser c = new DirectoryChooser();
                c.setTitle(title);
                c.setInitialDirectory(start.isDirectory() ? start : null);
                chosen = c.showDialog(getOwner());
            } else {
                FileChooser c = new FileChooser();
                c.setTitle(title);
                c.setInitialDirectory(start.isDirectory() ? start : null);
                c.setInitialFileName(Path.of(field.getText()).getFileName().toString());
                c.getExtensionFilters().add(new FileChooser.ExtensionFilter(title, extensions));
                chosen = c.showSaveDialog(getOwner());
            }
            if (chosen != null) {
                field.setText(chosen.getAbsolutePath());
            }
        });
        return b;
    }

    /** What the dialog asks for as it stands. */
    public ExportJob.Request request() {
        ModelVersion v = version.getValue();
        boolean anyModel = model.isSelected() || onnx.isSelected();
        return new ExportJob.Request(
                model.isSelected() ? path(modelPath) : null, onnx.isSelected() ? path(onnxPath) : null,
                anyModel && v != null ? v.id() : null,
                labels.isSelected() ? path(labelsPath) : null,
                images.isSelected() ? path(imagesPath) : null);
    }

    private static Path path(TextField f) {
        String t = f.getText().strip();
        return t.isEmpty() ? null : Path.of(t).toAbsolutePath().normalize();
    }

    /** Fills the dialog as a user would (tests; the dialog needs not be shown). */
    public void choose(Long versionId, Path modelFile, Path onnxFile, Path labelsFile, Path imageFolder) {
        model.setSelected(modelFile != null);
        if (modelFile != null) {
            modelPath.setText(modelFile.toString());
        }
        onnx.setSelected(onnxFile != null);
        if (onnxFile != null) {
            onnxPath.setText(onnxFile.toString());
        }
        if (modelFile != null || onnxFile != null) {
            version.getItems().stream().filter(v -> versionId == null || v.id() == versionId).findFirst()
                    .ifPresent(version::setValue);
        }
        labels.setSelected(labelsFile != null);
        if (labelsFile != null) {
            labelsPath.setText(labelsFile.toString());
        }
        images.setSelected(imageFolder != null);
        if (imageFolder != null) {
            imagesPath.setText(imageFolder.toString());
        }
    }

    /** Shows what an export wrote and what failed. Not modal. */
    public static Alert showResult(Window owner, ExportJob.Result r) {
        Alert a = new Alert(r.failed().isEmpty() ? Alert.AlertType.INFORMATION : Alert.AlertType.WARNING);
        a.initOwner(owner);
        a.initModality(Modality.NONE);
        a.setTitle("Export");
        a.setHeaderText(r.failed().isEmpty() ? "Export finished" : r.written().isEmpty() ? "Export failed"
                : "Export partly failed");
        StringBuilder text = new StringBuilder();
        r.written().forEach(w -> text.append("Wrote ").append(w).append('\n'));
        r.failed().forEach(f -> text.append("Not written: ").append(f).append('\n'));
        Label body = new Label(text.toString().strip());
        body.setId("exportResult");
        body.setWrapText(true);
        body.setMaxWidth(520);
        a.getDialogPane().setContent(body);
        a.show();
        return a;
    }
}
