package dev.loupe.labelling.ui;

import dev.loupe.LoupeException;
import dev.loupe.importing.SampleProject;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.labelling.LabellingSession.LabelResult;
import dev.loupe.project.ProjectStore;
import dev.loupe.ranking.QueryStrategy;
import dev.loupe.training.Snapshot;
import dev.loupe.ui.DialogService;
import dev.loupe.ui.ProgressJob;
import dev.loupe.ui.SessionExecutor;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The open project as the views see it: one immutable {@link ProjectState} property, plus the actions a user can
 * take. Every action runs on the {@link SessionExecutor} thread (store and session are only touched there) and its
 * result comes back as a new state on the FX thread. Call its methods on the FX thread.
 */
public final class ProjectModel {

    private final SessionExecutor worker;
    private final DialogService dialogs;
    private final ReadOnlyObjectWrapper<ProjectState> state = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyIntegerWrapper labelsInFlight = new ReadOnlyIntegerWrapper();
    private final ReadOnlyStringWrapper notice = new ReadOnlyStringWrapper("");
    private final ProgressJob job;
    private final List<LongConsumer> restoreListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger fxStoreCalls = new AtomicInteger();
    private final AtomicReference<Probe> probe = new AtomicReference<>();
    private int generation;

    // Touched on the session thread only.
    private ProjectStore store;
    private LabellingSession session;
    private ImageIndex index;

    private record Probe(long imageId, Consumer<float[]> onFx) {
    }

    public ProjectModel(SessionExecutor worker, DialogService dialogs) {
        this.worker = worker;
        this.dialogs = dialogs;
        this.job = new ProgressJob(worker.fx());
    }

    // ---- properties ---------------------------------------------------------------------------------------

    /** The open project, null until one is open. */
    public ReadOnlyObjectProperty<ProjectState> stateProperty() {
        return state.getReadOnlyProperty();
    }

    public ProjectState state() {
        return state.get();
    }

    /** Labels given whose fine-tune step has not finished yet ("updating…"). */
    public ReadOnlyIntegerProperty labelsInFlightProperty() {
        return labelsInFlight.getReadOnlyProperty();
    }

    /** A short note for the status bar (e.g. "Nothing to undo."). */
    public ReadOnlyStringProperty noticeProperty() {
        return notice.getReadOnlyProperty();
    }

    /** The running import/embedding, if any. */
    public ProgressJob job() {
        return job;
    }

    /** Store calls that came from the FX thread (always 0 unless there is a bug; each one also failed). */
    public int storeCallsOnFxThread() {
        return fxStoreCalls.get();
    }

    /** Called with the image whose label an undo or redo changed, once the model is restored. */
    public void addRestoreListener(LongConsumer l) {
        restoreListeners.add(l);
    }

    // ---- opening ------------------------------------------------------------------------------------------

    /** Opens the sample project, importing {@code sample-images/} into it first if that has not been done. */
    public CompletableFuture<ProjectState> openSample() {
        Path images = SampleProject.locateImages().orElse(null);
        Path dir = SampleProject.projectDir();
        if (images == null && !java.nio.file.Files.isDirectory(dir)) {
            dialogs.showError("The sample images (sample-images/) were not found next to Loupe, so there is no sample "
                    + "project to open. Open a project folder instead (File → Open project…).", null);
            return CompletableFuture.completedFuture(null);
        }
        return open(dir, images);
    }

    /** Opens an existing project folder. */
    public CompletableFuture<ProjectState> open(Path dir) {
        return open(dir, null);
    }

    private CompletableFuture<ProjectState> open(Path dir, Path sampleImages) {
        int gen = ++generation;
        job.start("Opening " + dir.getFileName() + "…");
        notice.set("");
        CompletableFuture<ProjectState> f = worker.submit(() -> {
            closeCurrent();
            ProjectStore st = ProjectStore.open(dir, sampleImages != null);
            st.setAccessCheck(this::refuseFxThread);
            try {
                if (sampleImages != null && !SampleProject.isComplete(st)) {
                    SampleProject.importInto(st, sampleImages,
                            (done, total, current) -> job.update("Importing sample images " + done + " / " + total, done, total),
                            job::isCancelled);
                }
                LabellingSession s = LabellingSession.open(st, LabellingSession.Options.defaults()
                        .withPublishing(worker.fx(), snap -> onSnapshot(gen, snap), this::onTrainingError)
                        .withEmbedProgress((done, total) -> job.update("Computing embeddings " + done + " / " + total, done, total))
                        .withEmbedCancel(job::isCancelled));
                store = st;
                session = s;
                index = ImageIndex.of(st, s);
                return read();
            } catch (Exception | Error e) {
                st.close();
                throw e;
            }
        }, fresh -> {
            job.finish();
            state.set(fresh);
        });
        f.whenComplete((r, e) -> {
            if (e != null) {
                worker.fx().execute(job::finish);
            }
        });
        return f;
    }

    private void refuseFxThread() {
        if (Platform.isFxApplicationThread()) {
            fxStoreCalls.incrementAndGet();
            throw new IllegalStateException("Loupe bug: the project was used from the UI thread");
        }
    }

    /** What the store and session say now (session thread). */
    private ProjectState read() {
        return new ProjectState(store.dir(), index, session.latest(), session.columns(), store.classes(),
                store.currentLabels(), store.stats());
    }

    private void onSnapshot(int gen, Snapshot s) {
        ProjectState now = state.get();
        if (gen == generation && now != null && (now.snapshot() == null || s.modelVersion() > now.snapshot().modelVersion())) {
            state.set(now.withSnapshot(s));
        }
    }

    private void onTrainingError(Throwable t) {
        if (Platform.isFxApplicationThread()) {
            dialogs.showError("Training failed: " + DialogService.userMessage(t), t);
        } else {
            worker.fx().execute(() -> onTrainingError(t));
        }
    }

    private void closeCurrent() {
        if (session != null) {
            session.close();
            session = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
    }

    /** Saves and closes the project; completes on the session thread. */
    public CompletableFuture<Void> close() {
        generation++;
        if (job.runningProperty().get()) {
            job.cancel(); // an import or embedding stops at its next batch; what it did so far is kept
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        worker.submit(() -> {
            closeCurrent();
            done.complete(null);
            return null;
        }, x -> { }).whenComplete((r, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private void refreshWith(ProjectState fresh) {
        ProjectState now = state.get();
        state.set(now == null ? fresh : now.refreshedBy(fresh));
    }

    // ---- labelling ----------------------------------------------------------------------------------------

    /** Labels an image; the label is durable once the state shows it, the model step follows ("updating…"). */
    public void label(long imageId, long classId) {
        learn(() -> session.label(imageId, classId));
    }

    public void unlabel(long imageId) {
        learn(() -> session.unlabel(imageId));
    }

    private void learn(java.util.function.Supplier<CompletableFuture<LabelResult>> change) {
        labelsInFlight.set(labelsInFlight.get() + 1);
        notice.set("");
        AtomicInteger owed = new AtomicInteger(1); // decremented exactly once: by the step, or by a failure before it
        Runnable settle = () -> worker.fx().execute(() -> {
            if (owed.getAndSet(0) == 1) {
                labelsInFlight.set(labelsInFlight.get() - 1);
            }
        });
        worker.submit(() -> {
            change.get().whenComplete((r, e) -> {
                settle.run();
                if (e != null) {
                    worker.fx().execute(() -> dialogs.showError("Training failed: " + DialogService.userMessage(e), e));
                }
            });
            return read();
        }, this::refreshWith).whenComplete((r, e) -> {
            if (e != null) {
                settle.run();
            }
        });
    }

    public void undo() {
        restore(true);
    }

    public void redo() {
        restore(false);
    }

    private void restore(boolean undo) {
        notice.set("");
        record Restored(ProjectState state, Long imageId) {
        }
        worker.submit(() -> {
            if (session == null || !(undo ? session.canUndo() : session.canRedo())) {
                return new Restored(null, null);
            }
            LabelResult r = (undo ? session.undo() : session.redo()).join();
            return new Restored(read(), r.event() == null ? null : r.event().imageId());
        }, r -> {
            if (r.state() == null) {
                notice.set(undo ? "Nothing to undo." : "Nothing to redo.");
                return;
            }
            refreshWith(r.state());
            notice.set(undo ? "Undone." : "Redone.");
            if (r.imageId() != null) {
                restoreListeners.forEach(l -> l.accept(r.imageId()));
            }
        });
    }

    // ---- classes --------------------------------------------------------------------------------------------

    /** Adds a class; null colour or hotkey are chosen automatically. */
    public CompletableFuture<ProjectState> addClass(String name, String colour, Character hotkey) {
        return worker.submit(() -> {
            session.addClass(name, colour, hotkey);
            return read();
        }, this::refreshWith);
    }

    public void renameClass(long classId, String newName) {
        worker.submit(() -> {
            session.renameClass(classId, newName);
            return read();
        }, this::refreshWith);
    }

    public void mergeClass(long fromId, long intoId) {
        worker.submit(() -> {
            session.mergeClass(fromId, intoId);
            return read();
        }, this::refreshWith);
    }

    public void deleteClass(long classId) {
        worker.submit(() -> {
            session.deleteClass(classId);
            return read();
        }, this::refreshWith);
    }

    // ---- model ----------------------------------------------------------------------------------------------

    public void setStrategy(QueryStrategy strategy) {
        worker.submit(() -> {
            if (session == null) {
                throw new LoupeException("No project is open.");
            }
            session.setStrategy(strategy);
            return read();
        }, this::refreshWith);
    }

    /**
     * Asks for the class probabilities of one image (one per column of the state), delivered on the FX thread.
     * Requests made while one is queued replace it: only the latest selection is scored.
     */
    public void probabilities(long imageId, Consumer<float[]> onFx) {
        if (probe.getAndSet(new Probe(imageId, onFx)) != null) {
            return;
        }
        record Scored(Probe probe, float[] p) {
        }
        worker.submit(() -> {
            Probe p = probe.getAndSet(null);
            return new Scored(p, session == null || index.rowOf(p.imageId()) < 0 ? new float[0] : session.probabilities(p.imageId()));
        }, s -> s.probe().onFx().accept(s.p()));
    }
}
