package dev.loupe.training.ui;

import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.labelling.ui.ProjectState;
import dev.loupe.project.ProjectStats;
import dev.loupe.training.Snapshot;
import dev.loupe.ui.ProgressJob;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Separator;
import javafx.geometry.Orientation;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;

/**
 * The status bar ({@code #status}): what the model is doing (updating…, version, step time), the running
 * import/embedding with a cancel button, label counts and prequential accuracy.
 */
public final class StatusBar extends HBox {

    private final ProjectModel model;
    private final Label training = new Label();
    private final Label counts = new Label();
    private final Label accuracy = new Label();
    private final Label estimate = new Label();
    private final javafx.scene.control.Tooltip estimateTip = new javafx.scene.control.Tooltip();

    private final Button showFirst = new Button("Show them first");

    /** What "Show them first" (offered after a drifted import) does: the window puts those images first in the queue. */
    public void setOnShowFirst(java.util.function.Consumer<java.util.List<Long>> action) {
        showFirst.setOnAction(e -> {
            java.util.List<Long> ids = model.showFirstProperty().get();
            model.clearShowFirst();
            action.accept(ids);
        });
    }

    public StatusBar(ProjectModel model) {
        super(10);
        this.model = model;
        setId("status");
        getStyleClass().add("status-bar");
        setAlignment(Pos.CENTER_LEFT);
        setPadding(new Insets(4, 8, 4, 8));
        training.setId("trainingState");
        counts.setId("labelCounts");
        accuracy.setId("accuracy");
        estimate.setId("accuracyEstimate");
        estimate.setTooltip(estimateTip);

        ProgressJob job = model.job();
        Label jobMessage = new Label();
        jobMessage.setId("jobMessage");
        jobMessage.textProperty().bind(job.messageProperty());
        ProgressBar progress = new ProgressBar();
        progress.setId("jobProgress");
        progress.setPrefWidth(160);
        progress.progressProperty().bind(job.progressProperty());
        Button cancel = new Button("Cancel");
        cancel.setId("jobCancel");
        cancel.setFocusTraversable(false);
        cancel.setOnAction(e -> job.cancel());
        HBox jobBox = new HBox(6, jobMessage, progress, cancel);
        jobBox.setAlignment(Pos.CENTER_LEFT);
        jobBox.visibleProperty().bind(job.runningProperty());
        jobBox.managedProperty().bind(job.runningProperty());

        Label notice = new Label();
        notice.setId("notice");
        notice.textProperty().bind(model.noticeProperty());
        showFirst.setId("showFirst");
        showFirst.setFocusTraversable(false);
        showFirst.visibleProperty().bind(Bindings.createBooleanBinding(() -> !model.showFirstProperty().get().isEmpty(),
                model.showFirstProperty()));
        showFirst.managedProperty().bind(showFirst.visibleProperty());
        // a long notice (the drift sentence) is cut, whole in its tooltip; the button and the counts keep their width
        notice.setMinWidth(0);
        HBox.setHgrow(notice, Priority.SOMETIMES);
        javafx.scene.control.Tooltip noticeTip = new javafx.scene.control.Tooltip();
        noticeTip.setWrapText(true);
        noticeTip.setMaxWidth(600);
        noticeTip.textProperty().bind(model.noticeProperty());
        notice.tooltipProperty().bind(Bindings.when(model.noticeProperty().isEmpty()).then((javafx.scene.control.Tooltip) null)
                .otherwise(noticeTip));
        for (javafx.scene.layout.Region r : java.util.List.of(showFirst, training, counts, estimate, accuracy)) {
            r.setMinWidth(Region.USE_PREF_SIZE);
        }
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        // a shared project's background sync: when it last synced, or that the server is unreachable (ADR 0034)
        Label team = new Label();
        team.setId("teamStatus");
        team.textProperty().bind(model.teamStatusProperty());
        team.visibleProperty().bind(model.teamStatusProperty().isNotEmpty());
        team.managedProperty().bind(team.visibleProperty());
        team.setMinWidth(Region.USE_PREF_SIZE);
        getChildren().addAll(training, sep(), jobBox, notice, showFirst, gap, team, counts, sep(), estimate, sep(), accuracy);

        training.textProperty().bind(Bindings.createStringBinding(this::trainingText,
                model.stateProperty(), model.labelsInFlightProperty(), model.job().runningProperty()));
        counts.textProperty().bind(Bindings.createStringBinding(this::countsText, model.stateProperty()));
        accuracy.textProperty().bind(Bindings.createStringBinding(this::accuracyText, model.stateProperty()));
        estimate.textProperty().bind(Bindings.createStringBinding(this::estimateText, model.stateProperty()));
        estimateTip.textProperty().bind(Bindings.createStringBinding(this::estimateTipText, model.stateProperty()));
    }

    private static Separator sep() {
        return new Separator(Orientation.VERTICAL);
    }

    private String trainingText() {
        ProjectState s = model.state();
        if (model.labelsInFlightProperty().get() > 0) {
            return "Model: updating…";
        }
        if (s == null) {
            return model.job().runningProperty().get() ? "Opening…" : "No project open";
        }
        Snapshot snap = s.snapshot();
        if (s.opening()) {
            return "Model: loading… (labels are saved now and learned once it is in)";
        }
        if (snap == null) {
            return "No model yet: add a class";
        }
        // Label count, not the trainer's step counter: that counter restarts with every session and would not
        // match the saved version ids the Evaluation tab and `loupe versions` list.
        return String.format("Model: %d labels learned · last step %.0f ms%s", snap.labelCount(),
                snap.stepMillis() + snap.rerankMillis(), snap.coldStart() ? " · showing a varied sample first" : "");
    }

    private String countsText() {
        ProjectState s = model.state();
        return s == null ? "" : String.format("%d of %d labelled", s.labels().size(), s.images().size());
    }

    private dev.loupe.evaluation.AccuracyEstimate currentEstimate() {
        ProjectState s = model.state();
        return s == null || s.snapshot() == null ? null : s.snapshot().estimate();
    }

    private String estimateText() {
        dev.loupe.evaluation.AccuracyEstimate a = currentEstimate();
        if (a == null) {
            return "";
        }
        String curve = !Double.isFinite(a.per100()) ? ""
                : a.flat() ? " · flattening" : String.format(" · %+.0f pts / 100 labels", 100 * a.per100());
        return "Unlabelled: ~" + a.percent() + " right" + curve;
    }

    private String estimateTipText() {
        dev.loupe.evaluation.AccuracyEstimate a = currentEstimate();
        return a == null ? "" : String.format("Estimated accuracy of the current model on the %,d unlabelled images, "
                + "from its calibrated confidence (see the Evaluation tab). %s", a.unlabelled(), a.hint());
    }

    private String accuracyText() {
        ProjectState s = model.state();
        if (s == null || s.stats().prequential().total() == 0) {
            return "Accuracy: no predictions checked yet";
        }
        ProjectStats.Accuracy all = s.stats().prequential();
        ProjectStats.Accuracy last = s.stats().prequentialLast50();
        return String.format("Prequential accuracy %.0f%% (last %d: %.0f%%)", 100 * all.rate(), last.total(), 100 * last.rate());
    }
}
