package dev.loupe.evaluation.ui;

import dev.loupe.evaluation.Evaluation;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.labelling.ui.ProjectModel;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.Snapshot;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;

import java.util.List;

/**
 * The evaluation of the open project, recomputed on the session thread while the tab is shown: on showing it and
 * after every new state (label, model step), at most one computation queued at a time.
 */
public final class EvaluationModel {

    private final ProjectModel project;
    private final ReadOnlyObjectWrapper<Evaluation> evaluation = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<dev.loupe.team.ProjectAgreement> agreement = new ReadOnlyObjectWrapper<>();
    private boolean shown;
    private boolean running;
    private boolean again;

    public EvaluationModel(ProjectModel project) {
        this.project = project;
        project.stateProperty().addListener((o, old, now) -> {
            if (now == null) {
                evaluation.set(null);
                agreement.set(null);
            } else if (shown) {
                refresh();
            }
        });
    }

    /** The latest evaluation; null while none is computed or no project is open. */
    public ReadOnlyObjectProperty<Evaluation> evaluationProperty() {
        return evaluation.getReadOnlyProperty();
    }

    /** Agreement between the project's annotators (a team project, or labels given under several names); null: none yet. */
    public ReadOnlyObjectProperty<dev.loupe.team.ProjectAgreement> agreementProperty() {
        return agreement.getReadOnlyProperty();
    }

    /** The view tells whether it is on screen; only then is it kept up to date. */
    public void setShown(boolean on) {
        shown = on;
        if (on) {
            refresh();
        }
    }

    /** Recomputes now (or right after the computation in flight). */
    public void refresh() {
        if (project.state() == null) {
            return;
        }
        if (running) {
            again = true;
            return;
        }
        running = true;
        record Both(Evaluation evaluation, dev.loupe.team.ProjectAgreement agreement) {
        }
        project.withProject((store, session) -> {
            List<dev.loupe.project.JournalEntry> journal = store.journal(); // read once for both
            return new Both(compute(store, session, journal), dev.loupe.team.ProjectAgreement.of(store, journal));
        }, b -> {
            evaluation.set(b.evaluation());
            agreement.set(b.agreement());
            done();
        }).whenComplete((r, t) -> {
            if (t != null) {
                Platform.runLater(this::done); // the dialog service has reported it
            }
        });
    }

    private void done() {
        running = false;
        if (again) {
            again = false;
            refresh();
        }
    }

    /** Session thread: the numbers, with the predictions of the newest snapshot. */
    static Evaluation compute(ProjectStore store, LabellingSession session, List<dev.loupe.project.JournalEntry> journal) {
        Snapshot snap = session.latest();
        List<Long> columns = session.columns();
        long[] ids = store.images().stream().mapToLong(r -> r.id()).toArray();
        List<Evaluation.EstimatePoint> estimates = new java.util.ArrayList<>();
        if (snap != null) {
            dev.loupe.training.EstimateHistory h = snap.headState().estimateHistory();
            for (int i = 0; i < h.size(); i++) {
                estimates.add(new Evaluation.EstimatePoint(h.labels(i), h.estimate(i)));
            }
        }
        return Evaluation.of(journal, store.currentLabels(), store.classes(), ids, id -> {
            int row = session.rowOf(id);
            if (snap == null || row < 0 || row >= snap.rowCount() || snap.activeClassCount() == 0) {
                return null;
            }
            int col = snap.predictedClass(row);
            return col < 0 || col >= columns.size() ? null : columns.get(col);
        }, store.modelVersions(), snap == null ? null : snap.estimate(), estimates);
    }

}
