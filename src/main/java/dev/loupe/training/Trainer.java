package dev.loupe.training;

import dev.loupe.evaluation.AccuracyEstimate;
import dev.loupe.ranking.ColdStart;
import dev.loupe.ranking.QueryStrategy;
import dev.loupe.ranking.Ranker;
import dev.loupe.ranking.RowStats;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The single writer of the {@link Head}: one daemon thread ("loupe-trainer") takes label updates, fine-tunes the
 * head on them plus class-balanced replayed labels, re-scores every row, re-ranks the queue and publishes an
 * immutable {@link Snapshot} through the injected executor. Updates arriving while a step runs are coalesced into
 * the next step, never dropped. Nothing here blocks the caller; futures are for callers that want to wait.
 */
public final class Trainer implements AutoCloseable {
    public static final String THREAD_NAME = "loupe-trainer";
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final int RETRAIN_BATCH = 32;
    /**
     * How firmly text columns are held near their text while labels are few: an extra L2 pull towards it of
     * {@value} / (labels), which the labels outgrow (docs/adr/0021-zero-shot-classes.md: without it the first labels'
     * steps undid the text, and zero-shot accuracy 0.76 fell to 0.38 after 16 labels on CLIP-like data).
     */
    static final double TEXT_PULL = 1.0;

    private sealed interface Command permits LabelCmd, Task {}
    private record LabelCmd(LabelUpdate update, CompletableFuture<Snapshot> done) implements Command {}
    private record Task(Runnable body, CompletableFuture<?> done) implements Command {}

    private final INDArray embeddings;
    private final int n;
    private final StepPolicy policy;
    private final Executor publisher;
    private final Consumer<Snapshot> onSnapshot;
    private final Consumer<Throwable> onError;
    private final LinkedBlockingQueue<Command> inbox = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Snapshot latest;

    // ---- owned by the trainer thread ----
    private Head head;
    private Ranker ranker;
    private final SplittableRandom rng;
    private final long seed;
    private boolean[] retired = new boolean[0]; // columns of deleted classes: not counted as unseen classes
    private int fittedAt = -1; // label count at the last temperature fit
    private int[] estimateSample; // rows in a fixed random order: the first unlabelled ones give the estimate's band
    private final int[] labelOf;
    private final boolean[] labelled;
    private final boolean[] quarantined;
    private final boolean[] isNew;
    private int labelCount;
    private int[][] rowsByClass;
    private int[] classSize;
    private final int[] posInClass;
    private INDArray globalMean;
    private float[] rowScratch = new float[0];
    private HeadState lastState;
    private long version = -1;
    // Per-row results of the latest scoring of each row (copied into every snapshot) and when it happened.
    private final ScoringPolicy scoring;
    private final int[] predictedNow;
    private final float[] confidenceNow;
    private final float[] scoreNow;
    private final int[] scoredAt;
    private long headVersion = -1;
    private int sliceCursor;
    private int[] lastQueue;
    private int scoredClassCount = -1;
    private QueryStrategy scoredStrategy;
    private final Scratch probBuffers = new Scratch(4); // rows×C probabilities: chunk, tail, hot rows
    private final boolean normalize;
    private InputNormalization normalization; // what a head trained from scratch here gets; taken when first needed
    private final boolean singleThreadedNative;
    /** Each column's text prior (zero-shot start), null for none; and whether a class just lost its last example. */
    private TextPrior[] priors;
    private boolean[] lostExamples;
    private boolean[] firstExamples;

    private Trainer(Builder b) {
        INDArray e = b.embeddings;
        this.embeddings = e.dataType() == DataType.FLOAT && e.ordering() == 'c' && !e.isView() ? e : e.castTo(DataType.FLOAT).dup('c');
        this.n = embeddings.rows();
        if (embeddings.columns() != b.head.inputDim()) {
            throw new IllegalArgumentException("embeddings have " + embeddings.columns() + " columns, head expects " + b.head.inputDim());
        }
        this.head = b.head;
        // A head that has not learned yet gets the collection's standardisation (kept with it from then on), and
        // so does every head retrained from scratch here; a restored head keeps the one it was trained with (or
        // none, for heads saved before normalisation existed).
        this.normalize = b.normalize;
        this.normalization = b.normalization;
        normaliseIfUntrained();
        this.policy = b.policy;
        this.singleThreadedNative = b.singleThreadedNative;
        this.ranker = b.ranker;
        this.publisher = b.publisher;
        this.onSnapshot = b.onSnapshot;
        this.onError = b.onError;
        this.rng = new SplittableRandom(b.seed);
        this.seed = b.seed;
        this.labelOf = new int[n];
        Arrays.fill(labelOf, LabelUpdate.UNLABELLED);
        this.labelled = new boolean[n];
        this.quarantined = new boolean[n];
        this.isNew = new boolean[n];
        this.posInClass = new int[n];
        this.scoring = b.scoring;
        this.predictedNow = new int[n];
        this.confidenceNow = new float[n];
        this.scoreNow = new float[n];
        this.scoredAt = new int[n];
        int c = head.classCount();
        this.rowsByClass = new int[c][8];
        this.classSize = new int[c];
        this.retired = Arrays.copyOf(b.retired, Math.max(b.retired.length, c));
        this.priors = Arrays.copyOf(b.priors, c);
        for (TextPrior p : priors) {
            if (p != null && p.dim() != head.inputDim()) {
                throw new IllegalArgumentException("text prior of " + p.dim() + " values, head takes " + head.inputDim());
            }
        }
        this.lostExamples = new boolean[c];
        this.firstExamples = new boolean[c];
        int[] initial = b.initialLabels;
        this.thread = new Thread(() -> run(initial), THREAD_NAME);
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, ex) -> report(ex));
        head.bindWriter(thread);
        thread.start();
    }

    public static Builder builder(INDArray embeddings, Head head) { return new Builder(embeddings, head); }

    // ---- public API (any thread) ------------------------------------------------------------------------

    /** Queues a label change; returns at once. The future completes with the snapshot of the step that applied it. */
    public CompletableFuture<Snapshot> submit(LabelUpdate update) {
        Objects.requireNonNull(update);
        CompletableFuture<Snapshot> f = new CompletableFuture<>();
        enqueue(new LabelCmd(update, f), f);
        return f;
    }

    /** Adds one masked class (no prediction changes); completes with the new snapshot. */
    public CompletableFuture<Snapshot> addClass() {
        return addClass(null);
    }

    /**
     * Adds one class. Without a prior it is masked (no prediction changes); with one its column starts from the text
     * embedding (zero-shot) and predicts at once. Completes with the new snapshot.
     */
    public CompletableFuture<Snapshot> addClass(TextPrior prior) {
        checkPrior(prior);
        return task(() -> {
            int c = head.classCount() + 1;
            head.widen(c);
            growClasses(c);
            priors[c - 1] = prior;
            syncActivation();
            return publish(0, 0, 0);
        });
    }

    /**
     * Marks the classes of these columns as deleted: they no longer count as classes the model has yet to see
     * ({@link Calibration#unseenShare}). Completes with the new snapshot.
     */
    public CompletableFuture<Snapshot> retireClasses(int... columns) {
        int[] cols = columns.clone();
        return task(() -> {
            for (int col : cols) {
                if (col < 0 || col >= head.classCount()) throw new IllegalArgumentException("no column " + col);
                retired[col] = true;
            }
            return publish(0, 0, 0);
        });
    }

    /**
     * Gives class {@code column} a text prior, or takes it away (null: e.g. the class was deleted). A class without
     * examples changes at once: it starts from the new prior, or is masked; one with examples keeps what it learned
     * and starts from the prior at the next retrain or when it loses its examples.
     */
    public CompletableFuture<Snapshot> setTextPrior(int column, TextPrior prior) {
        checkPrior(prior);
        return task(() -> {
            if (column < 0 || column >= head.classCount()) {
                throw new IllegalArgumentException("class " + column + " out of range (" + head.classCount() + " classes)");
            }
            priors[column] = prior;
            if (classSize[column] == 0) {
                lostExamples[column] = true; // not what the column learned from its prior: start again from it
            }
            syncActivation();
            return publish(0, 0, 0);
        });
    }

    private void checkPrior(TextPrior prior) {
        if (prior != null && prior.dim() != embeddings.columns()) {
            throw new IllegalArgumentException("text prior of " + prior.dim() + " values, embeddings have " + embeddings.columns());
        }
    }

    /**
     * Undo: applies {@code labelChanges} without training and puts the head back exactly into {@code state}
     * (typically an earlier snapshot's {@link Snapshot#headState()}).
     */
    public CompletableFuture<Snapshot> restore(HeadState state, List<LabelUpdate> labelChanges) {
        List<LabelUpdate> changes = List.copyOf(labelChanges);
        return task(() -> {
            for (LabelUpdate u : changes) validate(u);
            for (LabelUpdate u : changes) applyLabel(u.row(), u.classIndex());
            if (state.classCount() > head.classCount()) growClasses(state.classCount());
            head.restore(state);
            Arrays.fill(lostExamples, false); // the state says what each column is
            Arrays.fill(firstExamples, false);
            normaliseIfUntrained(); // e.g. undo back to before the first label
            if (head.classCount() != classSize.length) {
                throw new IllegalStateException("restored state has " + head.classCount() + " classes, labels use " + classSize.length);
            }
            syncActivation(); // only acts where the state disagrees with the labels
            return publish(0, changes.size(), 0);
        });
    }

    public CompletableFuture<Snapshot> restore(HeadState state) { return restore(state, List.of()); }

    /** Switches the query strategy and re-ranks. */
    public CompletableFuture<Snapshot> setStrategy(QueryStrategy strategy) {
        return task(() -> {
            ranker = ranker.withStrategy(strategy);
            return publish(0, 0, 0);
        });
    }

    /**
     * Retrains a fresh head on all trainable labels (class-balanced minibatches of 32, {@code epochs} passes),
     * holding out a stratified {@code heldOutFraction} to measure accuracy. The interactive loop continues from
     * the retrained head; held-out labels stay labels and are replayed in later steps.
     */
    public CompletableFuture<RetrainResult> retrainFromScratch(int epochs, double heldOutFraction, long seed) {
        return task(() -> retrain(epochs, heldOutFraction, seed, true));
    }

    /**
     * The same without the calibration by cross-fitting (the kept predictions and temperature carry over): a fifth
     * of the cost, for a reference that only needs the retrained head's predicted classes.
     */
    public CompletableFuture<RetrainResult> retrainFromScratchUncalibrated(int epochs, double heldOutFraction, long seed) {
        return task(() -> retrain(epochs, heldOutFraction, seed, false));
    }

    /** Runs {@code f} on the trainer thread (for tests and diagnostics). */
    <T> CompletableFuture<T> call(Function<Head, T> f) { return task(() -> f.apply(head)); }

    /** The most recently published snapshot (null until the first one). */
    public Snapshot latest() { return latest; }

    public Thread thread() { return thread; }

    /** Stops the trainer thread; queued work is cancelled. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Command c;
        while ((c = inbox.poll()) != null) cancel(c);
    }

    // ---- plumbing ---------------------------------------------------------------------------------------

    private interface Body<T> { T run() throws Exception; }

    /** Gives the head the collection's standardisation if it has not learned yet and has none. */
    private void normaliseIfUntrained() {
        if (head.untrained() && head.normalization() == null) head.setInputNormalization(collectionNormalization());
    }

    /** The builder's normalisation, else that of the embeddings (one pass over them, the first time); null when off. */
    private InputNormalization collectionNormalization() {
        if (normalize && normalization == null) normalization = InputNormalization.of(embeddings);
        return normalize ? normalization : null;
    }

    /** OpenMP's thread count as the trainer thread sees it (for tests). */
    CompletableFuture<Integer> nativeThreadsOnTrainer() {
        return task(() -> org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
    }

    private <T> CompletableFuture<T> task(Body<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        enqueue(new Task(() -> {
            try {
                f.complete(body.run());
            } catch (Throwable t) {
                report(t);
                f.completeExceptionally(t);
            }
        }, f), f);
        return f;
    }

    private void enqueue(Command c, CompletableFuture<?> f) {
        if (!running) {
            f.completeExceptionally(new IllegalStateException("trainer is closed"));
            return;
        }
        inbox.add(c);
        if (!running && inbox.remove(c)) cancel(c);
    }

    private static void cancel(Command c) {
        CompletableFuture<?> f = c instanceof LabelCmd l ? l.done() : ((Task) c).done();
        f.completeExceptionally(new CancellationException("trainer closed"));
    }

    private void report(Throwable t) {
        LOG.error("trainer error", t);
        try {
            publisher.execute(() -> onError.accept(t));
        } catch (Throwable ignored) {
            // the error was logged; a broken executor must not kill the trainer
        }
    }

    /**
     * Makes this thread's native work single-threaded. The OpenMP thread count is per calling thread, so the
     * backbone's embedding on other threads keeps every core. A step is hundreds of tiny native ops (a 32×512 by
     * 512×100 product); on a busy 2-core machine OpenMP's spinning barriers made them 10–40× slower: the p95 of
     * label → re-ranked snapshot at 10,000 rows was 169–512 ms with two threads and 58 ms with one (ADR 0010).
     */
    private void singleThreadedOpenMp() {
        try {
            org.nd4j.nativeblas.NativeOps ops = org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps();
            defaultNativeThreads = ops.ompGetMaxThreads();
            ops.setOmpNumThreads(1);
            nativeOps = ops;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Could not make the trainer's native work single-threaded: {}", e.toString());
        }
    }

    /**
     * A full re-score (after add class, undo, a strategy switch) is big enough to use every core; the idle refresh
     * goes in 2,048-row chunks and stays on one thread, leaving the other cores to the user.
     */
    private static final int BULK_ROWS = 4096;
    private org.nd4j.nativeblas.NativeOps nativeOps; // set once single-threaded; null otherwise
    private int defaultNativeThreads = 1;

    private void run(int[] initialLabels) {
        try {
            if (singleThreadedNative) singleThreadedOpenMp();
            globalMean = finiteMean(embeddings);
            if (initialLabels != null) {
                for (int row = 0; row < Math.min(n, initialLabels.length); row++) {
                    if (initialLabels[row] >= 0 && initialLabels[row] < head.classCount()) applyLabel(row, initialLabels[row]);
                }
            }
            syncActivation();
            publish(0, 0, 0);
        } catch (Throwable t) {
            report(t);
        }
        List<Command> batch = new ArrayList<>();
        List<LabelCmd> labels = new ArrayList<>();
        while (running) {
            try {
                batch.add(inbox.take());
                inbox.drainTo(batch);
                for (Command c : batch) {
                    if (c instanceof LabelCmd l) {
                        labels.add(l);
                    } else {
                        flushLabels(labels);
                        ((Task) c).body().run();
                    }
                }
                flushLabels(labels);
                if (inbox.isEmpty()) refreshWhileIdle();
            } catch (InterruptedException e) {
                if (!running) break;
            } catch (Throwable t) {
                report(t);
                for (LabelCmd l : labels) l.done().completeExceptionally(t);
            } finally {
                batch.clear();
                labels.clear();
            }
        }
    }

    /** Mean of the rows that are entirely finite (one broken embedding must not poison every class init). */
    private static INDArray finiteMean(INDArray x) {
        int rows = x.rows(), d = x.columns();
        double[] sum = new double[d];
        float[] row = new float[d];
        java.nio.FloatBuffer fb = x.data().asNioFloat();
        int used = 0;
        for (int i = 0; i < rows; i++) {
            fb.get(i * d, row, 0, d);
            boolean ok = true;
            for (float v : row) if (!Float.isFinite(v)) { ok = false; break; }
            if (!ok) continue;
            for (int j = 0; j < d; j++) sum[j] += row[j];
            used++;
        }
        float[] mean = new float[d];
        for (int j = 0; j < d; j++) mean[j] = used == 0 ? 0f : (float) (sum[j] / used);
        return Nd4j.createFromArray(mean).reshape(1, d);
    }

    private void validate(LabelUpdate u) {
        if (u.row() >= n) throw new IllegalArgumentException("row " + u.row() + " out of range (" + n + " rows)");
        if (u.classIndex() >= head.classCount()) {
            throw new IllegalArgumentException("class " + u.classIndex() + " out of range (" + head.classCount() + " classes)");
        }
    }

    // ---- labels -----------------------------------------------------------------------------------------

    private void applyLabel(int row, int cls) {
        int old = labelOf[row];
        if (old == cls) return;
        if (old >= 0) {
            labelCount--;
            if (!quarantined[row]) {
                removeFromClass(row, old);
                if (classSize[old] == 0) lostExamples[old] = true;
            }
        }
        if (cls >= 0) {
            labelCount++;
            if (!quarantined[row]) {
                addToClass(row, cls);
                if (classSize[cls] == 1) firstExamples[cls] = true;
            }
        }
        labelOf[row] = cls;
        labelled[row] = cls >= 0;
    }

    private void addToClass(int row, int c) {
        if (classSize[c] == rowsByClass[c].length) rowsByClass[c] = Arrays.copyOf(rowsByClass[c], classSize[c] * 2);
        posInClass[row] = classSize[c];
        rowsByClass[c][classSize[c]++] = row;
    }

    private void removeFromClass(int row, int c) {
        int p = posInClass[row];
        int last = rowsByClass[c][--classSize[c]];
        rowsByClass[c][p] = last;
        posInClass[last] = p;
    }

    private void growClasses(int c) {
        int old = classSize.length;
        if (retired.length < c) retired = Arrays.copyOf(retired, c);
        if (c <= old) return;
        rowsByClass = Arrays.copyOf(rowsByClass, c);
        for (int i = old; i < c; i++) rowsByClass[i] = new int[8];
        classSize = Arrays.copyOf(classSize, c);
        priors = Arrays.copyOf(priors, c);
        lostExamples = Arrays.copyOf(lostExamples, c);
        firstExamples = Arrays.copyOf(firstExamples, c);
    }

    /**
     * Unmasks classes that have trainable examples and masks those that lost them. A class with a text prior starts
     * from it instead of from its first examples, is active before it has any, and goes back to it when it loses
     * its last example; until then its column learns like any other (also from other classes' labels).
     */
    private void syncActivation() {
        for (int c = 0; c < classSize.length; c++) {
            TextPrior prior = priors[c];
            if (prior != null && (!head.isActive(c) || (classSize[c] == 0 && lostExamples[c]))) {
                head.setTextColumn(c, prior);
                if (classSize[c] > 0) head.addExampleColumn(c, examplesOf(c), globalMean);
            } else if (prior != null && classSize[c] > 0 && firstExamples[c]) {
                head.addExampleColumn(c, examplesOf(c), globalMean); // text and first examples together
            } else if (prior == null && classSize[c] > 0 && !head.isActive(c)) {
                head.activateClass(c, examplesOf(c), globalMean);
            } else if (prior == null && classSize[c] == 0 && head.isActive(c)) {
                head.deactivateClass(c);
            }
            lostExamples[c] = false;
            firstExamples[c] = false;
        }
    }

    private INDArray examplesOf(int c) {
        return Nd4j.pullRows(embeddings, 1, Arrays.copyOf(rowsByClass[c], classSize[c]));
    }

    /** What the temperature law adds to the label count: {@link Calibration#TEXT_LABELS} while a class starts from text. */
    private int textLabels() {
        return zeroShot() ? Calibration.TEXT_LABELS : 0;
    }

    /** Whether any class starts from its text: then the queue follows the predictions from the first label on. */
    private boolean zeroShot() {
        for (TextPrior p : priors) if (p != null) return true;
        return false;
    }

    private int trainableCount() {
        int t = 0;
        for (int s : classSize) t += s;
        return t;
    }

    // ---- the interactive step ---------------------------------------------------------------------------

    private void flushLabels(List<LabelCmd> cmds) {
        if (cmds.isEmpty()) return;
        long t0 = System.nanoTime();
        List<LabelCmd> applied = new ArrayList<>(cmds.size());
        int[] changedRows = new int[cmds.size()];
        int changed = 0;
        for (LabelCmd cmd : cmds) {
            try {
                validate(cmd.update());
            } catch (IllegalArgumentException e) {
                report(e); // before completing: a caller woken by the future already finds it reported
                cmd.done().completeExceptionally(e);
                continue;
            }
            int row = cmd.update().row();
            if (labelOf[row] >= 0 && !quarantined[row]) learnedBefore.add(row); // its prediction is not out of sample
            applyLabel(row, cmd.update().classIndex());
            changedRows[changed++] = row;
            applied.add(cmd);
        }
        cmds.clear();
        if (applied.isEmpty()) {
            learnedBefore.clear();
            return;
        }
        try {
            step(applied, changedRows, changed, t0);
        } catch (Throwable t) {
            report(t);
            for (LabelCmd cmd : applied) cmd.done().completeExceptionally(t);
        }
    }

    private void step(List<LabelCmd> applied, int[] changedRows, int changed, long t0) {
        HeadState before = lastState;
        int[] newRows = newTrainableRows(changedRows, changed);
        int steps = trainableCount() > 0 ? policy.adamSteps(labelCount, head.classCount()) : 0;
        recordPrequential(newRows);
        try {
            syncActivation();
            head.setL2(policy.l2(head.config().l2(), trainableCount()));
            head.setTextAnchors(priors, TEXT_PULL / Math.max(1, trainableCount()));
            head.setLearningRateScale(policy.learningRateScale(trainableCount()));
            for (int s = 0; s < steps; s++) {
                int[] rows = batchRows(newRows);
                if (rows.length == 0) break;
                fitBatch(head, rows);
            }
            head.setLearningRateScale(1.0);
            if (policy.weightAligning() && steps > 0) head.alignWeights(youngClasses());
        } finally {
            for (int r : newRows) isNew[r] = false;
        }
        TrainingDivergedException diverged = null;
        if (head.isFinite()) {
            recalibrate(false);
        } else {
            head.restore(before);
            for (int r : newRows) quarantine(r);
            syncActivation();
            diverged = new TrainingDivergedException("training diverged (NaN/Inf weights); rolled back to model version "
                    + version + " and left " + newRows.length + " new row(s) out of training", newRows);
        }
        double stepMs = (System.nanoTime() - t0) / 1e6;
        Snapshot snap = publish(diverged == null ? steps : 0, applied.size(), stepMs, Arrays.copyOf(changedRows, changed));
        if (diverged != null) report(diverged); // before completing, so a waiting caller already sees it
        // Newest first: a listener that saves one model version per step (LabellingSession) then sees the
        // step's last update first and files the step under it, so "the state before update k" stays findable.
        for (int i = applied.size() - 1; i >= 0; i--) applied.get(i).done().complete(snap);
    }

    /**
     * Keeps the head's logits for the newly labelled rows, taken before it learns from them, with their labels
     * (prequential predictions, for the temperature; {@link Calibration}). Only where the head could have been right:
     * at least two classes active, the label's among them. An image labelled while the queue showed the cold start
     * was picked as the typical image of its k-means cluster, one per cluster and the most distinct clusters first,
     * not as a random image of the collection is: its prediction is weighted by its cluster's mass, k · size / n
     * (how many images of a random draw it stands for), so a handful of odd clusters' representatives does not set
     * the temperature of the whole collection (docs/adr/0022-calibration-from-the-first-labels.md, issue 13b).
     */
    /** Rows of the batch being applied that the head had already learned with a label (filled by flushLabels). */
    private final java.util.Set<Integer> learnedBefore = new java.util.HashSet<>();

    private void recordPrequential(int[] newRows) {
        java.util.Set<Integer> relabelled = new java.util.HashSet<>(learnedBefore);
        learnedBefore.clear();
        if (newRows.length == 0 || head.activeCount() < 2) return;
        // a relabel (or another annotator's confirmation) of an image the head has trained on is no test of it
        int[] rows = Arrays.stream(newRows).filter(r -> head.isActive(labelOf[r]) && !relabelled.contains(r)).toArray();
        if (rows.length == 0) return;
        INDArray x = Nd4j.pullRows(embeddings, 1, rows);
        float[][] z = head.logits(x);
        x.close();
        int before = trainableCount() - newRows.length;
        Snapshot shown = latest;
        ColdStart picked = shown != null && shown.coldStart() ? ranker.coldStart(embeddings, head.classCount()) : null;
        Calibration.Records r = head.calibrationRecords();
        for (int i = 0; i < rows.length; i++) {
            float w = picked == null ? 1f : (float) picked.mass(rows[i]);
            r = r.with(z[i], labelOf[rows[i]], before, head.activeCount(), w);
        }
        head.setCalibrationRecords(r);
    }

    /**
     * Refits the temperature on the kept predictions: at every step below {@link #REFIT_ALWAYS_BELOW} labels (where
     * each label moves it most), then every {@link #REFIT_EVERY} labels (a fit costs ~40 × 200 × C exponentials), or
     * when {@code force}d.
     */
    private void recalibrate(boolean force) {
        int labels = trainableCount();
        if (!force && labels >= REFIT_ALWAYS_BELOW && fittedAt >= 0 && labels % REFIT_EVERY != 0) return;
        Calibration.Fit fit = Calibration.fit(head.calibrationRecords(), labels, head.activeCount(), textLabels());
        head.setTemperature(fit.temperature(), fit.logSd());
        head.setUniformShare(fit.uniformShare());
        fittedAt = labels;
        keepLaw(fit, head.calibrationRecords(), labels);
    }

    static final int REFIT_ALWAYS_BELOW = 200;
    static final int REFIT_EVERY = 10;

    /** Live classes (not deleted) and, of those, the ones without an example. */
    private double unseenShare() {
        int live = 0, unseen = 0;
        for (int c = 0; c < head.classCount(); c++) {
            if (retired[c]) continue;
            live++;
            if (!head.isActive(c)) unseen++;
        }
        return head.activeCount() == 0 ? 0.0 : Calibration.unseenShare(trainableCount(), live, unseen);
    }

    /** Rows labelled (not unlabelled) by this batch that are trainable, deduplicated; marks them in isNew. */
    private int[] newTrainableRows(int[] rows, int count) {
        int[] out = new int[count];
        int m = 0;
        for (int i = 0; i < count; i++) {
            int r = rows[i];
            if (labelOf[r] >= 0 && !quarantined[r] && !isNew[r]) {
                isNew[r] = true;
                out[m++] = r;
            }
        }
        return Arrays.copyOf(out, m);
    }

    private void quarantine(int row) {
        if (quarantined[row]) return;
        if (labelOf[row] >= 0) removeFromClass(row, labelOf[row]);
        quarantined[row] = true;
    }

    /** New rows plus up to replaySize other labelled rows, sampled round-robin over classes in random order. */
    private int[] batchRows(int[] newRows) {
        int r = policy.replaySize();
        int available = trainableCount() - newRows.length;
        int[] rows = Arrays.copyOf(newRows, newRows.length + Math.min(r, Math.max(available, 0)));
        int m = newRows.length;
        if (available <= r) {
            for (int c = 0; c < classSize.length; c++) {
                for (int i = 0; i < classSize[c]; i++) {
                    int row = rowsByClass[c][i];
                    if (!isNew[row] && m < rows.length) rows[m++] = row;
                }
            }
            return Arrays.copyOf(rows, m);
        }
        int[] classes = new int[classSize.length];
        int nc = 0;
        for (int c = 0; c < classSize.length; c++) if (classSize[c] > 0) classes[nc++] = c;
        for (int i = nc - 1; i > 0; i--) { // shuffle so the first classes of the round-robin vary
            int j = rng.nextInt(i + 1);
            int t = classes[i]; classes[i] = classes[j]; classes[j] = t;
        }
        for (int attempt = 0; m < rows.length && attempt < 8 * r; attempt++) {
            int c = classes[attempt % nc];
            int row = rowsByClass[c][rng.nextInt(classSize[c])];
            if (!isNew[row]) rows[m++] = row;
        }
        return Arrays.copyOf(rows, m);
    }

    /** One Adam step of {@code h} on {@code rows}, through reused x and one-hot buffers (no native allocation per step). */
    private void fitBatch(Head h, int[] rows) {
        int c = h.classCount();
        INDArray x = batchX.get(rows.length, embeddings.columns());
        INDArray oneHot = batchY.get(rows.length, c);
        Nd4j.pullRows(embeddings, x, 1, rows);
        java.nio.FloatBuffer y = oneHot.data().asNioFloat();
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < c; j++) y.put(i * c + j, j == labelOf[rows[i]] ? 1f : 0f);
        }
        h.fit(x, oneHot);
    }

    private final Scratch batchX = new Scratch(8);
    private final Scratch batchY = new Scratch(8);

    private boolean[] youngClasses() {
        boolean[] young = new boolean[classSize.length];
        for (int c = 0; c < young.length; c++) young[c] = classSize[c] > 0 && classSize[c] < policy.youngClassExamples();
        return young;
    }

    // ---- scoring and publishing -------------------------------------------------------------------------

    /** Publishes after a change that re-scores every row (class added, undo, retrain, strategy). */
    private Snapshot publish(int steps, int updates, double stepMs) {
        return publish(steps, updates, stepMs, null);
    }

    /**
     * Snapshots the head, re-scores rows, re-ranks and publishes. {@code changedRows} non-null marks a label step,
     * which on a large collection re-scores only the hot rows and a slice ({@link ScoringPolicy}).
     */
    private Snapshot publish(int steps, int updates, double stepMs, int[] changedRows) {
        long t1 = System.nanoTime();
        head.setUnseenShare(unseenShare());
        int c = head.classCount();
        if (rowScratch.length < c) rowScratch = new float[c];
        long v = ++version;
        headVersion = v;
        boolean partial = changedRows != null && n > scoring.fullBelow() && lastQueue != null
                && scoredClassCount == c && scoredStrategy == ranker.strategy();
        if (partial) {
            int hot = Math.min(scoring.hotRows(), lastQueue.length);
            int[] rows = Arrays.copyOf(lastQueue, hot + changedRows.length);
            System.arraycopy(changedRows, 0, rows, hot, changedRows.length);
            scoreRows(rows, v);
            int left = Math.min(scoring.sliceRows(), n);
            while (left > 0) {
                int end = Math.min(n, sliceCursor + left);
                scoreRange(sliceCursor, end, v);
                left -= end - sliceCursor;
                sliceCursor = end == n ? 0 : end;
            }
        } else {
            scoreRange(0, n, v);
        }
        scoredClassCount = c;
        scoredStrategy = ranker.strategy();
        estimateBand = band();
        AccuracyEstimate est = estimate();
        if (est != null) head.setEstimateHistory(head.estimateHistory().with(est.labels(), est.estimate()));
        lastState = head.state();
        return emit(steps, updates, stepMs, t1);
    }

    /** Ranks the current per-row results and publishes them as a new snapshot. */
    private Snapshot emit(int steps, int updates, double stepMs, long t1) {
        int c = head.classCount();
        // With text priors the predictions mean something before the first label: no k-means sample first.
        boolean cold = !zeroShot() && ranker.inColdStart(labelCount, c);
        int[] queue = ranker.queue(scoreNow, labelled, labelCount, c, embeddings, cold);
        lastQueue = queue;
        int sorted = cold ? queue.length : Math.min(queue.length, ranker.topK());
        int stale = 0;
        for (int at : scoredAt) if (at < headVersion) stale++;
        double rerankMs = (System.nanoTime() - t1) / 1e6;
        Snapshot snap = new Snapshot(version, labelCount, c, head.activeCount(), predictedNow.clone(), confidenceNow.clone(),
                scoreNow.clone(), queue, sorted, cold, ranker.strategy(), steps, updates, stepMs, rerankMs, lastState,
                scoredAt.clone(), headVersion, stale, estimate());
        latest = snap;
        publisher.execute(() -> onSnapshot.accept(snap));
        return snap;
    }

    // ---- the accuracy estimate (docs/adr/0023-accuracy-estimate.md) ------------------------------------------

    /** Rows whose logits give the estimate's band: enough for a mean to ±1 point, few enough to cost ~1 ms. */
    static final int BAND_ROWS = 256;
    /** The band spans log T ± this many standard deviations (a 90 % interval if the model were exact). */
    static final double BAND_Z = 1.64;
    /**
     * What the calibration model itself may be off by, as a standard deviation of the estimate, added to the
     * temperature's uncertainty in quadrature: on the benchmarks, once the temperature was pinned down (digits,
     * 50–200 labels), the estimate still missed the truth by 2–3 points (docs/adr/0023-accuracy-estimate.md).
     */
    static final double BAND_MODEL_SD = 0.03;
    private double[] estimateBand = {0, 0}; // what the band adds below and above, from the latest head

    /**
     * The estimated accuracy on the unlabelled rows: their mean shown confidence (every row's latest scoring), with
     * the band from {@link #band()} and the projection from the head's curve; null without an active class or an
     * unlabelled row.
     */
    private AccuracyEstimate estimate() {
        if (head.activeCount() == 0) return null;
        double sum = 0;
        int m = 0;
        for (int r = 0; r < n; r++) {
            if (!labelled[r] && predictedNow[r] >= 0) {
                sum += confidenceNow[r];
                m++;
            }
        }
        if (m == 0) return null;
        int labels = trainableCount();
        Calibration.Gap g = recentGap(labels);
        double seen = 1 - head.unseenShare(); // the gap is about images of classes with examples
        double center = Math.max(0, Math.min(1, sum / m + seen * g.mean()));
        EstimateHistory h = head.estimateHistory().with(labels, center);
        double floor = BAND_Z * BAND_MODEL_SD, gapBand = BAND_Z * seen * g.se();
        return AccuracyEstimate.of(labels, m, center, center - Math.hypot(Math.hypot(estimateBand[0], floor), gapBand),
                center + Math.hypot(Math.hypot(estimateBand[1], floor), gapBand), h.labelCounts(), h.estimates());
    }

    // The temperature law behind the estimate's correction (Calibration.recentGap), and the gap it gave: a pure
    // function of the head's kept predictions and label count, so undo, redo and a reopened project give the
    // estimate they gave before.
    private Calibration.Fit law;
    private Calibration.Records lawRecords;
    private int lawLabels = -1;
    private Calibration.Gap gap;
    private Calibration.Records gapRecords;
    private int gapLabels = -1;

    private void keepLaw(Calibration.Fit fit, Calibration.Records records, int labels) {
        law = fit;
        lawRecords = records;
        lawLabels = labels;
    }

    /**
     * The correction of the estimate: how far the shown confidence was from being right over the latest labels' own
     * predictions (docs/adr/0023-accuracy-estimate.md). The law is the latest fit's when it was made on these very
     * predictions (or, from {@link #REFIT_ALWAYS_BELOW} labels on, fewer than {@link #REFIT_EVERY} labels ago, as
     * the temperature itself), else fitted here.
     */
    private Calibration.Gap recentGap(int labels) {
        Calibration.Records rec = head.calibrationRecords();
        if (rec == gapRecords && labels == gapLabels) return gap;
        boolean current = law != null && (rec == lawRecords && labels == lawLabels
                || labels >= REFIT_ALWAYS_BELOW && labels >= lawLabels && labels - lawLabels < REFIT_EVERY);
        if (!current) keepLaw(Calibration.fit(rec, labels, head.activeCount(), textLabels()), rec, labels);
        gap = head.activeCount() < 2 ? Calibration.Gap.NONE : Calibration.recentGap(rec, labels, law);
        gapRecords = rec;
        gapLabels = labels;
        return gap;
    }

    /**
     * How far the mean confidence moves when the temperature is {@link #BAND_Z} standard deviations of its fit
     * higher (down) or lower (up), on a fixed sample of unlabelled rows: {below, above}.
     */
    private double[] band() {
        double sd = head.temperatureLogSd();
        if (head.activeCount() == 0 || sd <= 0) return new double[] {0, 0};
        if (estimateSample == null) estimateSample = permutation(n, new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L));
        int[] rows = new int[Math.min(BAND_ROWS, n)];
        int m = 0;
        for (int i = 0; i < n && m < rows.length; i++) {
            if (!labelled[estimateSample[i]]) rows[m++] = estimateSample[i];
        }
        if (m == 0) return new double[] {0, 0};
        INDArray x = Nd4j.pullRows(embeddings, 1, Arrays.copyOf(rows, m));
        float[][] z = head.logits(x);
        x.close(); // freed at once: every step makes one (docs/adr/0037-resident-size-while-labelling.md)
        double t = head.temperature(), u = head.uniformShare();
        double scale = (1 - head.unseenShare()) * (1 - u); // the even part ε / K is the same at every T: it cancels
        double at = meanTop(z, t), softer = meanTop(z, t * Math.exp(BAND_Z * sd)), sharper = meanTop(z, t * Math.exp(-BAND_Z * sd));
        return new double[] {scale * Math.max(0, at - softer), scale * Math.max(0, sharper - at)};
    }

    private static int[] permutation(int n, SplittableRandom r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }

    /** Mean over rows of the top softmax probability of {@code z / t} (masked classes' logits underflow to 0). */
    private static double meanTop(float[][] z, double t) {
        double total = 0;
        for (float[] row : z) {
            double max = Double.NEGATIVE_INFINITY;
            for (float v : row) max = Math.max(max, v / t);
            double s = 0;
            for (float v : row) s += Math.exp(v / t - max);
            total += 1 / s;
        }
        return total / z.length;
    }

    /**
     * While nothing is queued, re-scores the rows an earlier partial step left stale (chunk by chunk, starting where
     * the rotating slice stands), then publishes a snapshot in which every row is fresh. Gives way at once to any
     * command; rows already refreshed keep their fresh results.
     */
    private void refreshWhileIdle() {
        if (latest == null || latest.staleRows() == 0) return;
        long t1 = System.nanoTime();
        int chunk = scoring.chunkRows();
        int start = sliceCursor;
        for (int done = 0; done < n; ) {
            if (!inbox.isEmpty() || !running) return;
            int a = (start + done) % n;
            int b = Math.min(n, a + Math.min(chunk, n - done));
            boolean stale = false;
            for (int i = a; i < b && !stale; i++) stale = scoredAt[i] < headVersion;
            if (stale) scoreRange(a, b, version);
            done += b - a;
        }
        version++; // same head (headVersion unchanged), fresher rows
        emit(0, 0, 0, t1);
    }

    /** Scores rows [a, b) with the current head, {@code chunkRows} at a time, into the per-row results. */
    private void scoreRange(int a, int b, long v) {
        boolean bulk = nativeOps != null && b - a >= BULK_ROWS && defaultNativeThreads > 1;
        if (bulk) nativeOps.setOmpNumThreads(defaultNativeThreads);
        try {
            scoreChunks(a, b, v);
        } finally {
            if (bulk) nativeOps.setOmpNumThreads(1);
        }
    }

    private void scoreChunks(int a, int b, long v) {
        int c = head.classCount();
        for (int lo = a; lo < b; lo += scoring.chunkRows()) {
            int hi = Math.min(b, lo + scoring.chunkRows());
            INDArray out = probBuffer(hi - lo, c);
            INDArray ranked = rankedBuffer(hi - lo, c);
            INDArray x = lo == 0 && hi == n ? embeddings
                    : embeddings.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(lo, hi), org.nd4j.linalg.indexing.NDArrayIndex.all());
            head.predictInto(x, out, ranked);
            RowStats.computeRows(out.data().asNioFloat(), ranked == null ? null : ranked.data().asNioFloat(), hi - lo, c,
                    ranker.strategy(), ranker.seed(), null, lo, predictedNow, confidenceNow, scoreNow, rowScratch);
            Arrays.fill(scoredAt, lo, hi, (int) v);
        }
    }

    /** Scores the listed rows (duplicates allowed) with the current head into the per-row results. */
    private void scoreRows(int[] rows, long v) {
        if (rows.length == 0) return;
        int c = head.classCount();
        INDArray x = hotRows.get(rows.length, embeddings.columns()); // the step's ~1,000 rows × D, reused
        Nd4j.pullRows(embeddings, x, 1, rows);
        INDArray out = probBuffer(rows.length, c);
        INDArray ranked = rankedBuffer(rows.length, c);
        head.predictInto(x, out, ranked);
        RowStats.computeRows(out.data().asNioFloat(), ranked == null ? null : ranked.data().asNioFloat(), rows.length, c,
                ranker.strategy(), ranker.seed(), rows, 0, predictedNow, confidenceNow, scoreNow, rowScratch);
        for (int r : rows) scoredAt[r] = (int) v;
    }

    /** A reused rows×C probability buffer; the few sizes in use (chunk, tail, hot rows) are kept, others dropped. */
    private INDArray probBuffer(int rows, int c) {
        return probBuffers.get(rows, c);
    }

    /**
     * Where the probabilities the queue ranks by go: the head's own, before the temperature — so calibrating the shown
     * numbers never changes which images are asked for (docs/adr/0022-calibration-from-the-first-labels.md); null where
     * they are the shown ones (T = 1), the strategy does not look at them (random), or the strategy is least
     * confidence, which promises the order of the confidence it shows (lowest first: the CLI contract).
     */
    private INDArray rankedBuffer(int rows, int c) {
        QueryStrategy s = ranker.strategy();
        if ((head.temperature() == 1.0 && head.temperatureLogSd() == 0 && head.uniformShare() == 0) || s == QueryStrategy.RANDOM || s == QueryStrategy.LEAST_CONFIDENCE) return null;
        return rankedBuffers.get(rows, c);
    }

    private final Scratch rankedBuffers = new Scratch(4);
    private final Scratch hotRows = new Scratch(4);

    // ---- retrain ----------------------------------------------------------------------------------------

    private RetrainResult retrain(int epochs, double heldOutFraction, long seed, boolean calibrate) {
        long t0 = System.nanoTime();
        if (heldOutFraction < 0 || heldOutFraction >= 1) throw new IllegalArgumentException("heldOutFraction in [0,1)");
        SplittableRandom r = new SplittableRandom(seed);
        int cc = classSize.length;
        int[][] train = new int[cc][];
        List<Integer> heldOut = new ArrayList<>();
        int trainCount = 0;
        for (int c = 0; c < cc; c++) {
            int[] rows = Arrays.copyOf(rowsByClass[c], classSize[c]);
            Arrays.sort(rows); // independent of labelling order
            for (int i = rows.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = rows[i]; rows[i] = rows[j]; rows[j] = t;
            }
            int hold = rows.length > 1 ? (int) Math.floor(heldOutFraction * rows.length) : 0;
            hold = Math.max(0, Math.min(hold, rows.length - 1));
            for (int i = 0; i < hold; i++) heldOut.add(rows[i]);
            train[c] = Arrays.copyOfRange(rows, hold, rows.length);
            trainCount += train[c].length;
        }
        Head fresh = trainFresh(train, epochs, r);
        if (!fresh.isFinite()) throw new TrainingDivergedException("retrain diverged; kept the current head", new int[0]);
        double acc = Double.NaN;
        if (!heldOut.isEmpty()) {
            int[] rows = heldOut.stream().mapToInt(Integer::intValue).toArray();
            INDArray p = fresh.predict(Nd4j.pullRows(embeddings, 1, rows));
            int[] arg = p.argMax(1).toIntVector();
            int ok = 0;
            for (int i = 0; i < rows.length; i++) if (arg[i] == labelOf[rows[i]]) ok++;
            acc = ok / (double) rows.length;
        }
        fresh.setEstimateHistory(head.estimateHistory());
        if (calibrate) {
            fresh.setCalibrationRecords(crossFitted(train, epochs, new SplittableRandom(seed ^ 0x6A09E667F3BCC909L)));
            Calibration.Fit fit = Calibration.fit(fresh.calibrationRecords(), trainCount, fresh.activeCount(), textLabels());
            fresh.setTemperature(fit.temperature(), fit.logSd());
            fresh.setUniformShare(fit.uniformShare());
            keepLaw(fit, fresh.calibrationRecords(), trainCount);
        } else {
            fresh.setCalibrationRecords(head.calibrationRecords());
            fresh.setTemperature(head.temperature(), head.temperatureLogSd());
            fresh.setUniformShare(head.uniformShare());
        }
        head = fresh;
        fittedAt = trainCount;
        Arrays.fill(lostExamples, false);
        Arrays.fill(firstExamples, false);
        syncActivation(); // held-out-only classes: activate from their examples
        Snapshot snap = publish(epochs * Math.max(1, (trainCount + RETRAIN_BATCH - 1) / RETRAIN_BATCH), 0,
                (System.nanoTime() - t0) / 1e6);
        return new RetrainResult(acc, trainCount, heldOut.size(), (System.nanoTime() - t0) / 1_000_000, snap);
    }

    /** A head trained from scratch on {@code train} (rows per class): class-balanced minibatches, annealed rate. */
    private Head trainFresh(int[][] train, int epochs, SplittableRandom r) {
        int cc = train.length;
        int trainCount = 0;
        for (int[] t : train) trainCount += t.length;
        Head fresh = Head.create(head.config(), head.classCount());
        fresh.setInputNormalization(collectionNormalization());
        fresh.bindWriter(thread);
        fresh.setL2(policy.l2(fresh.config().l2(), trainCount));
        fresh.setTextAnchors(priors, TEXT_PULL / Math.max(1, trainCount));
        for (int c = 0; c < cc; c++) {
            if (priors[c] != null) {
                fresh.setTextColumn(c, priors[c]); // a retrain starts from the text too, as the label steps do
                if (train[c].length > 0) fresh.addExampleColumn(c, Nd4j.pullRows(embeddings, 1, train[c]), globalMean);
            } else if (train[c].length > 0) {
                fresh.activateClass(c, Nd4j.pullRows(embeddings, 1, train[c]), globalMean);
            }
        }
        int[] classes = java.util.stream.IntStream.range(0, cc).filter(c -> train[c].length > 0).toArray();
        int batches = Math.max(1, (trainCount + RETRAIN_BATCH - 1) / RETRAIN_BATCH);
        if (classes.length > 0) {
            int[] rows = new int[RETRAIN_BATCH];
            for (int e = 0; e < epochs; e++) {
                fresh.setLearningRateScale(retrainLearningRateScale(e, epochs));
                for (int b = 0; b < batches; b++) {
                    int offset = r.nextInt(classes.length);
                    for (int i = 0; i < RETRAIN_BATCH; i++) {
                        int[] pool = train[classes[(offset + i) % classes.length]];
                        rows[i] = pool[r.nextInt(pool.length)];
                    }
                    fitBatch(fresh, rows);
                }
            }
        }
        fresh.setLearningRateScale(1.0); // label steps after the retrain learn at the full rate
        return fresh;
    }

    /** Folds of the cross-fitted calibration of a retrain; only the first is trained beyond {@link #CROSS_FIT_ALL_BELOW} labels. */
    static final int CROSS_FIT_FOLDS = 5;
    static final int CROSS_FIT_ALL_BELOW = 1000;

    /**
     * Honest predictions for a head retrained from scratch, which has made none of its own: each fold of the labels
     * is predicted by a head trained the same way on the other folds, and those predictions (at most
     * {@link Calibration#WINDOW}, spread over the folds) are kept for its temperature. Below
     * {@link #CROSS_FIT_ALL_BELOW} labels every fold is trained (five extra retrains, on few labels); above, one fold
     * already gives more predictions than are kept.
     */
    private Calibration.Records crossFitted(int[][] train, int epochs, SplittableRandom r) {
        int total = 0;
        for (int[] t : train) total += t.length;
        int folds = total >= CROSS_FIT_ALL_BELOW ? 1 : CROSS_FIT_FOLDS;
        int perFold = Calibration.WINDOW / folds;
        Calibration.Records out = Calibration.Records.EMPTY;
        for (int f = 0; f < folds; f++) {
            int[][] in = new int[train.length][];
            List<Integer> held = new ArrayList<>();
            int inCount = 0;
            for (int c = 0; c < train.length; c++) {
                int[] rows = train[c]; // shuffled already
                int[] keep = new int[rows.length];
                int k = 0;
                for (int i = 0; i < rows.length; i++) {
                    if (i % CROSS_FIT_FOLDS == f) held.add(rows[i]); else keep[k++] = rows[i];
                }
                in[c] = Arrays.copyOf(keep, k);
                inCount += k;
            }
            if (held.isEmpty() || inCount == 0) continue;
            java.util.Collections.shuffle(held, new java.util.Random(r.nextLong()));
            int[] rows = held.stream().limit(perFold).mapToInt(Integer::intValue).toArray();
            Head foldHead = trainFresh(in, epochs, r);
            if (foldHead.activeCount() < 2 || !foldHead.isFinite()) continue;
            float[][] z = foldHead.logits(Nd4j.pullRows(embeddings, 1, rows));
            for (int i = 0; i < rows.length; i++) {
                if (foldHead.isActive(labelOf[rows[i]])) out = out.with(z[i], labelOf[rows[i]], inCount, foldHead.activeCount());
            }
        }
        return out;
    }

    /**
     * The batch retrain's learning rate in epoch {@code e} of {@code epochs}, relative to the head's: full for the
     * first half, then falling linearly to 2% in the last epoch, so that the result sits near the optimum instead of
     * wherever the last minibatches left it.
     */
    static double retrainLearningRateScale(int e, int epochs) {
        int half = epochs / 2;
        if (e < half || epochs < 2) return 1.0;
        double t = (e - half + 1) / (double) (epochs - half);
        return 1.0 - 0.98 * t;
    }

    /** Configures and starts a {@link Trainer}. */
    public static final class Builder {
        private final INDArray embeddings;
        private final Head head;
        private StepPolicy policy = StepPolicy.defaults();
        private ScoringPolicy scoring = ScoringPolicy.defaults();
        private Ranker ranker;
        private long seed = 42;
        private Executor publisher = Runnable::run;
        private Consumer<Snapshot> onSnapshot = s -> { };
        private Consumer<Throwable> onError = t -> { };
        private int[] initialLabels;
        private boolean[] retired = new boolean[0];
        private InputNormalization normalization;
        private TextPrior[] priors = new TextPrior[0];
        private boolean normalize = true;
        private boolean singleThreadedNative = !"false".equals(System.getProperty("loupe.trainer.singleThreaded"));

        private Builder(INDArray embeddings, Head head) {
            this.embeddings = Objects.requireNonNull(embeddings);
            this.head = Objects.requireNonNull(head);
        }

        public Builder policy(StepPolicy p) { this.policy = Objects.requireNonNull(p); return this; }
        /** How much a label step re-scores on a large collection (default {@link ScoringPolicy#defaults()}). */
        public Builder scoring(ScoringPolicy p) { this.scoring = Objects.requireNonNull(p); return this; }
        public Builder ranker(Ranker r) { this.ranker = Objects.requireNonNull(r); return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        /** Where listeners run: {@code Platform::runLater} in the app, a direct executor in tests (the default). */
        public Builder publishOn(Executor e) { this.publisher = Objects.requireNonNull(e); return this; }
        public Builder onSnapshot(Consumer<Snapshot> l) { this.onSnapshot = Objects.requireNonNull(l); return this; }
        public Builder onError(Consumer<Throwable> l) { this.onError = Objects.requireNonNull(l); return this; }
        /**
         * Text priors by column (null entries: none), e.g. the stored text embeddings of a CLIP project's classes:
         * those classes start from their text and predict before their first example.
         */
        public Builder textPriors(List<TextPrior> byColumn) { this.priors = byColumn.toArray(new TextPrior[0]); return this; }
        /** Labels known at start (row → class, −1 none), e.g. from the journal; applied without training. */
        public Builder initialLabels(int[] labelOfRow) { this.initialLabels = labelOfRow.clone(); return this; }
        /** Columns whose classes were deleted (see {@link Trainer#retireClasses}). */
        public Builder retiredClasses(boolean[] columns) { this.retired = columns.clone(); return this; }

        /**
         * The standardisation an untrained head (and every retrain from scratch) gets; by default that of the
         * embeddings given to the trainer. Give it when those are not the whole collection (e.g. a retrain
         * reference on the labelled rows only).
         */
        public Builder normalization(InputNormalization n) { this.normalization = Objects.requireNonNull(n); return this; }
        /**
         * Whether the trainer thread's native (OpenMP) work runs on one thread (default; set the system property
         * {@code loupe.trainer.singleThreaded=false} to compare).
         */
        public Builder singleThreadedNative(boolean on) { this.singleThreadedNative = on; return this; }
        /** Leaves the embeddings as they are (no standardisation), e.g. to measure what it brings. */
        public Builder withoutNormalization() { this.normalize = false; return this; }

        /** Starts the trainer thread; it publishes an initial snapshot (model version 0). */
        public Trainer start() {
            if (ranker == null) ranker = Ranker.defaults(seed);
            return new Trainer(this);
        }
    }
}
