package dev.loupe.labelling;

import dev.loupe.DiskFullException;
import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.backbone.Backbone;
import dev.loupe.importing.Embedder;
import dev.loupe.project.ClassText;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ImageStatus;
import dev.loupe.project.JournalEntry;
import dev.loupe.project.LabelClass;
import dev.loupe.project.LabelReplay;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStore;
import dev.loupe.ranking.ColdStart;
import dev.loupe.ranking.QueryStrategy;
import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.HeadState;
import dev.loupe.training.LabelUpdate;
import dev.loupe.training.ModelVersionFile;
import dev.loupe.training.RetrainResult;
import dev.loupe.training.Snapshot;
import dev.loupe.training.TextPrior;
import dev.loupe.training.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The learning loop on one open project: the project's embeddings in memory, the {@link Trainer}
 * that owns the head, the label journal, and the model versions beside the database. The CLI and
 * the app both drive labelling through this class, so they behave the same.
 *
 * <p>Every label is written durably to the journal before the trainer hears of it; the model is a
 * cache of the journal and is rebuilt from it on open when it lags behind (after a crash, or when
 * labels came from folder names at import).
 */
public final class LabellingSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LabellingSession.class);
    /** Settings key of the random seed of the head and the ranking. */
    public static final String SEED_SETTING = "seed";
    private static final String VERSION_FILE_PATTERN = "models/v%06d.loupe-head";
    private static final java.util.regex.Pattern VERSION_FILE = java.util.regex.Pattern.compile("v(\\d+)\\.loupe-head(\\.tmp)?");
    private static final String RETRAIN_NOTE = "batch retrain";
    private static final String MISSING_REASON = "file not found (moved or deleted since import)";

    /**
     * How a session reports to its owner. Defaults suit the CLI and tests. {@code cancelEmbedding} is polled
     * between embedding batches while opening; once true the session opens on the images embedded so far.
     */
    public record Options(Executor publishOn, Consumer<Snapshot> onSnapshot, Consumer<Throwable> onError,
                          Embedder.Listener embedProgress, int decodeThreads, BooleanSupplier cancelEmbedding,
                          Pruning pruning) {
        public static Options defaults() {
            return new Options(Runnable::run, s -> { }, t -> LOG.error("Training failed", t), Embedder.Listener.NONE,
                    Runtime.getRuntime().availableProcessors(), () -> Thread.currentThread().isInterrupted(),
                    Pruning.DEFAULT);
        }

        public Options withEmbedProgress(Embedder.Listener l) {
            return new Options(publishOn, onSnapshot, onError, l, decodeThreads, cancelEmbedding, pruning);
        }

        public Options withEmbedCancel(BooleanSupplier cancel) {
            return new Options(publishOn, onSnapshot, onError, embedProgress, decodeThreads, cancel, pruning);
        }

        public Options withPublishing(Executor on, Consumer<Snapshot> snapshots, Consumer<Throwable> errors) {
            return new Options(on, snapshots, errors, embedProgress, decodeThreads, cancelEmbedding, pruning);
        }

        public Options withPruning(Pruning p) {
            return new Options(publishOn, onSnapshot, onError, embedProgress, decodeThreads, cancelEmbedding, p);
        }
    }

    /**
     * Which model versions are kept (docs/adr/0011-labelling-session.md): the newest {@code keepRecent} (the undo
     * depth with exact predictions), every {@code keepEvery}-th, and batch retrains. The rest are deleted once
     * a quarter more than {@code keepRecent} have piled up. Nothing is lost: the journal can rebuild any state.
     */
    public record Pruning(int keepRecent, int keepEvery) {
        public static final Pruning DEFAULT = new Pruning(200, 100);

        public Pruning {
            if (keepRecent < 1 || keepEvery < 1) {
                throw new IllegalArgumentException("keepRecent and keepEvery must be positive");
            }
        }

        boolean keeps(ModelVersion v, int fromNewest) {
            return fromNewest < keepRecent || v.id() % keepEvery == 0 || RETRAIN_NOTE.equals(v.note());
        }
    }

    /** What a label did: the journal event and the model step that learned it. */
    public record LabelResult(JournalEntry event, Snapshot snapshot, ModelVersion modelVersion) {
    }

    /** One entry of the labelling queue as a user sees it. */
    public record QueueItem(long imageId, Path path, String predicted, float confidence, float score) {
    }

    private final ProjectStore store;
    private final Backbone backbone;
    private final long seed;
    private final long[] imageIds;
    private final Map<Long, Integer> rowOf;
    private final INDArray embeddings;
    private final List<Long> columns = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Options options;
    private final ExecutorService persister = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "loupe-persist");
        t.setDaemon(true);
        return t;
    });
    private Trainer trainer;
    private final ClassTexts texts;
    private final Object probeLock = new Object();
    private HeadState probeState;
    private Head probeHead;
    private ColdStart coldStart;
    private int nextVersionFile;
    private int versionCount;
    /** The snapshot whose save was last attempted, so a failed save is reported once per step. */
    private Snapshot lastAttempted;
    /** The last saved version and the trainer snapshot it came from (persister thread). */
    private ModelVersion lastSaved;
    private Snapshot lastSavedSnapshot;

    private LabellingSession(ProjectStore store, Backbone backbone, long[] ids, INDArray rows, Options options) {
        this.store = store;
        this.backbone = backbone;
        this.options = options;
        this.texts = new ClassTexts(store);
        this.seed = Long.parseLong(store.setting(SEED_SETTING).orElseGet(() -> {
            store.setSetting(SEED_SETTING, "42");
            return "42";
        }));
        this.imageIds = ids;
        this.rowOf = new HashMap<>(imageIds.length * 2);
        for (int r = 0; r < imageIds.length; r++) {
            rowOf.put(imageIds[r], r);
        }
        this.embeddings = rows;
        for (LabelClass c : store.allClasses()) {
            columns.add(c.id());
        }
        nextVersionFile = nextVersionFileNumber(store);
        versionCount = store.modelVersions().size();
    }

    /**
     * One past the highest version file number in use, in the store or on disk: after pruning the row count is
     * no longer the highest number, and a file written just before a crash may not have its row yet.
     */
    private static int nextVersionFileNumber(ProjectStore store) {
        int max = 0;
        for (ModelVersion v : store.modelVersions()) {
            max = Math.max(max, versionNumber(Path.of(v.file()).getFileName().toString()));
        }
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(store.modelsDir())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                max = Math.max(max, versionNumber(f.getFileName().toString()));
            }
        } catch (IOException e) {
            LOG.warn("Could not list {}: {}", store.modelsDir(), Faults.describe(e));
        }
        return max + 1;
    }

    private static int versionNumber(String fileName) {
        java.util.regex.Matcher m = VERSION_FILE.matcher(fileName);
        return m.matches() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * Opens the loop on a project: computes missing embeddings, loads the latest model version that
     * fits, and brings it up to date with the journal. Blocks until that is done (run it off the UI thread).
     */
    public static LabellingSession open(ProjectStore store, Options options) {
        long t0 = System.nanoTime();
        markMissingFiles(store);
        long t1 = System.nanoTime();
        Backbone backbone = ProjectBackbone.load(store);
        long t2 = System.nanoTime();
        LOG.info("Opening: missing-file check {} ms, base model {} ms", ms(t1 - t0), ms(t2 - t1));
        return openOn(store, backbone, options, true);
    }

    /**
     * Opens the loop on a project whose base model is loaded already (the app loads it on a thread of its own while
     * the store is read: docs/adr/0031-big-project-open.md). No missing-file check ({@link #markMissingFiles}); with
     * {@code awaitFirstRanking} false it returns once the trainer has started, and the first ranking arrives through
     * {@code onSnapshot} ({@link #latest()} stays null until then). The session owns {@code backbone} from here on,
     * and closes it if opening fails.
     */
    public static LabellingSession openOn(ProjectStore store, Backbone backbone, Options options, boolean awaitFirstRanking) {
        long t2 = System.nanoTime();
        try {
            Embedder embedder = new Embedder(store, backbone, new ImageDecoder(), options.decodeThreads(), Embedder.DEFAULT_BATCH);
            if (!embedder.upToDate()) {
                try {
                    embedder.run(options.embedProgress(), options.cancelEmbedding());
                } catch (DiskFullException e) {
                    // the project still opens, on the images embedded so far: the rest follow once there is room
                    DiskFullException told = DiskFullException.of(store.dir(), "some new images could not be embedded, so "
                            + "they are left out for now", -1, "open the project again to embed them", e);
                    options.publishOn().execute(() -> options.onError().accept(told));
                }
            }
            long t3 = System.nanoTime();
            INDArray[] rows = new INDArray[1];
            long[] ids = store.embeddingsInto(backbone.id(), (n, dim) -> {
                rows[0] = Nd4j.create(DataType.FLOAT, n, dim); // the model's rows, filled in place (ADR 0031)
                return rows[0].data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
            });
            if (rows[0] != null && rows[0].rows() != ids.length) {
                rows[0] = rows[0].get(NDArrayIndex.interval(0, ids.length), NDArrayIndex.all()).dup();
            }
            long t4 = System.nanoTime();
            LabellingSession s = new LabellingSession(store, backbone, ids,
                    rows[0] == null ? Nd4j.zeros(0, backbone.dim()) : rows[0], options);
            long t5 = System.nanoTime();
            s.startTrainer(awaitFirstRanking);
            long t6 = System.nanoTime();
            LOG.info("Session open on {} images in {} ms: embedding check {}, embeddings read into the model's rows {}, "
                    + "session {}, trainer to its first ranking {}{}", ids.length, ms(t6 - t2), ms(t3 - t2), ms(t4 - t3),
                    ms(t5 - t4), ms(t6 - t5), awaitFirstRanking ? "" : " (not awaited)");
            return s;
        } catch (RuntimeException e) {
            backbone.close();
            throw e;
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /**
     * Images whose file was deleted or moved since import become MISSING (and back to OK when the file is back):
     * their labels and embeddings stay, the queue leaves them out, and labelling goes on. Returns how many images
     * changed status.
     */
    public static int markMissingFiles(ProjectStore store) {
        List<Long> gone = new ArrayList<>();
        List<Long> back = new ArrayList<>();
        for (ImageRecord im : store.images()) {
            boolean exists = java.nio.file.Files.exists(im.path());
            if (im.status() == ImageStatus.OK && !exists) {
                gone.add(im.id());
            } else if (im.status() == ImageStatus.MISSING && exists) {
                back.add(im.id());
            }
        }
        if (!gone.isEmpty()) {
            LOG.warn("{} image file(s) are missing (moved or deleted since import); their labels are kept", gone.size());
        }
        try {
            store.setStatuses(gone, ImageStatus.MISSING, MISSING_REASON);
            store.setStatuses(back, ImageStatus.OK, null);
        } catch (LoupeException e) {
            if (!(Faults.isDiskFull(e) || Faults.isReadOnly(e))) {
                throw e;
            }
            // the statuses only mirror what is on disk: a project whose disk is full still opens, and they are set next time
            LOG.warn("Could not record which images are missing: {}", e.getMessage());
        }
        return gone.size() + back.size();
    }

    private void startTrainer() {
        startTrainer(true);
    }

    private void startTrainer(boolean awaitFirstRanking) {
        if (columns.isEmpty() || imageIds.length == 0) {
            return;
        }
        // a shared project trains on its consensus labels (ADR 0034); this instance's own clicks are learned live
        Map<Long, Long> labelsNow = dev.loupe.team.Consensus.trainingLabels(store);
        Optional<ModelVersionFile> saved = latestCompatibleVersion();
        Head head;
        Map<Long, Long> labelsAtVersion;
        if (saved.isPresent()) {
            head = Head.fromState(saved.get().state());
            if (head.classCount() < columns.size()) {
                head.widen(columns.size());
            }
            labelsAtVersion = labelsAt(saved.get().journalSeq());
        } else {
            head = Head.create(HeadConfig.linear(backbone.dim(), seed), columns.size());
            labelsAtVersion = labelsNow; // given to the trainer as they are, then learned by a retrain
        }
        trainer = Trainer.builder(embeddings, head)
                .seed(seed)
                .textPriors(priors())
                .publishOn(options.publishOn())
                .onSnapshot(options.onSnapshot())
                .onError(options.onError())
                .initialLabels(rowLabels(labelsAtVersion))
                .retiredClasses(deletedColumns())
                .start();
        if (saved.isEmpty() && !labelsNow.isEmpty()) {
            LOG.info("No model yet for {} labels: training one from scratch", labelsNow.size());
            RetrainResult r = join(trainer.retrainFromScratch(retrainEpochs(labelsNow.size()), 0.0, seed));
            persist(r.snapshot(), store.lastSeq(), "trained from the journal");
        } else if (saved.isPresent()) {
            List<LabelUpdate> catchUp = diff(labelsAtVersion, labelsNow);
            if (!catchUp.isEmpty()) {
                LOG.info("Model is {} label changes behind the journal: catching up", catchUp.size());
                persist(join(submitAll(catchUp)), store.lastSeq(), "caught up with the journal");
            }
        }
        if (trainer.latest() == null) {
            CompletableFuture<Snapshot> first = trainer.setStrategy(QueryStrategy.MARGIN);
            if (awaitFirstRanking) {
                join(first); // waits for the first snapshot
            }
        }
    }

    /** Columns whose class was deleted or merged away: the model need not expect images of them any more. */
    private boolean[] deletedColumns() {
        boolean[] out = new boolean[columns.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = store.classById(columns.get(k)).map(LabelClass::deleted).orElse(true);
        }
        return out;
    }

    /** Each column's text prior: the stored text of a live class, when it was made for this base model. */
    private List<TextPrior> priors() {
        Map<Long, ClassText> stored = store.classTexts();
        List<TextPrior> out = new ArrayList<>();
        for (long id : columns) {
            boolean live = store.classById(id).map(c -> !c.deleted()).orElse(false);
            out.add(live ? prior(stored.get(id)) : null);
        }
        return out;
    }

    /** The prior a class text gives on this base model; null for none, or for a text made for another model. */
    private TextPrior prior(ClassText text) {
        return ClassTexts.prior(text, backbone.id(), backbone.dim()).orElse(null);
    }

    /** Epochs for a retrain: enough minibatches to converge on small sets, bounded on large ones. */
    static int retrainEpochs(int labels) {
        int batches = Math.max(1, (labels + 31) / 32);
        return Math.max(5, Math.min(100, 3000 / batches));
    }

    private Optional<ModelVersionFile> latestCompatibleVersion() {
        List<ModelVersion> versions = store.modelVersions();
        for (int i = versions.size() - 1; i >= 0; i--) {
            ModelVersion v = versions.get(i);
            try {
                ModelVersionFile f = ModelVersionFile.read(store.dir().resolve(v.file()));
                if (fits(f)) {
                    return Optional.of(f);
                }
                LOG.info("Model version {} was made for another base model or classes; skipping it", v.id());
            } catch (LoupeException e) {
                LOG.warn("Skipping model version {}: {}", v.id(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    private boolean fits(ModelVersionFile f) {
        return f.backboneId().equals(backbone.id())
                && f.state().config().inputDim() == backbone.dim()
                && f.classIds().size() <= columns.size()
                && f.classIds().equals(columns.subList(0, f.classIds().size()))
                && f.journalSeq() <= store.lastSeq();
    }

    private int[] rowLabels(Map<Long, Long> labels) {
        int[] out = new int[imageIds.length];
        java.util.Arrays.fill(out, LabelUpdate.UNLABELLED);
        for (Map.Entry<Long, Long> e : labels.entrySet()) {
            Integer row = rowOf.get(e.getKey());
            int col = columns.indexOf(e.getValue());
            if (row != null && col >= 0) {
                out[row] = col;
            }
        }
        return out;
    }

    /** The labels as the journal had them after event {@code seq}. */
    private Map<Long, Long> labelsAt(long seq) {
        return LabelReplay.replay(store.journal().stream().filter(e -> e.seq() <= seq).toList());
    }

    /** Queues label changes for training (coalesced by the trainer); the future of the step that learns the last. */
    private CompletableFuture<Snapshot> submitAll(List<LabelUpdate> updates) {
        CompletableFuture<Snapshot> last = null;
        for (LabelUpdate u : updates) {
            last = trainer.submit(u);
        }
        return last;
    }

    private List<LabelUpdate> diff(Map<Long, Long> before, Map<Long, Long> after) {
        int[] a = rowLabels(before);
        int[] b = rowLabels(after);
        List<LabelUpdate> out = new ArrayList<>();
        for (int r = 0; r < a.length; r++) {
            if (a[r] != b[r]) {
                out.add(b[r] < 0 ? LabelUpdate.unlabel(r) : LabelUpdate.label(r, b[r]));
            }
        }
        return out;
    }

    // ---- labelling ---------------------------------------------------------------------------------

    /**
     * Labels an image: durably journaled before this returns, learned by the trainer in the
     * background. The future completes once the step that learned it is saved as a model version.
     */
    public CompletableFuture<LabelResult> label(long imageId, long classId) {
        int row = row(imageId);
        int col = column(classId);
        Snapshot before = latest();
        // A verdict only for an image the model has not learned with a label: a relabel or a confirmation of one it
        // trained on is no test of it (it would count another annotator's agreement as the model's).
        boolean unseen = store.labelOf(imageId).isEmpty();
        Boolean prequential = unseen && before != null && before.activeClassCount() > 0 ? before.predictedClass(row) == col : null;
        Long modelVersion = before == null ? null : before.modelVersion();
        Optional<JournalEntry> event = store.label(imageId, classId, prequential, modelVersion);
        if (event.isEmpty()) {
            return CompletableFuture.completedFuture(new LabelResult(null, before, store.latestModelVersion().orElse(null)));
        }
        return learn(LabelUpdate.label(row, col), event.get());
    }

    /** Removes an image's label (journaled, then learned). */
    public CompletableFuture<LabelResult> unlabel(long imageId) {
        int row = row(imageId);
        Optional<JournalEntry> event = store.unlabel(imageId);
        if (event.isEmpty()) {
            return CompletableFuture.completedFuture(new LabelResult(null, latest(), store.latestModelVersion().orElse(null)));
        }
        return learn(LabelUpdate.unlabel(row), event.get());
    }

    private CompletableFuture<LabelResult> learn(LabelUpdate update, JournalEntry event) {
        return trainer.submit(update).thenApplyAsync(
                snap -> new LabelResult(event, snap, persistStep(snap, event.seq())), persister);
    }

    /**
     * Saves a label step once. When several labels were coalesced into one step, the trainer completes
     * the newest first, so the step is filed under the newest event; undo of any of them then restores
     * the version saved before the step.
     */
    private ModelVersion persistStep(Snapshot snap, long journalSeq) {
        if (lastSavedSnapshot == snap || lastAttempted == snap) {
            return lastSavedSnapshot == snap ? lastSaved : null;
        }
        return persist(snap, journalSeq, null);
    }

    /**
     * The journal without the events pulled from a team server (ADR 0034): undo and redo are about this instance's own
     * labels, never another annotator's.
     */
    private List<JournalEntry> ownJournal() {
        List<JournalEntry> all = store.journal();
        java.util.Set<Long> pulled = store.pulledEvents();
        return pulled.isEmpty() ? all : all.stream().filter(e -> !pulled.contains(e.seq())).toList();
    }

    /** Whether there is a label event to undo. */
    public boolean canUndo() {
        return UndoHistory.of(ownJournal()).nextUndo().isPresent();
    }

    public boolean canRedo() {
        return UndoHistory.of(ownJournal()).nextRedo().isPresent();
    }

    /**
     * Takes back the last label event: the image gets its previous label back and the head goes
     * back to the exact state it had before that label, so every prediction is as it was. (When that
     * label was learned in one step together with others, the head goes back to before that step and
     * the others are learned again.)
     */
    public CompletableFuture<LabelResult> undo() {
        drainPersister();
        JournalEntry x = UndoHistory.of(ownJournal()).nextUndo()
                .orElseThrow(() -> new LoupeException("Nothing to undo."));
        Long previous = x.kind() == dev.loupe.project.EventKind.LABEL ? null : x.otherClassId();
        if (previous != null && store.classById(previous).map(LabelClass::deleted).orElse(true)) {
            previous = null;
        }
        LabelUpdate change = labelUpdate(x.imageId(), previous);
        Map<Long, Long> before = store.currentLabels();
        JournalEntry u = store.appendCompensating(x.seq(), x.imageId(), previous)
                .orElseThrow(() -> new LoupeException("The last label can no longer be undone: the image's label was "
                        + "changed by a class merge or delete since."));
        return restoreOrLearn(savedBefore(x.seq()), before, change, u);
    }

    /** Re-applies the last undone label event, with the model it had then. */
    public CompletableFuture<LabelResult> redo() {
        drainPersister();
        UndoHistory.Undone next = UndoHistory.of(ownJournal()).nextRedo()
                .orElseThrow(() -> new LoupeException("Nothing to redo."));
        JournalEntry x = next.original();
        Long cls = x.kind() == dev.loupe.project.EventKind.UNLABEL ? null : x.classId();
        if (cls != null && store.classById(cls).map(LabelClass::deleted).orElse(true)) {
            throw new LoupeException("Cannot redo: the class of that label was deleted or merged since.");
        }
        LabelUpdate change = labelUpdate(x.imageId(), cls);
        Map<Long, Long> before = store.currentLabels();
        JournalEntry r = store.appendCompensating(next.undo().seq(), x.imageId(), cls)
                .orElseThrow(() -> new LoupeException("Nothing to redo: the image already has that label."));
        return restoreOrLearn(savedAfter(x.seq()), before, change, r);
    }

    private LabelUpdate labelUpdate(long imageId, Long classId) {
        int row = row(imageId);
        return classId == null ? LabelUpdate.unlabel(row) : LabelUpdate.label(row, column(classId));
    }

    /** A saved head and the journal position it has learned up to. */
    private record Saved(HeadState state, long journalSeq) {
    }

    /**
     * Puts the head back into {@code target} with the labels it had then, and learns whatever differs
     * between those labels and the journal now. When {@code target} is the state right before (or
     * after) the event, nothing differs and every prediction is exactly as it was.
     */
    private CompletableFuture<LabelResult> restoreOrLearn(Saved target, Map<Long, Long> labelsBefore,
                                                          LabelUpdate change, JournalEntry event) {
        if (target == null) {
            LOG.info("No saved model for that point of the history: learning the change instead");
            return learn(change, event);
        }
        Map<Long, Long> labelsThen = labelsAt(target.journalSeq());
        CompletableFuture<Snapshot> done = trainer.restore(widened(target.state()), diff(labelsBefore, labelsThen));
        List<LabelUpdate> relearn = diff(labelsThen, store.currentLabels());
        if (!relearn.isEmpty()) {
            done = submitAll(relearn);
        }
        return done.thenApplyAsync(snap -> new LabelResult(event, snap, persist(snap, event.seq(), "undo/redo")), persister);
    }

    private HeadState widened(HeadState s) {
        if (s.classCount() >= columns.size()) {
            return s;
        }
        Head h = Head.fromState(s);
        h.widen(columns.size());
        return h.state();
    }

    /** The head as saved last before journal event {@code seq}; the untrained head when none was. */
    private Saved savedBefore(long seq) {
        List<ModelVersion> versions = store.modelVersions();
        for (int i = versions.size() - 1; i >= 0; i--) {
            if (versions.get(i).journalSeq() < seq) {
                return saved(versions.get(i));
            }
        }
        return new Saved(Head.create(HeadConfig.linear(backbone.dim(), seed), columns.size()).state(), 0);
    }

    /** The head as saved first after journal event {@code seq} was learned, or null. */
    private Saved savedAfter(long seq) {
        for (ModelVersion v : store.modelVersions()) {
            if (v.journalSeq() >= seq) {
                return saved(v);
            }
        }
        return null;
    }

    private Saved saved(ModelVersion v) {
        try {
            ModelVersionFile f = ModelVersionFile.read(store.dir().resolve(v.file()));
            return fits(f) ? new Saved(f.state(), f.journalSeq()) : null;
        } catch (LoupeException e) {
            LOG.warn("Model version {} unreadable: {}", v.id(), e.getMessage());
            return null;
        }
    }

    // ---- a team (docs/adr/0034-team-server.md) ----------------------------------------------------------

    /**
     * Learns what a team sync changed in the journal: classes a pulled label made become columns, and the change of the
     * consensus labels since {@code before} (taken right before the pull was applied, on the same thread) goes to the
     * trainer as labels do, so the model is never written by anyone but the trainer and the session is not reopened.
     * The future completes once the step is saved as a model version.
     */
    public CompletableFuture<Snapshot> learnTeamLabels(Map<Long, Long> before) {
        for (LabelClass c : store.allClasses()) {
            if (!columns.contains(c.id())) {
                columns.add(c.id());
                if (trainer != null) {
                    join(trainer.addClass(prior(store.classTexts().get(c.id()))));
                }
            }
        }
        if (trainer == null) {
            startTrainer();
            return CompletableFuture.completedFuture(latest());
        }
        List<LabelUpdate> updates = diff(before, dev.loupe.team.Consensus.trainingLabels(store));
        if (updates.isEmpty()) {
            return CompletableFuture.completedFuture(latest());
        }
        long seq = store.lastSeq();
        return submitAll(updates).thenApplyAsync(snap -> {
            persist(snap, seq, "team labels");
            return snap;
        }, persister);
    }

    // ---- classes --------------------------------------------------------------------------------------

    /**
     * Adds a class: a new output column. When the base model has a text model the class starts from its name and
     * predicts at once (docs/adr/0021-zero-shot-classes.md); otherwise it takes no prediction until it has an example.
     */
    public LabelClass addClass(String name, String colour, Character hotkey) {
        ClassText text = texts.forName(name).orElse(null);
        LabelClass c = store.addClass(name, colour, hotkey, text);
        columns.add(c.id());
        if (trainer == null) {
            startTrainer();
        } else {
            join(trainer.addClass(prior(text)));
        }
        return c;
    }

    /** Renames a class; with a text model its text follows the new name (a class without labels predicts anew). */
    public LabelClass renameClass(long classId, String newName) {
        ClassText text = texts.forName(newName).orElse(null);
        LabelClass c = store.renameClass(classId, newName, text);
        int col = columns.indexOf(classId);
        if (trainer != null && text != null && col >= 0) {
            join(trainer.setTextPrior(col, prior(text)));
        }
        return c;
    }

    /** Moves every label of {@code fromId} to {@code intoId}; the model learns the moved labels. */
    public void mergeClass(long fromId, long intoId) {
        applyClassEvent(fromId, () -> store.mergeClass(fromId, intoId));
    }

    /** Deletes a class; its images become unlabelled and the model forgets the class. */
    public void deleteClass(long classId) {
        applyClassEvent(classId, () -> store.deleteClass(classId));
    }

    /** A merge or delete: {@code gone} no longer exists, so it no longer starts from its text either. */
    private void applyClassEvent(long gone, java.util.function.Supplier<JournalEntry> change) {
        Map<Long, Long> before = store.currentLabels();
        JournalEntry e = change.get();
        if (trainer == null) {
            return;
        }
        int col = columns.indexOf(gone);
        if (col >= 0) {
            join(trainer.setTextPrior(col, null));
        }
        List<LabelUpdate> updates = diff(before, store.currentLabels());
        if (!updates.isEmpty()) {
            join(submitAll(updates));
        }
        boolean[] deleted = deletedColumns();
        int[] retired = java.util.stream.IntStream.range(0, deleted.length).filter(k -> deleted[k]).toArray();
        persist(join(trainer.retireClasses(retired)), e.seq(), e.kind().name().toLowerCase());
    }

    // ---- batch retrain, queue ---------------------------------------------------------------------------

    /** Retrains the head from scratch on every label; the interactive loop continues from the result. */
    public RetrainResult retrain(int epochs, double heldOutFraction) {
        requireTrainer();
        RetrainResult r = join(trainer.retrainFromScratch(epochs, heldOutFraction, seed));
        persist(r.snapshot(), store.lastSeq(), RETRAIN_NOTE);
        return r;
    }

    /** The unlabelled images in the order a user sees them. */
    public List<QueueItem> queue(QueryStrategy strategy, int limit) {
        List<QueueItem> out = new ArrayList<>();
        java.util.Set<Long> excluded = store.excludedImages(); // excluded images (issue 14) are never queued
        if (trainer == null) {
            for (int row : varietyOrder()) {
                if (out.size() >= limit) {
                    break;
                }
                if (!excluded.contains(imageIds[row])) addIfShown(out, row, null, 0f, 0f);
            }
            return out;
        }
        Snapshot s = latest();
        if (s.strategy() != strategy) {
            s = join(trainer.setStrategy(strategy));
        }
        for (int i = 0; i < s.queueSize() && out.size() < limit; i++) {
            int row = s.queueAt(i);
            if (excluded.contains(imageIds[row])) {
                continue;
            }
            int p = s.predictedClass(row);
            String name = p < 0 ? null : store.classById(columns.get(p)).map(LabelClass::name).orElse(null);
            addIfShown(out, row, name, s.confidence(row), s.score(row));
        }
        return out;
    }

    /** Clusters of the first look at a project without classes: about one screenful of distinct kinds of image. */
    public static final int VARIETY_CLUSTERS = 48;

    /**
     * Every row, ordered to show the collection's variety before any class exists: k-means over the embeddings
     * ({@value #VARIETY_CLUSTERS} clusters), the most typical image of each cluster first, clusters in farthest-first
     * order ({@link ColdStart#spreadOrder()}), then the second most typical of each, and so on — so the first screens
     * show one image of each kind rather than the first files, which are often near copies of each other. Computed
     * once (a k-means fit on at most 4,096 rows).
     */
    public synchronized int[] varietyOrder() {
        if (imageIds.length == 0) {
            return new int[0];
        }
        if (coldStart == null) {
            coldStart = ColdStart.fit(embeddings, Math.min(VARIETY_CLUSTERS, imageIds.length), seed);
        }
        return coldStart.spreadOrder();
    }

    private void addIfShown(List<QueueItem> out, int row, String predicted, float confidence, float score) {
        ImageRecord rec = store.image(imageIds[row]).orElse(null);
        if (rec != null && rec.status() == ImageStatus.OK && store.labelOf(rec.id()).isEmpty()) {
            out.add(new QueueItem(rec.id(), rec.path(), predicted, confidence, score));
        }
    }

    /** Switches the query strategy; the trainer re-ranks and publishes a snapshot. No-op without classes. */
    public void setStrategy(QueryStrategy strategy) {
        if (trainer != null && (trainer.latest() == null || trainer.latest().strategy() != strategy)) {
            join(trainer.setStrategy(strategy));
        }
    }

    /**
     * Class probabilities of one image under the latest snapshot, one per {@link #columns()} entry (classes
     * without examples get 0); empty while the project has no classes. Scores with a copy of the snapshot's head
     * made on the calling thread, so the trainer's head is never touched; the copy is kept until the next snapshot.
     */
    public float[] probabilities(long imageId) {
        int row = row(imageId);
        Snapshot s = latest();
        if (s == null) {
            return new float[0];
        }
        float[] p;
        synchronized (probeLock) {
            if (probeState != s.headState()) {
                probeHead = Head.fromState(s.headState());
                probeState = s.headState();
            }
            p = probeHead.predict(embeddings.getRow(row, true)).toFloatVector();
        }
        return java.util.Arrays.copyOf(p, Math.max(p.length, columns.size()));
    }

    // ---- plumbing ----------------------------------------------------------------------------------------

    /** Whether a model ranks the images (the project has classes and images); its first ranking may still be coming. */
    public boolean ranks() {
        return trainer != null;
    }

    /** The latest published snapshot, or null while the project has no class. */
    public Snapshot latest() {
        return trainer == null ? null : trainer.latest();
    }

    public Backbone backbone() {
        return backbone;
    }

    public ProjectStore store() {
        return store;
    }

    /** Project class id of each output column of the head. */
    public List<Long> columns() {
        return List.copyOf(columns);
    }

    /** Row of an image in the snapshots, or -1 when it has no embedding. */
    public int rowOf(long imageId) {
        return rowOf.getOrDefault(imageId, -1);
    }

    public long imageIdAt(int row) {
        return imageIds[row];
    }

    private int row(long imageId) {
        Integer r = rowOf.get(imageId);
        if (r == null) {
            String path = store.image(imageId).map(i -> i.path() + " (" + i.status().name().toLowerCase()
                    + (i.statusReason() == null ? "" : ": " + i.statusReason()) + ")").orElse("#" + imageId);
            throw new LoupeException("Image " + path + " has no embedding, so it cannot be labelled here. "
                    + "Re-import its folder, or check that the file still opens.");
        }
        return r;
    }

    private int column(long classId) {
        int c = columns.indexOf(classId);
        if (c < 0 || store.classById(classId).map(LabelClass::deleted).orElse(true)) {
            throw new LoupeException("No such class (id " + classId + ").");
        }
        requireTrainer();
        return c;
    }

    private void requireTrainer() {
        if (trainer == null) {
            throw new LoupeException("The project has no classes or no images yet: add a class and import images first.");
        }
    }

    /**
     * Saves a snapshot's head as a model version; runs on the persister thread or the opening thread. A failure
     * (a full disk, a read-only folder) is reported through {@code onError} and returns null: the labels are in
     * the journal already, so labelling goes on and the next open rebuilds the model from it.
     */
    private synchronized ModelVersion persist(Snapshot snap, long journalSeq, String note) {
        lastAttempted = snap;
        HeadState state = snap.headState();
        String rel = String.format(VERSION_FILE_PATTERN, nextVersionFile++);
        ModelVersionFile f = new ModelVersionFile(backbone.id(), columns.subList(0, state.classCount()), journalSeq,
                snap.labelCount(), state, snap.estimate());
        ModelVersion v;
        Path file = store.dir().resolve(rel);
        try {
            f.write(file);
            v = store.addModelVersion(rel, snap.labelCount(), journalSeq, note);
        } catch (IOException | UncheckedIOException | LoupeException e) {
            deleteUnregistered(file); // a version file without its row would only look like a saved model
            String safe = "your labels are safe in the journal, and the model is rebuilt from it when the project is "
                    + "next opened";
            LoupeException failure = Faults.isDiskFull(e)
                    ? DiskFullException.of(file, "the model version " + rel + " was not saved; " + safe,
                            12L * (state.config().inputDim() + 1) * state.classCount() + 64 * 1024, "go on labelling", e)
                    : new LoupeException("The model could not be saved (" + rel + ": " + Faults.describe(e)
                            + "). Your labels are safe in the journal and labelling goes on; the model is rebuilt from "
                            + "the journal when the project is next opened.", e);
            if (failure instanceof DiskFullException) {
                LOG.warn("Saving a model version failed: {}", failure.getMessage()); // no bug: no stack trace
            } else {
                LOG.error("Saving a model version failed", e);
            }
            options.publishOn().execute(() -> options.onError().accept(failure));
            return null;
        }
        lastSaved = v;
        lastSavedSnapshot = snap;
        versionCount++;
        Pruning p = options.pruning();
        if (versionCount > p.keepRecent() + Math.max(1, p.keepRecent() / 4)) {
            prune(p);
        }
        return v;
    }

    private static void deleteUnregistered(Path file) {
        try {
            java.nio.file.Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("Could not delete {}; it is swept at the next pruning: {}", file, Faults.describe(e));
        }
    }

    /** Deletes the versions {@link Pruning} does not keep: rows first, then files (a crash leaves only orphans). */
    private void prune(Pruning p) {
        try {
            List<ModelVersion> all = store.modelVersions();
            List<Long> drop = new ArrayList<>();
            java.util.Set<String> kept = new java.util.HashSet<>();
            for (int i = 0; i < all.size(); i++) {
                ModelVersion v = all.get(i);
                if (p.keeps(v, all.size() - 1 - i)) {
                    kept.add(Path.of(v.file()).getFileName().toString());
                } else {
                    drop.add(v.id());
                }
            }
            store.deleteModelVersions(drop);
            versionCount = all.size() - drop.size();
            int deleted = 0;
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(store.modelsDir())) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    // also sweeps files a crash left without a row (persist is synchronized: none is being written)
                    if (VERSION_FILE.matcher(name).matches() && !kept.contains(name)) {
                        java.nio.file.Files.deleteIfExists(f);
                        deleted++;
                    }
                }
            }
            LOG.debug("Pruned {} model versions, {} files", drop.size(), deleted);
        } catch (IOException | LoupeException e) {
            LOG.warn("Pruning old model versions failed; they stay for now: {}", Faults.describe(e));
        }
    }

    /** Waits until every model version queued so far is saved. */
    public void drainPersister() {
        try {
            persister.submit(() -> { }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Stops training after saving what is queued; the store stays open (its owner closes it). */
    @Override
    public void close() {
        drainPersister();
        persister.shutdown();
        try {
            persister.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (trainer != null) {
            trainer.close();
        }
        texts.close();
        backbone.close();
    }
}
