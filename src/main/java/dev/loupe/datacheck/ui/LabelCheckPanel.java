package dev.loupe.datacheck.ui;

import dev.loupe.datacheck.MislabelJob;
import dev.loupe.datacheck.MislabelOptions;
import dev.loupe.datacheck.MislabelReport;
import dev.loupe.datacheck.MislabelReview;
import dev.loupe.datacheck.Suspect;
import dev.loupe.gallery.GalleryFilter;
import dev.loupe.gallery.ui.GalleryModel;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.project.LabelCheckMark;
import dev.loupe.ui.DialogService;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * "Check my labels" (ADR 0026): runs the label check in the background (progress, cancel), lists the likely
 * mislabelled images with their label, the suggested class and why, and shows them in the gallery. Keys on the list:
 * A accepts the suggestion (a relabel through the journal; Edit ▸ Undo takes it back), K keeps the label and marks it
 * checked, Ctrl/Cmd+Z undoes the last of the two.
 */
public final class LabelCheckPanel extends VBox {
    private final ProjectModel project;
    private final GalleryModel gallery;
    private final DialogService dialogs;
    private final Button run = new Button("Check my labels");
    private final Button cancel = new Button("Cancel");
    private final ProgressBar progress = new ProgressBar(0);
    private final Label status = new Label("Finds labels that are likely wrong: each label is judged by a model that never saw it.");
    private final ListView<Suspect> list = new ListView<>();
    private final Deque<Done> undo = new ArrayDeque<>();
    private MislabelReview.Snapshot snapshot;
    private MislabelJob job;
    private final javafx.beans.property.BooleanProperty busy = new javafx.beans.property.SimpleBooleanProperty();

    /** What a key did, for its undo: the suspect, and the check mark of a keep (null for an accept). */
    private record Done(Suspect suspect, int index, LabelCheckMark mark) {}

    public LabelCheckPanel(ProjectModel project, GalleryModel gallery, DialogService dialogs) {
        this.project = project;
        this.gallery = gallery;
        this.dialogs = dialogs;
        setId("labelCheckPanel");
        run.setId("checkLabels");
        cancel.setId("cancelLabelCheck");
        list.setId("suspects");
        progress.setId("labelCheckProgress");
        status.setId("labelCheckStatus");
        status.setWrapText(true);
        cancel.setDisable(true);
        progress.setVisible(false);
        progress.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(progress, Priority.ALWAYS);
        run.setOnAction(e -> start());
        cancel.setOnAction(e -> { if (job != null) job.cancel(); });
        run.disableProperty().bind(project.stateProperty().isNull().or(busy));
        list.setCellFactory(v -> new SuspectCell());
        list.getSelectionModel().selectedItemProperty().addListener((o, was, now) -> {
            if (now != null) gallery.select(now.imageId());
        });
        list.addEventFilter(KeyEvent.KEY_PRESSED, this::onKey);
        VBox.setVgrow(list, Priority.ALWAYS);
        Label keys = new Label("A: accept the suggestion   K: keep the label (checked)   Ctrl+Z: undo");
        setSpacing(8);
        setPadding(new Insets(8));
        getChildren().addAll(new HBox(8, run, cancel, progress), status, list, keys);
        project.stateProperty().addListener((o, was, now) -> {
            if (now == null || was != null && !was.dir().equals(now.dir())) clear();
        });
    }

    /** Starts a check of the open project's labels (a snapshot read on the session thread, then a background job). */
    public void start() {
        if (busy.get()) return;
        busy.set(true);
        status.setText("Reading the labels…");
        project.withProject((store, session) -> MislabelReview.snapshot(store, session.backbone().id()), snap -> {
            snapshot = snap;
            progress.setVisible(true);
            progress.setProgress(0);
            cancel.setDisable(false);
            try {
                job = MislabelJob.start(snap.input(), MislabelOptions.DEFAULTS, Platform::runLater, (done, total, what) -> {
                    progress.setProgress(total == 0 ? 1 : done / (double) total);
                    status.setText(what + "…");
                });
            } catch (RuntimeException ex) {
                finished();
                throw ex;
            }
            job.result().whenComplete((report, t) -> Platform.runLater(() -> onResult(snap, report, t)));
        }).whenComplete((r, t) -> {
            if (t != null) Platform.runLater(this::finished);
        });
    }

    private void onResult(MislabelReview.Snapshot snap, MislabelReport report, Throwable t) {
        finished();
        if (t != null) {
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof CancellationException) {
                status.setText("Check cancelled.");
            } else if (cause instanceof IllegalArgumentException) {
                status.setText("Not enough labels to check yet: " + dev.loupe.Faults.describe(cause) + ".");
            } else {
                dialogs.showError("The label check failed: " + DialogService.userMessage(cause), cause);
            }
            return;
        }
        // Labels the user checked since the snapshot are left out too.
        project.withProject((store, session) -> MislabelReview.withoutChecked(store, snap, report), r -> show(r));
    }

    private void show(MislabelReport r) {
        undo.clear();
        list.getItems().setAll(r.suspects());
        status.setText(r.suspects().isEmpty() ? "No likely mislabels among " + r.checked() + " labelled images."
                : r.suspects().size() + " likely mislabels among " + r.checked() + " labelled images, most likely first.");
        gallery.setSuspects(r.suspects().stream().mapToLong(Suspect::imageId).toArray());
        gallery.setFilter(GalleryFilter.SUSPECTS);
        if (!list.getItems().isEmpty()) {
            list.getSelectionModel().select(0);
            list.requestFocus();
        }
    }

    private void finished() {
        progress.setVisible(false);
        cancel.setDisable(true);
        busy.set(false);
    }

    private void clear() {
        if (job != null) job.cancel();
        snapshot = null;
        undo.clear();
        list.getItems().clear();
        gallery.setSuspects(new long[0]);
    }

    private void onKey(KeyEvent e) {
        Suspect s = list.getSelectionModel().getSelectedItem();
        int i = list.getSelectionModel().getSelectedIndex();
        if (e.getCode() == KeyCode.Z && e.isShortcutDown()) {
            undoLast();
        } else if (s != null && e.getCode() == KeyCode.A && !e.isShortcutDown()) {
            accept(s, i);
        } else if (s != null && e.getCode() == KeyCode.K && !e.isShortcutDown()) {
            keep(s, i);
        } else {
            return;
        }
        e.consume();
    }

    /** Relabels the image to the suggestion, through the normal labelling path (journal, model, undo). */
    public void accept(Suspect s, int index) {
        if (snapshot == null || !project.label(s.imageId(), snapshot.suggestedClassId(s))) return;
        undo.push(new Done(s, index, null));
        removeAt(index);
    }

    /** Keeps the label and marks it checked (it leaves the list until the image is relabelled). */
    public void keep(Suspect s, int index) {
        project.withProject((store, session) -> MislabelReview.keep(store, s.imageId()), mark -> {
            undo.push(new Done(s, index, mark));
            removeAt(list.getItems().indexOf(s));
        });
    }

    /** Takes back the last accept (the label's undo) or keep (the check mark's undo), and lists the image again. */
    public void undoLast() {
        Done d = undo.poll();
        if (d == null) {
            project.undo();
            return;
        }
        if (d.mark() == null) {
            project.undo();
            reinsert(d);
        } else {
            project.withProject((store, session) -> MislabelReview.undoKeep(store, d.mark()), m -> reinsert(d));
        }
    }

    private void reinsert(Done d) {
        int at = Math.min(d.index(), list.getItems().size());
        list.getItems().add(at, d.suspect());
        list.getSelectionModel().select(at);
        gallery.setSuspects(list.getItems().stream().mapToLong(Suspect::imageId).toArray());
    }

    private void removeAt(int index) {
        if (index < 0) return;
        list.getItems().remove(index);
        gallery.setSuspects(list.getItems().stream().mapToLong(Suspect::imageId).toArray());
        if (!list.getItems().isEmpty()) list.getSelectionModel().select(Math.min(index, list.getItems().size() - 1));
    }

    public ListView<Suspect> suspects() { return list; }

    private final class SuspectCell extends ListCell<Suspect> {
        @Override
        protected void updateItem(Suspect s, boolean empty) {
            super.updateItem(s, empty);
            if (empty || s == null || snapshot == null) {
                setText(null);
                return;
            }
            var names = snapshot.input().classNames();
            setText(names.get(s.givenClass()) + " → " + names.get(s.suggestedClass()) + "\n" + s.why());
            setWrapText(true);
            setPrefWidth(0);
        }
    }
}
