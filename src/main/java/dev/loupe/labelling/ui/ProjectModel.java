package dev.loupe.labelling.ui;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.backbone.catalog.CatalogEntry;
import dev.loupe.backbone.catalog.Downloader;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.catalog.CatalogModels;
import dev.loupe.export.ProjectFromModel;
import dev.loupe.importing.ImportOptions;
import dev.loupe.datacheck.DriftReport;
import dev.loupe.datacheck.DriftTest;
import dev.loupe.datacheck.ProjectDrift;
import dev.loupe.importing.ImportReport;
import dev.loupe.importing.MissingImages;
import dev.loupe.importing.SampleProject;
import dev.loupe.importing.StoreImportSink;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.labelling.LabellingSession.LabelResult;
import dev.loupe.project.ImageStatus;
import dev.loupe.project.ProjectFolders;
import dev.loupe.project.ProjectStore;
import dev.loupe.project.RecentProjects;
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
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProjectModel.class);

    private final SessionExecutor worker;
    private final DialogService dialogs;
    private final ReadOnlyObjectWrapper<ProjectState> state = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyIntegerWrapper labelsInFlight = new ReadOnlyIntegerWrapper();
    private final ReadOnlyStringWrapper notice = new ReadOnlyStringWrapper("");
    /** The last drifted import's images, most unlike the project first; empty when there is nothing to offer. */
    private final javafx.beans.property.ReadOnlyObjectWrapper<List<Long>> showFirst =
            new javafx.beans.property.ReadOnlyObjectWrapper<>(List.of());
    private final ReadOnlyStringWrapper readOnly = new ReadOnlyStringWrapper("");
    /** Asks every {@link #SPACE_CHECK_SECONDS} s, while the project is read-only, whether it can be written again. */
    private ScheduledExecutorService spaceCheck;
    private boolean checkPending;
    private final ProgressJob job;
    private final List<LongConsumer> restoreListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger fxStoreCalls = new AtomicInteger();
    private final AtomicReference<Probe> probe = new AtomicReference<>();
    private int generation;
    // FX thread: the generation whose session the shown state belongs to, and a snapshot of the current generation
    // that arrived before its state was shown (a reopened session publishes while its first state is on its way).
    private int shownGeneration = -1;
    private Snapshot pendingSnapshot;
    private int pendingGeneration = -1;
    // FX thread: the generation whose session is still opening (its store's images shown), what waits for that session,
    // and the open whose session is open but whose first ranking has not come yet.
    private int openingGeneration = -1;
    private final List<Runnable> waitingForSession = new java.util.ArrayList<>();
    private CompletableFuture<ProjectState> awaitingRanking;
    private int labelsAccepted;
    private final RecentProjects recent = new RecentProjects(SampleProject.home().resolve("recent.txt"));
    private final ReadOnlyObjectWrapper<List<Path>> recentProjects = new ReadOnlyObjectWrapper<>(List.of());

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
        worker.setFailureHandler(this::onWriteFailure);
        loadRecent();
    }

    // ---- a full or read-only disk (docs/adr/0025-faults.md) ----------------------------------------------------

    static final int SPACE_CHECK_SECONDS = 2;
    /** Less than this free, the project stays read-only even when a tiny write goes through. */
    private static final long ROOM_NEEDED = 1 << 20;

    /**
     * Why the project is read-only for now (its disk is full, or it cannot be written), "" while it can be written. The
     * main window shows it in a banner; nothing that writes is attempted meanwhile, and once a write goes through
     * again the banner goes and labelling carries on, without reopening anything.
     */
    public ReadOnlyStringProperty readOnlyProperty() {
        return readOnly.getReadOnlyProperty();
    }

    /** Takes a full or read-only disk off the dialogs (one per attempt) and into the banner. FX thread. */
    private boolean onWriteFailure(Throwable t) {
        if (!(Faults.isDiskFull(t) || Faults.isReadOnly(t))) {
            return false;
        }
        enterReadOnly(DialogService.userMessage(t));
        return true;
    }

    private void enterReadOnly(String why) {
        readOnly.set(why + " Until then the project stays open read-only; Loupe carries on by itself once it can write "
                + "again.");
        if (spaceCheck == null) {
            spaceCheck = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread th = new Thread(r, "loupe-space-check");
                th.setDaemon(true);
                return th;
            });
            spaceCheck.scheduleWithFixedDelay(() -> worker.fx().execute(this::checkWritable), SPACE_CHECK_SECONDS,
                    SPACE_CHECK_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** One real write on the session thread: when it goes through (and there is room), the banner goes. FX thread. */
    private void checkWritable() {
        if (checkPending || readOnly.get().isEmpty()) {
            return;
        }
        checkPending = true;
        worker.submit(() -> {
            if (store == null) {
                return true; // nothing open any more: nothing to be read-only about
            }
            long free = Faults.usableSpace(store.dir());
            if (free >= 0 && free < ROOM_NEEDED) {
                return false;
            }
            try {
                store.probeWrite();
                return true;
            } catch (LoupeException e) {
                return false;
            }
        }, writable -> {
            checkPending = false;
            if (writable) {
                writableAgain();
            }
        }).whenComplete((r, e) -> {
            if (e != null) {
                worker.fx().execute(() -> checkPending = false);
            }
        });
    }

    private void writableAgain() {
        stopSpaceCheck();
        notice.set("The project can be written again: carry on.");
    }

    private void stopSpaceCheck() {
        readOnly.set("");
        if (spaceCheck != null) {
            spaceCheck.shutdownNow();
            spaceCheck = null;
        }
    }

    /** Whether a write must wait for the disk (the banner says why); says so in the status bar. FX thread. */
    private boolean refusedWhileReadOnly() {
        if (readOnly.get().isEmpty()) {
            return false;
        }
        notice.set("Not saved: the project is read-only until its disk can be written again (see the banner).");
        return true;
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
    /**
     * The images of the last import whose drift check fired, most unlike the project first (what "Show them first"
     * puts at the head of the queue); empty otherwise. Cleared by the next import or project.
     */
    public javafx.beans.property.ReadOnlyObjectProperty<List<Long>> showFirstProperty() {
        return showFirst.getReadOnlyProperty();
    }

    /** The "Show them first" offer was taken or dismissed. */
    public void clearShowFirst() {
        showFirst.set(List.of());
    }

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

    /**
     * Creates a project at {@code dir} (a new or empty folder) and opens it; with {@code modelFile}, the project
     * starts from that exported model: its base model, classes and head (ProjectFromModel).
     */
    public CompletableFuture<ProjectState> create(Path dir, Path modelFile) {
        return open(dir, null, () -> {
            if (modelFile != null) {
                ProjectFromModel.create(dir, modelFile);
            } else {
                ProjectFolders.requireNew(dir);
                ProjectStore.open(dir, true).close();
            }
        });
    }

    /**
     * Creates an empty project whose base model is {@code backboneFile} (a backbone zip from
     * {@code loupe train-backbone}, or a Keras .h5 with its {@code #layer}), copied into the project, and opens it.
     * A file Loupe cannot use as a base model is refused with the reason, and no project is left behind.
     */
    public CompletableFuture<ProjectState> createWithBaseModel(Path dir, Path backboneFile) {
        return open(dir, null, () -> ProjectBackbone.createProject(dir, backboneFile.toString()));
    }

    /**
     * Creates an empty project on a catalog model and opens it. Its files are downloaded into the user's cache first
     * when missing, on a thread of their own with progress and Cancel in the status bar, while the current project
     * stays open; a failure (offline, a refused file, a cancel) is shown with what to do, and no project is made.
     */
    public CompletableFuture<ProjectState> createFromCatalog(Path dir, CatalogEntry entry) {
        CompletableFuture<ProjectState> result = new CompletableFuture<>();
        if (job.runningProperty().get()) {
            dialogs.showError("Another import or opening is still running; wait for it or cancel it first.", null);
            result.complete(null);
            return result;
        }
        job.start("Downloading " + entry.title() + "…");
        Thread download = new Thread(() -> {
            try {
                ProjectFolders.requireNew(dir);
                CatalogModels.Fetched fetched = CatalogModels.standard().fetch(entry,
                        (file, done, total) -> job.update(Downloader.progressText(file, done, total), (int) (done >> 10),
                                (int) (total >> 10)),
                        job::isCancelled);
                worker.fx().execute(() -> {
                    job.finish();
                    open(dir, null, () -> ProjectBackbone.createOnnxProject(dir, fetched.imageModel(), fetched.options(), true))
                            .whenComplete((state, e) -> {
                                if (e != null) {
                                    result.completeExceptionally(e);
                                } else {
                                    result.complete(state);
                                }
                            });
                });
            } catch (BackboneException | RuntimeException e) {
                worker.fx().execute(() -> {
                    job.finish();
                    // A download's failure is the user's to act on (the message says how), not a bug: no stack trace.
                    dialogs.showError(DialogService.userMessage(e), e instanceof BackboneException ? null : e);
                    result.completeExceptionally(e);
                });
            }
        }, "loupe-download");
        download.setDaemon(true);
        download.start();
        return result;
    }

    /** The store's state shown while the session opens, and what starts once it is shown (FX thread). */
    private record FirstScreen(ProjectState state, Runnable then) {
    }

    /** Work done on the session thread after the current project is closed and before the next one opens. */
    @FunctionalInterface
    private interface Prepare {
        void run() throws Exception;
    }

    private CompletableFuture<ProjectState> open(Path dir, Path sampleImages) {
        return open(dir, sampleImages, () -> { });
    }

    /**
     * Opens a project in two steps (docs/adr/0031-big-project-open.md). On the session thread the store is opened and
     * its images are shown at once in stored order (an {@link ProjectState#opening() opening} state) while the base
     * model loads on a thread of its own; labels given meanwhile go to the journal at once. Then, on the session thread
     * again, the session opens on that model (embeddings, trainer) and its state replaces the first one once the
     * trainer's first ranking is in; the missing-file check follows. The future completes with that full state.
     */
    private CompletableFuture<ProjectState> open(Path dir, Path sampleImages, Prepare prepare) {
        int gen = ++generation;
        stopAutoSync(); // it belongs to the project being closed
        shared.set(false);
        job.start("Opening " + dir.getFileName() + "…");
        notice.set("");
        showFirst.set(List.of());
        stopSpaceCheck(); // a read-only state belonged to the project being closed
        state.set(null); // the old project is closed first: nothing of it may be acted on meanwhile
        dropWaiting();
        CompletableFuture<ProjectState> result = new CompletableFuture<>();
        worker.submit(() -> {
            dev.loupe.Stamps.once("open begins");
            closeCurrent(); // releases the previous project's lock before anything else happens
            prepare.run();
            // SQLite's whole-file check runs right after the first screen, before any write (labels queue behind it)
            ProjectStore st = ProjectStore.openCheckingLater(dir, sampleImages != null);
            boolean checked = false;
            st.setAccessCheck(this::refuseFxThread);
            dev.loupe.Stamps.once("store open");
            try {
                if (sampleImages != null) { // the sample project may be written to at once
                    st.checkIntegrity();
                    checked = true;
                }
                if (sampleImages != null && !SampleProject.isComplete(st)) {
                    SampleProject.importInto(st, sampleImages,
                            (done, total, current) -> job.update("Importing sample images " + done + " / " + total, done, total),
                            job::isCancelled);
                }
                if (sampleImages != null && !MissingImages.lost(st).isEmpty()) {
                    // Loupe knows where its own sample images are: after a reinstall or a moved checkout they are found
                    // again by content, with no dialog (the user's labels in the sample project stay).
                    MissingImages.locate(st, sampleImages,
                            (done, total, current) -> job.update("Finding the sample images again " + done + " / " + total,
                                    done, total),
                            job::isCancelled);
                }
                java.util.function.Supplier<dev.loupe.backbone.Backbone> loader = ProjectBackbone.loader(st);
                store = st;
                index = ImageIndex.browse(st);
                dev.loupe.Stamps.once("image list read");
                ProjectState browse = read();
                dev.loupe.Stamps.once("store state read");
                Thread load = new Thread(() -> {
                    dev.loupe.backbone.Backbone backbone = null;
                    Throwable failure = null;
                    try {
                        backbone = loader.get();
                    } catch (RuntimeException | Error e) {
                        failure = e;
                    }
                    dev.loupe.backbone.Backbone loaded = backbone;
                    Throwable failed = failure;
                    record Ready(ProjectState state, boolean ranks) {
                    }
                    worker.submit(() -> {
                        LabellingSession s = openSession(gen, st, loaded, failed);
                        return s == null ? null : new Ready(read(), s.ranks());
                    }, ready -> {
                        if (ready == null) {
                            result.complete(null); // closed or replaced meanwhile
                        } else {
                            sessionOpened(gen, ready.state(), ready.ranks(), result);
                        }
                    }).whenComplete((r, e) -> {
                        if (e != null) {
                            worker.fx().execute(() -> openFailed(gen, e, result));
                        }
                    });
                }, "loupe-open");
                load.setDaemon(true);
                boolean checkLater = !checked;
                Runnable afterFirstScreen = () -> { // FX thread, once the store's images are shown
                    load.start();
                    if (checkLater) {
                        worker.submit(() -> {
                            if (store == st) {
                                try {
                                    st.checkIntegrity();
                                    dev.loupe.Stamps.once("store checked");
                                } catch (RuntimeException e) {
                                    closeCurrent(); // damaged: nothing is written to it; the session step finds it closed
                                    index = null;
                                    throw e;
                                }
                            }
                            return null;
                        }, x -> { }).whenComplete((r, e) -> {
                            if (e != null) {
                                worker.fx().execute(() -> openFailed(gen, e, result));
                            }
                        });
                    }
                };
                List<Path> recentNow = recent.add(st.dir());
                worker.fx().execute(() -> recentProjects.set(recentNow));
                return new FirstScreen(browse, afterFirstScreen);
            } catch (Exception | Error e) {
                if (store == st) {
                    store = null;
                    index = null;
                }
                st.close();
                throw e;
            }
        }, first -> {
            if (gen == generation) {
                openingGeneration = gen;
                state.set(first.state());
                job.update("Opening " + dir.getFileName() + ": browse and label, the model follows…", 0, 0);
                dev.loupe.Stamps.once("gallery items shown");
            }
            // The base model and the whole-file check start only now: on a machine with few cores they took the CPU
            // the first frame needed (ADR 0031). The check is queued before any label can be given on this state.
            first.then().run();
        }).whenComplete((r, e) -> {
            if (e != null) {
                worker.fx().execute(() -> openFailed(gen, e, result));
            }
        });
        return result;
    }

    /**
     * The second step of opening, on the session thread: the session on the loaded base model. Null when the project
     * was closed or replaced meanwhile (the model is closed then); on failure the project is closed.
     */
    private LabellingSession openSession(int gen, ProjectStore st, dev.loupe.backbone.Backbone backbone, Throwable failed)
            throws Exception {
        if (store != st || session != null) {
            if (backbone != null) {
                backbone.close();
            }
            return null;
        }
        try {
            if (failed instanceof Exception ex) {
                throw ex;
            } else if (failed != null) {
                throw (Error) failed;
            }
            dev.loupe.Stamps.once("base model loaded");
            LabellingSession s = LabellingSession.openOn(st, backbone, sessionOptions(gen), false);
            session = s;
            index = index.rowsOf(s);
            dev.loupe.Stamps.once("session open");
            return s;
        } catch (Exception | Error e) {
            closeCurrent();
            index = null;
            throw e;
        }
    }

    /** FX thread: the session of generation {@code gen} is open; it is shown once its first ranking is in. */
    private void sessionOpened(int gen, ProjectState ready, boolean ranks, CompletableFuture<ProjectState> result) {
        if (gen != generation) {
            result.complete(null);
            return;
        }
        if (ranks && ready.snapshot() == null) {
            awaitingRanking = result;
            if (pendingSnapshot != null && pendingGeneration == gen) {
                showRanked(gen);
            }
            return;
        }
        finishOpen(gen, ready, result);
    }

    /** FX thread: the first ranking of generation {@code gen} arrived; show the session's state as it is now. */
    private void showRanked(int gen) {
        CompletableFuture<ProjectState> result = awaitingRanking;
        awaitingRanking = null;
        worker.submit(() -> store == null || session == null ? null : read(), fresh -> {
            if (fresh == null || gen != generation) {
                result.complete(null);
            } else {
                finishOpen(gen, fresh, result);
            }
        }).whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            }
        });
    }

    /** FX thread: shows the opened session's state, runs what waited for it, then checks for missing files. */
    private void finishOpen(int gen, ProjectState fresh, CompletableFuture<ProjectState> result) {
        job.finish();
        openingGeneration = -1;
        show(gen, fresh);
        watchTeam(gen);
        dev.loupe.Stamps.once("session shown");
        result.complete(state.get());
        List<Runnable> waited = new java.util.ArrayList<>(waitingForSession);
        waitingForSession.clear();
        waited.forEach(Runnable::run);
        // After the first screen: a stat per image (about a second on 100,000) must not hold the gallery back.
        worker.submit(() -> {
            if (store == null || session == null) {
                return null; // closed meanwhile
            }
            return LabellingSession.markMissingFiles(store) == 0 ? null : read();
        }, checked -> {
            if (gen != generation) {
                return;
            }
            if (checked != null) {
                refreshWith(checked);
            }
            long missing = missing(state.get());
            if (missing > 0) {
                notice.set(missing + " image" + (missing == 1 ? " is" : "s are") + " missing (moved or deleted since "
                        + "import): File → Locate missing images… finds them again.");
            }
        });
    }

    /** FX thread: opening generation {@code gen} failed (the dialog said why); nothing of it stays shown. */
    private void openFailed(int gen, Throwable e, CompletableFuture<ProjectState> result) {
        if (gen == generation) {
            job.finish();
            openingGeneration = -1;
            awaitingRanking = null;
            dropWaiting();
            state.set(null);
        }
        result.completeExceptionally(e);
    }

    /** Whether the shown project's session is still opening (FX thread). */
    private boolean sessionOpening() {
        return openingGeneration == generation && openingGeneration >= 0;
    }

    /**
     * Runs {@code work} on the session thread once the session is open (at once when it is): actions that need the
     * model (undo, classes, evaluation) wait for it rather than fail while a big project opens. FX thread.
     */
    private <T> CompletableFuture<T> submitWithSession(Callable<T> work, Consumer<T> onFx) {
        if (!sessionOpening()) {
            return worker.submit(work, onFx);
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        waitingForSession.add(() -> worker.submit(work, onFx).whenComplete((r, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(r);
            }
        }));
        return f;
    }

    private void dropWaiting() {
        waitingForSession.clear();
    }

    private LabellingSession.Options sessionOptions(int gen) {
        return LabellingSession.Options.defaults()
                .withPublishing(worker.fx(), snap -> onSnapshot(gen, snap), this::onTrainingError)
                .withEmbedProgress((done, total) -> job.update("Computing embeddings " + done + " / " + total, done, total))
                .withEmbedCancel(job::isCancelled);
    }

    /** Projects opened last, newest first (read once at start, then after every open). */
    public ReadOnlyObjectProperty<List<Path>> recentProjectsProperty() {
        return recentProjects.getReadOnlyProperty();
    }

    private void loadRecent() {
        worker.submit(recent::list, recentProjects::set);
    }

    // ---- importing -----------------------------------------------------------------------------------------

    /**
     * Imports a folder into the open project as a background job (progress and cancel in the status bar), embeds
     * the new images, and reopens the session on the session thread so the loop sees them. Completes on the FX
     * thread with the import's report once the new state is shown.
     */
    public CompletableFuture<ImportReport> importFolder(Path folder, boolean labelsFromSubfolders) {
        long[] lastIdBefore = {0};
        return imagesJob("Importing " + folder.getFileName() + "…", () -> {
            if (!java.nio.file.Files.isDirectory(folder)) {
                throw new LoupeException("Cannot import " + folder + ": it is not a folder.");
            }
            lastIdBefore[0] = ProjectDrift.lastImageId(store);
            ImportOptions options = ImportOptions.of(folder.toAbsolutePath().normalize())
                    .withLabelsFromSubfolders(labelsFromSubfolders)
                    .withListener((n, total, current) -> job.update("Importing " + n + " / " + total, n, total))
                    .withCancel(job::isCancelled);
            // Embedded from the pixels the import decodes (each photo decoded once); the reopened session embeds
            // whatever this missed. A backbone that does not load here is reported there, as before.
            dev.loupe.backbone.Backbone backbone;
            try {
                backbone = ProjectBackbone.load(store);
            } catch (RuntimeException e) {
                LOG.warn("Importing without embedding: {}", dev.loupe.Faults.describe(e));
                return StoreImportSink.importInto(store, options);
            }
            try (backbone) {
                dev.loupe.importing.ImageDecoder decoder = new dev.loupe.importing.ImageDecoder();
                return StoreImportSink.importAndEmbed(store, options, decoder, new dev.loupe.importing.Embedder(store,
                        backbone, decoder, options.threads(), dev.loupe.importing.Embedder.DEFAULT_BATCH));
            }
        }, report -> {
            if (report.stopped() != null) {
                enterReadOnly(report.stopped());
            } else if (report.imported() > 0 && lastIdBefore[0] > 0) {
                checkDrift(lastIdBefore[0]);
            }
        });
    }

    /**
     * The import's drift check (issue 14, docs/adr/0027-drift-duplicates-outliers.md) in the background, on the session
     * thread after the new images are embedded; when it fires, the status bar says so (and `loupe queue --new-first`
     * can show them first).
     */
    private void checkDrift(long lastIdBefore) {
        record Drifted(String sentence, List<Long> first) {
        }
        withProject((s, sess) -> {
            try {
                return ProjectDrift.afterImport(s, sess.backbone().id(), lastIdBefore, DriftTest.Config.DEFAULT, () -> false)
                        .filter(DriftReport::drifted).map(r -> new Drifted(r.sentence(r.typical().stream()
                                .map(id -> s.image(id).map(dev.loupe.project.ImageRecord::relPath).orElse("#" + id)).toList()),
                                ProjectDrift.showFirst(s)))
                        .orElse(null);
            } catch (RuntimeException e) {
                // a check that could not run is no reason to interrupt the user: the import itself went through
                org.slf4j.LoggerFactory.getLogger(ProjectModel.class).warn("The drift check after import failed", e);
                return null;
            }
        }, d -> {
            if (d != null) {
                notice.set(d.sentence());
                showFirst.set(d.first());
            }
        });
    }

    /**
     * A background job that changes the project's images (import, locate): progress and cancel in the status bar, then
     * the session reopened on the session thread so the loop sees the change. Completes on the FX thread with the job's
     * result once the new state is shown (null when it was not started).
     */
    private <R> CompletableFuture<R> imagesJob(String title, Callable<R> work, Consumer<R> shown) {
        if (job.runningProperty().get()) {
            dialogs.showError("Another import or opening is still running; wait for it or cancel it first.", null);
            return CompletableFuture.completedFuture(null);
        }
        if (refusedWhileReadOnly()) {
            return CompletableFuture.completedFuture(null);
        }
        int gen = ++generation; // the old session's late snapshots must not land on the new state
        job.start(title);
        notice.set("");
        showFirst.set(List.of());
        record Done<T>(T result, ProjectState state) {
        }
        CompletableFuture<R> done = new CompletableFuture<>();
        worker.submit(() -> {
            if (store == null) {
                throw new LoupeException("No project is open: open or create one first.");
            }
            R result = work.call();
            // The session holds every embedding in memory: the simplest correct way to see changed images is to reopen
            // it, which embeds what is new (and stops early, keeping what it did, when the job is cancelled).
            if (session != null) {
                session.close();
                session = null;
            }
            session = LabellingSession.open(store, sessionOptions(gen));
            index = ImageIndex.of(store, session);
            return new Done<>(result, read());
        }, d -> {
            job.finish();
            show(gen, d.state());
            shown.accept(d.result());
            done.complete(d.result());
        }).whenComplete((r, e) -> {
            if (e != null) {
                worker.fx().execute(job::finish);
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    // ---- a team (docs/adr/0034-team-server.md) ------------------------------------------------------------

    /** Whether the open project is shared with a team (session thread's view, refreshed with each state). */
    private final javafx.beans.property.ReadOnlyBooleanWrapper shared = new javafx.beans.property.ReadOnlyBooleanWrapper();

    public javafx.beans.property.ReadOnlyBooleanProperty sharedProperty() {
        return shared.getReadOnlyProperty();
    }

    /**
     * Shares the open project with a team on {@code url} as {@code name} (the overlap for agreement as given), uploads
     * its events, and takes in what the server has: a background job; the status bar says what was done, a failure
     * (unreachable server, a taken name) is shown with what to do, and nothing is lost.
     */
    public CompletableFuture<dev.loupe.team.TeamSync.Report> shareWithTeam(String url, String name, double overlap, int k) {
        dev.loupe.team.ServerUrl server = dev.loupe.team.ServerUrl.parse(url);
        return imagesJob("Sharing with the team on " + server.stored() + "…",
                () -> dev.loupe.team.TeamSync.share(store, server, name, overlap, k), r -> {
                    shared.set(true);
                    watchTeam(generation);
                    notice.set("Shared as '" + r.project() + "' on " + r.server() + ": " + r.uploaded() + " events uploaded"
                            + synced(r) + ".");
                });
    }

    /**
     * Syncs the open shared project with its team's server: uploads what the server has not acknowledged, takes in the
     * others' labels, and reopens the session so the model learns the team's labels. A background job with the result in
     * the status bar; an unreachable server fails with a message, and nothing is lost.
     */
    public CompletableFuture<dev.loupe.team.TeamSync.Report> syncWithTeam() {
        return imagesJob("Syncing with the team…", () -> dev.loupe.team.TeamSync.sync(store),
                r -> notice.set("Synced '" + r.project() + "': " + r.uploaded() + " uploaded, " + r.pulled() + " taken in"
                        + synced(r) + "."));
    }

    /**
     * Joins a team's shared project (File ▸ Join a team project…): makes {@code dir} on the project's base model,
     * imports {@code images} into it, takes the team's labels in and starts the model from the team's shared version,
     * as `loupe join` does; a background job with progress and Cancel in the status bar (a cancel stops the import,
     * keeping what it did), the open project staying open meanwhile. Then opens the joined project. A failure is shown
     * with what to do; nothing is made when the server cannot be reached or has no such project.
     */
    public CompletableFuture<dev.loupe.team.TeamJoin.Result> joinTeam(String url, String name, Path dir, Path images) {
        CompletableFuture<dev.loupe.team.TeamJoin.Result> result = new CompletableFuture<>();
        if (job.runningProperty().get()) {
            dialogs.showError("Another import or opening is still running; wait for it or cancel it first.", null);
            result.complete(null);
            return result;
        }
        dev.loupe.team.ServerUrl server = dev.loupe.team.ServerUrl.parse(url);
        job.start("Joining '" + name + "' on " + server.stored() + "…");
        Thread join = new Thread(() -> {
            try {
                if (!java.nio.file.Files.isDirectory(images)) {
                    throw new LoupeException(images + " is not a folder: give the folder of the project's images.");
                }
                dev.loupe.team.TeamJoin.Prepared prepared = dev.loupe.team.TeamJoin.prepare(server, name, null, dir,
                        " Give one of them as the project's name.");
                dev.loupe.team.TeamJoin.Result r;
                try (ProjectStore st = ProjectStore.open(dir, false)) {
                    ImportOptions options = ImportOptions.of(images.toAbsolutePath().normalize())
                            .withListener((n, total, current) -> job.update("Importing " + n + " / " + total, n, total))
                            .withCancel(job::isCancelled);
                    try (dev.loupe.backbone.Backbone backbone = ProjectBackbone.load(st)) {
                        dev.loupe.importing.ImageDecoder decoder = new dev.loupe.importing.ImageDecoder();
                        StoreImportSink.importAndEmbed(st, options, decoder, new dev.loupe.importing.Embedder(st, backbone,
                                decoder, options.threads(), dev.loupe.importing.Embedder.DEFAULT_BATCH));
                    }
                    job.update("Taking in the team's labels…", 0, 0);
                    r = dev.loupe.team.TeamJoin.finish(st, prepared);
                }
                boolean cancelled = job.isCancelled();
                worker.fx().execute(() -> {
                    job.finish();
                    if (r.problem() != null) {
                        dialogs.showError(r.problem(), null);
                    }
                    open(dir).whenComplete((state, e) -> {
                        if (e != null) {
                            result.completeExceptionally(e);
                            return;
                        }
                        notice.set("Joined '" + name + "': " + r.report().pulled() + " labels taken in; "
                                + (r.startedFrom() != null ? "the model starts from the team's shared version"
                                : "the model is trained from the team's labels") + "."
                                + (cancelled ? " The import was cancelled: import the rest of " + images
                                + " with File ▸ Import folder…" : ""));
                        result.complete(r);
                    });
                });
            } catch (RuntimeException | java.io.IOException e) {
                worker.fx().execute(() -> {
                    job.finish();
                    dialogs.showError(DialogService.userMessage(e), e instanceof LoupeException ? null : e);
                    result.completeExceptionally(e);
                });
            }
        }, "loupe-join");
        join.setDaemon(true);
        join.start();
        return result;
    }

    /** Longest time between two background syncs (and between two tries while the server is down). */
    static long teamSyncPeriodMs = Long.getLong("loupe.team.syncPeriodMs", 30_000);
    /** How long after the last label of a burst the background sync starts. */
    static long teamSyncDebounceMs = Long.getLong("loupe.team.syncDebounceMs", 2_000);

    /** FX thread: the running background sync of the open shared project (null: none). */
    private dev.loupe.team.BackgroundSync autoSync;
    private final ReadOnlyStringWrapper teamStatus = new ReadOnlyStringWrapper("");

    /**
     * When the open shared project last synced with its team in the background, or that its server cannot be reached
     * (the labels are kept here meanwhile); "" for a project that is not shared.
     */
    public ReadOnlyStringProperty teamStatusProperty() {
        return teamStatus.getReadOnlyProperty();
    }

    /** FX thread: asks whether the open project is shared, and when it is, syncs it in the background from now on. */
    private void watchTeam(int gen) {
        record Link(ProjectStore store, dev.loupe.team.ServerUrl url, String name) {
        }
        worker.submit(() -> store != null && dev.loupe.team.TeamSync.isShared(store)
                ? new Link(store, dev.loupe.team.TeamSync.server(store), dev.loupe.team.TeamSync.projectName(store)) : null,
                link -> {
                    if (gen != generation) {
                        return;
                    }
                    shared.set(link != null);
                    if (link != null && autoSync == null) {
                        startAutoSync(link.store(), link.url(), link.name());
                    }
                });
    }

    /**
     * FX thread: starts syncing {@code st} in the background (docs/adr/0034-team-server.md). The network waits are on
     * the syncer's thread; every read and write of the store runs on the session thread, and pulled labels reach the
     * model through {@link LabellingSession#learnTeamLabels}, queued to its trainer as labels are: the session is not
     * reopened, and labels typed meanwhile just queue on the session thread.
     */
    private void startAutoSync(ProjectStore st, dev.loupe.team.ServerUrl url, String name) {
        dev.loupe.team.BackgroundSync[] self = new dev.loupe.team.BackgroundSync[1];
        dev.loupe.team.TeamSync.Local local = new dev.loupe.team.TeamSync.Local() {
            @Override
            public <T> T run(java.util.function.Function<ProjectStore, T> work) {
                return onSession(st, () -> work.apply(st));
            }

            @Override
            public ProjectStore.RemoteApplied apply(boolean anyEvents,
                                                    java.util.function.Function<ProjectStore, ProjectStore.RemoteApplied> work) {
                return onSession(st, () -> {
                    LabellingSession learner = session;
                    java.util.Map<Long, Long> before = learner != null && (anyEvents || st.inboxSize() > 0)
                            ? dev.loupe.team.Consensus.trainingLabels(st) : null;
                    ProjectStore.RemoteApplied r = work.apply(st);
                    if (r.applied() > 0) {
                        if (before != null) {
                            learner.learnTeamLabels(before).whenComplete((snap, e) -> {
                                if (e != null) {
                                    onTrainingError(e);
                                }
                            });
                        }
                        ProjectState fresh = read();
                        worker.fx().execute(() -> {
                            if (autoSync == self[0] && state.get() != null) {
                                refreshWith(fresh);
                            }
                        });
                    }
                    return r;
                });
            }
        };
        self[0] = new dev.loupe.team.BackgroundSync(local, url, name, new dev.loupe.team.BackgroundSync.Listener() {
            @Override
            public void synced(dev.loupe.team.TeamSync.Report r) {
                String at = java.time.LocalTime.now().withNano(0).toString();
                worker.fx().execute(() -> {
                    if (autoSync == self[0]) {
                        teamStatus.set("Team: synced at " + at + (r.pulled() == 0 ? "" : ", " + r.pulled() + " taken in")
                                + ProjectModel.synced(r));
                    }
                });
            }

            @Override
            public void failed(String why) {
                String at = java.time.LocalTime.now().withNano(0).toString();
                worker.fx().execute(() -> {
                    if (autoSync == self[0]) {
                        teamStatus.set("Team: server unreachable (" + at + "); labels are kept here and go up when it is"
                                + " back");
                    }
                });
            }
        }, teamSyncPeriodMs, teamSyncDebounceMs);
        autoSync = self[0];
        teamStatus.set("Team: syncing…");
        autoSync.start();
    }

    /** Runs {@code work} on the session thread for the syncer and waits; the project closed meanwhile stops it. */
    private <T> T onSession(ProjectStore st, Callable<T> work) {
        try {
            return worker.call(() -> {
                if (store != st) {
                    throw new dev.loupe.team.BackgroundSync.Stopped();
                }
                return work.call();
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.loupe.team.BackgroundSync.Stopped();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new LoupeException("The team sync failed: " + Faults.describe(e.getCause()), e.getCause());
        }
    }

    /** FX thread: labels were given; the background sync sends them a moment later. */
    private void nudgeTeam() {
        if (autoSync != null) {
            autoSync.nudge();
        }
    }

    /** FX thread: stops the background sync (it does not wait: a step on its way finds the project closed). */
    private void stopAutoSync() {
        if (autoSync != null) {
            autoSync.close();
            autoSync = null;
        }
        if (Platform.isFxApplicationThread()) {
            teamStatus.set("");
        } else { // close() from a test's thread
            worker.fx().execute(() -> {
                if (autoSync == null) {
                    teamStatus.set("");
                }
            });
        }
    }

    private static String synced(dev.loupe.team.TeamSync.Report r) {
        return (r.waiting() == 0 ? "" : ", " + r.waiting() + " waiting for images not imported here")
                + (r.heldForOverlap() == 0 ? "" : ", " + r.heldForOverlap() + " held until you label their image too "
                        + "(the overlap for agreement)");
    }

    /** Images of the shown state whose files are gone (moved or deleted since import). */
    public static long missing(ProjectState s) {
        return s == null ? 0 : s.stats().imagesByStatus().getOrDefault(ImageStatus.MISSING, 0L);
    }

    /**
     * Searches {@code folder} for the images whose files are gone, by content, and points the project at the files
     * found (labels, embeddings and thumbnails stay); the session is reopened so the views show the new paths. The
     * status bar says how many were found. Completes on the FX thread with the search's result.
     */
    public CompletableFuture<MissingImages.Result> locateMissing(Path folder) {
        return imagesJob("Looking for missing images in " + folder.getFileName() + "…", () -> MissingImages.locate(store,
                folder, (n, total, current) -> job.update("Looking at " + n + " / " + total, n, total), job::isCancelled),
                r -> notice.set("Found again: " + r.relinked() + " image" + (r.relinked() == 1 ? "" : "s") + "; "
                        + r.stillMissing() + " still missing."));
    }

    // ---- the project as a whole, for evaluation and export ---------------------------------------------------

    /** What a {@link #withProject} job gets: the open store and session, on the session thread only. */
    @FunctionalInterface
    public interface ProjectWork<T> {
        T run(ProjectStore store, LabellingSession session) throws Exception;
    }

    /**
     * Runs read-mostly work on the open project on the session thread (evaluation, export), its result delivered to
     * {@code onFx}; failures go to the dialog service. Fails with a plain message when no project is open.
     */
    public <T> CompletableFuture<T> withProject(ProjectWork<T> work, Consumer<T> onFx) {
        return submitWithSession(() -> {
            if (store == null || session == null) {
                throw new LoupeException("No project is open.");
            }
            session.drainPersister(); // every model version the user has seen is on disk
            return work.run(store, session);
        }, onFx);
    }

    private void refuseFxThread() {
        if (Platform.isFxApplicationThread()) {
            fxStoreCalls.incrementAndGet();
            throw new IllegalStateException("Loupe bug: the project was used from the UI thread");
        }
    }

    /** What the store and session say now (session thread). */
    private ProjectState read() {
        if (session == null) { // still opening: the store's view alone
            return new ProjectState(store.dir(), index, null, List.of(), store.classes(), store.currentLabels(),
                    store.stats(), true);
        }
        return new ProjectState(store.dir(), index, session.latest(), session.columns(), store.classes(),
                store.currentLabels(), store.stats(), false);
    }

    /** Shows the first state of generation {@code gen}'s session, then any newer snapshot that came before it. */
    private void show(int gen, ProjectState fresh) {
        shownGeneration = gen;
        state.set(fresh);
        Snapshot pending = pendingSnapshot;
        pendingSnapshot = null;
        if (pending != null && pendingGeneration == gen && gen == generation) {
            onSnapshot(gen, pending);
        }
    }

    private void onSnapshot(int gen, Snapshot s) {
        if (gen != generation) {
            return; // a closed session's late snapshot
        }
        ProjectState now = state.get();
        if (gen != shownGeneration || now == null) {
            // this session's state is not shown yet: its rows may not be the shown state's rows (an import adds some)
            if (pendingSnapshot == null || pendingGeneration != gen || s.modelVersion() > pendingSnapshot.modelVersion()) {
                pendingSnapshot = s;
                pendingGeneration = gen;
            }
            if (awaitingRanking != null) {
                showRanked(gen);
            }
            return;
        }
        if ((now.snapshot() == null || s.modelVersion() > now.snapshot().modelVersion())
                && s.rowCount() == now.images().size()) {
            state.set(now.withSnapshot(s));
        }
    }

    private void onTrainingError(Throwable t) {
        if (Platform.isFxApplicationThread()) {
            if (!onWriteFailure(t)) {
                dialogs.showError("Training failed: " + DialogService.userMessage(t), t);
            }
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
        shared.set(false);
        stopAutoSync();
        dropWaiting();
        awaitingRanking = null;
        stopSpaceCheck();
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

    /**
     * Labels an image; the label is durable once the state shows it, the model step follows ("updating…"). Returns
     * false, trying nothing, while the project is read-only.
     */
    public boolean label(long imageId, long classId) {
        return !refusedWhileReadOnly() && learn(() -> session != null ? session.label(imageId, classId)
                : journalOnly(store.label(imageId, classId, null, null)));
    }

    public boolean unlabel(long imageId) {
        return !refusedWhileReadOnly() && learn(() -> session != null ? session.unlabel(imageId)
                : journalOnly(store.unlabel(imageId)));
    }

    /**
     * A label given while the session opens: it is in the journal now, and the session learns it from there when it
     * opens (it trains on the journal's labels), so it is never lost. No prediction was shown, so it counts for no
     * prequential accuracy.
     */
    private static CompletableFuture<LabelResult> journalOnly(java.util.Optional<dev.loupe.project.JournalEntry> event) {
        return CompletableFuture.completedFuture(new LabelResult(event.orElse(null), null, null));
    }

    private void accepted() {
        labelsAccepted++;
        if (labelsAccepted == 1 || labelsAccepted == 10 || labelsAccepted == 100) {
            dev.loupe.Stamps.once("label " + labelsAccepted + " accepted");
        }
    }

    private boolean learn(java.util.function.Supplier<CompletableFuture<LabelResult>> change) {
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
                    worker.fx().execute(() -> onTrainingError(e));
                }
            });
            return read();
        }, fresh -> {
            refreshWith(fresh);
            accepted();
            nudgeTeam();
        }).whenComplete((r, e) -> {
            if (e != null) {
                settle.run();
            }
        });
        return true;
    }

    public void undo() {
        restore(true);
    }

    /**
     * Undoes, as one user action, up to {@code max} label events in a row while the newest undoable event is one of
     * {@code imageIds} (a group labelled at once: the journal has no batches, so each is its own event and model
     * restore; ADR 0035). Stops at the first event of another image, so labels given since are never taken back.
     * Completes with the number undone.
     */
    public CompletableFuture<Integer> undoLabels(java.util.Set<Long> imageIds, int max) {
        if (refusedWhileReadOnly()) {
            return CompletableFuture.completedFuture(0);
        }
        notice.set("");
        record Undone(ProjectState state, int count) {
        }
        return worker.submit(() -> {
            int n = 0;
            while (n < max && session != null) {
                var next = dev.loupe.labelling.UndoHistory.of(store.journal()).nextUndo();
                if (next.isEmpty() || next.get().imageId() == null || !imageIds.contains(next.get().imageId())) break;
                session.undo().join();
                n++;
            }
            return new Undone(n == 0 ? null : read(), n);
        }, r -> {
            if (r.state() != null) {
                refreshWith(r.state());
                nudgeTeam();
            }
            notice.set(r.count() == 0 ? "Nothing to undo." : "Undone: " + r.count() + " label" + (r.count() == 1 ? "" : "s") + ".");
        }).thenApply(Undone::count);
    }

    public void redo() {
        restore(false);
    }

    private void restore(boolean undo) {
        if (refusedWhileReadOnly()) {
            return;
        }
        notice.set("");
        record Restored(ProjectState state, Long imageId) {
        }
        submitWithSession(() -> {
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
            nudgeTeam();
            if (r.imageId() != null) {
                restoreListeners.forEach(l -> l.accept(r.imageId()));
            }
        });
    }

    // ---- classes --------------------------------------------------------------------------------------------

    /** Adds a class; null colour or hotkey are chosen automatically. */
    public CompletableFuture<ProjectState> addClass(String name, String colour, Character hotkey) {
        if (refusedWhileReadOnly()) {
            return CompletableFuture.completedFuture(state.get());
        }
        return submitWithSession(() -> {
            session.addClass(name, colour, hotkey);
            return read();
        }, this::refreshWith);
    }

    public void renameClass(long classId, String newName) {
        if (refusedWhileReadOnly()) {
            return;
        }
        submitWithSession(() -> {
            session.renameClass(classId, newName);
            return read();
        }, this::refreshWith);
    }

    public void mergeClass(long fromId, long intoId) {
        if (refusedWhileReadOnly()) {
            return;
        }
        submitWithSession(() -> {
            session.mergeClass(fromId, intoId);
            return read();
        }, this::refreshWith);
    }

    public void deleteClass(long classId) {
        if (refusedWhileReadOnly()) {
            return;
        }
        submitWithSession(() -> {
            session.deleteClass(classId);
            return read();
        }, this::refreshWith);
    }

    // ---- model ----------------------------------------------------------------------------------------------

    public void setStrategy(QueryStrategy strategy) {
        submitWithSession(() -> {
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
        submitWithSession(() -> {
            Probe p = probe.getAndSet(null);
            return new Scored(p, session == null || index.rowOf(p.imageId()) < 0 ? new float[0] : session.probabilities(p.imageId()));
        }, s -> s.probe().onFx().accept(s.p()));
    }
}
