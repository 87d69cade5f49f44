package dev.loupe.importing.ui;

import dev.loupe.importing.ImportReport;
import dev.loupe.importing.SkippedFile;
import javafx.geometry.Insets;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.Modality;
import javafx.stage.Window;

import java.nio.file.Path;
import java.util.Optional;

/** The two dialogs around an import: its options before, its report after. */
public final class ImportDialogs {

    private ImportDialogs() {
    }

    /**
     * Asks whether the images' subfolder names are their labels; empty when the user cancels.
     *
     * @param hasSubfolders the initial choice: a folder of folders is most likely an ImageFolder tree
     */
    public static Optional<Boolean> askOptions(Window owner, Path folder, boolean hasSubfolders) {
        Dialog<Boolean> d = new Dialog<>();
        d.initOwner(owner);
        d.setTitle("Import folder");
        d.setHeaderText("Import the images in " + folder + "?");
        CheckBox labels = new CheckBox("Use subfolder names as labels");
        labels.setId("labelsFromSubfolders");
        labels.setSelected(hasSubfolders);
        Label hint = new Label("Images directly in the folder, or in folders named pool, unlabelled or unsorted, stay "
                + "unlabelled. Files already in the project are skipped; the images stay where they are.");
        hint.setWrapText(true);
        hint.getStyleClass().add("hint");
        VBox box = new VBox(10, labels, hint);
        box.setPrefWidth(440);
        d.getDialogPane().setContent(box);
        ButtonType go = new ButtonType("Import", ButtonBar.ButtonData.OK_DONE);
        d.getDialogPane().getButtonTypes().addAll(go, ButtonType.CANCEL);
        d.setResultConverter(b -> b == go ? labels.isSelected() : null);
        return d.showAndWait();
    }

    /** Shows what an import did: the counts, then every skipped file with its reason. Not modal. */
    public static Dialog<Void> showReport(Window owner, Path folder, ImportReport r) {
        Dialog<Void> d = new Dialog<>();
        d.initOwner(owner);
        d.initModality(Modality.NONE);
        d.setTitle("Import finished");
        d.setHeaderText((r.stopped() != null ? "Import stopped: " : r.cancelled() ? "Import cancelled: " : "Imported ")
                + r.imported() + " new image" + (r.imported() == 1 ? "" : "s") + " from " + folder.getFileName());
        Label counts = new Label(r.summary()
                + (r.labelled() > 0 ? "\n" + r.labelled() + " images labelled from their folder names." : ""));
        counts.setId("importCounts");
        counts.setWrapText(true);
        ListView<String> skipped = new ListView<>();
        skipped.setId("importSkipped");
        for (SkippedFile s : r.skipped()) {
            skipped.getItems().add(relative(folder, s.path()) + ": " + s.reason());
        }
        skipped.setPlaceholder(new Label("No file was skipped."));
        skipped.setPrefHeight(Math.min(260, 40 + 24 * r.skipped().size()));
        VBox.setVgrow(skipped, Priority.ALWAYS);
        VBox box = new VBox(8, counts, new Label("Skipped files:"), skipped);
        if (r.stopped() != null) {
            Label stopped = new Label(r.stopped());
            stopped.setId("importStopped");
            stopped.setWrapText(true);
            stopped.getStyleClass().add("import-stopped");
            box.getChildren().add(0, stopped);
        }
        box.setId("importReport");
        box.setPadding(new Insets(4));
        box.setPrefWidth(520);
        d.getDialogPane().setContent(box);
        d.getDialogPane().getButtonTypes().add(ButtonType.CLOSE);
        d.setResizable(true);
        d.show();
        return d;
    }

    private static String relative(Path folder, Path file) {
        Path f = file.toAbsolutePath().normalize();
        Path root = folder.toAbsolutePath().normalize();
        return f.startsWith(root) ? root.relativize(f).toString() : f.toString();
    }
}
