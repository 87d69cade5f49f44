package dev.loupe.training;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TrainerTest {
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Snapshot> published = new CopyOnWriteArrayList<>();
    private final Set<String> listenerThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Trainer trainer;

    private Trainer start(Blobs b, StepPolicy policy) {
        Head head = Head.create(HeadConfig.linear(b.d, 3), b.classes);
        trainer = Trainer.builder(b.embeddings(), head).policy(policy).seed(5)
                .onSnapshot(s -> { published.add(s); listenerThreads.add(Thread.currentThread().getName()); })
                .onError(errors::add)
                .start();
        return trainer;
    }

    @AfterEach
    void stop() {
        if (trainer != null) trainer.close();
    }

    private static Snapshot await(CompletableFuture<Snapshot> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void theTrainersNativeWorkIsSingleThreadedAndOtherThreadsKeepTheirs() throws Exception {
        org.nd4j.nativeblas.NativeOps ops = org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps();
        int here = ops.ompGetMaxThreads();
        start(new Blobs(100, 8, 3, 4.0, 1), StepPolicy.defaults());
        assertThat(trainer.nativeThreadsOnTrainer().get(20, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(ops.ompGetMaxThreads()).as("the calling thread (e.g. embedding) is untouched").isEqualTo(here);
    }

    @Test
    void aBurstFromSeveralThreadsIsFullyAppliedCoalescedAndSingleWriter() throws Exception {
        Blobs b = new Blobs(1000, 16, 5, 4.0, 2);
        start(b, StepPolicy.defaults());
        List<CompletableFuture<Snapshot>> futures = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t * 50;
            Thread s = new Thread(() -> {
                try { go.await(); } catch (InterruptedException e) { return; }
                for (int i = 0; i < 50; i++) futures.add(trainer.submit(LabelUpdate.label(base + i, b.y[base + i])));
            });
            s.start();
            senders.add(s);
        }
        go.countDown();
        for (Thread s : senders) s.join();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        Snapshot last = trainer.latest();
        assertThat(last.labelCount()).isEqualTo(200);
        assertThat(last.queueSize()).isEqualTo(800);
        long steps = published.stream().filter(s -> s.appliedUpdates() > 0).count();
        assertThat(steps).isLessThan(200);                       // coalesced
        assertThat(published.stream().mapToInt(Snapshot::appliedUpdates).sum()).isEqualTo(200); // none dropped
        assertThat(errors).isEmpty();                            // no Head call came from another thread
        assertThat(listenerThreads).containsExactly(Trainer.THREAD_NAME); // direct executor: published from the trainer
        assertThat(trainer.call(h -> Thread.currentThread().getName()).get()).isEqualTo(Trainer.THREAD_NAME);
        assertThat(trainer.thread().isDaemon()).isTrue();
        // and the head refuses anyone else
        Head head = trainer.call(h -> h).get();
        assertThatThrownBy(head::state).isInstanceOf(IllegalStateException.class);
    }

    private Snapshot labelRandomRows(Blobs b, int count, long seed) throws Exception {
        Random r = new Random(seed);
        Set<Integer> used = new HashSet<>();
        Snapshot s = null;
        while (used.size() < count) {
            int row = r.nextInt(b.n);
            if (used.add(row)) s = await(trainer.submit(LabelUpdate.label(row, b.y[row])));
        }
        return s;
    }

    @Test
    void learnsSeparableBlobsWithinFiftyLabels() throws Exception {
        Blobs b = new Blobs(1000, 32, 5, 4.0, 3);
        start(b, StepPolicy.defaults());
        Snapshot s = labelRandomRows(b, 50, 11);
        System.out.printf("separable blobs: accuracy after 50 labels %.3f%n", b.accuracy(s));
        assertThat(b.accuracy(s)).isGreaterThan(0.90);
        assertThat(s.coldStart()).isFalse();
        assertThat(errors).isEmpty();
    }

    @Test
    void perLabelHeadStaysCloseToARetrainFromScratch() throws Exception {
        Blobs b = new Blobs(1000, 32, 5, 2.2, 13); // overlapping: the best linear head gets ~75%
        start(b, StepPolicy.defaults());
        double perLabel = b.accuracy(labelRandomRows(b, 100, 13));
        RetrainResult rr = trainer.retrainFromScratch(40, 0.0, 9).get(60, TimeUnit.SECONDS);
        double scratch = b.accuracy(rr.snapshot());
        System.out.printf("overlapping blobs, 100 labels: per-label %.3f, retrain from scratch %.3f%n", perLabel, scratch);
        assertThat(Math.abs(perLabel - scratch)).isLessThanOrEqualTo(0.02);
        assertThat(rr.trainCount()).isEqualTo(100);
        RetrainResult held = trainer.retrainFromScratch(40, 0.2, 9).get(60, TimeUnit.SECONDS);
        assertThat(held.heldOutCount()).isBetween(15, 20); // floor(20%) per class
        assertThat(held.heldOutAccuracy()).isBetween(0.4, 1.0);
        assertThat(errors).isEmpty();
    }

    @Test
    void theShownProbabilitiesGetATemperatureFromPredictionsMadeBeforeEachLabel() throws Exception {
        // Overlapping classes: a head trained on a few of them is overconfident on the next ones.
        Blobs b = new Blobs(600, 16, 3, 1.0, 11);
        start(b, new StepPolicy(31, 20, 20, 0, 0, false, 5));
        Snapshot s = null;
        for (int i = 0; i < Calibration.MIN_PREDICTIONS; i++) {
            s = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
            assertThat(s.headState().temperature()).as("too few predictions yet").isEqualTo(1.0);
        }
        for (int i = Calibration.MIN_PREDICTIONS; i < Calibration.MIN_PREDICTIONS + 20; i++) {
            s = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
        }
        assertThat(s.headState().temperature()).isGreaterThan(1.0);
        // The temperature changes how sure the head is shown to be, never what it predicts.
        Head calibrated = Head.fromState(s.headState());
        INDArray x = b.embeddings();
        INDArray p = calibrated.predict(x);
        HeadState raw = s.headState();
        Head plain = Head.fromState(raw);
        plain.setTemperature(1.0);
        assertThat(p.argMax(1)).isEqualTo(plain.predict(x).argMax(1));
        assertThat(p.max(1).meanNumber().doubleValue()).isLessThan(plain.predict(x).max(1).meanNumber().doubleValue());
        assertThat(errors).isEmpty();
    }

    @Test
    void aReopenedHeadKeepsItsSavedTemperatureUntilEnoughNewPredictions() throws Exception {
        Blobs b = new Blobs(300, 16, 3, 4.0, 12);
        Head head = Head.create(HeadConfig.linear(b.d, 3), b.classes);
        head.setTemperature(1.7); // as saved by an earlier session
        trainer = Trainer.builder(b.embeddings(), head).policy(new StepPolicy(31, 5, 5, 0, 0, false, 5)).seed(5)
                .onError(errors::add).start();
        Snapshot s = null;
        for (int i = 0; i < 12; i++) s = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
        assertThat(s.headState().temperature()).isEqualTo(1.7);
        assertThat(errors).isEmpty();
    }

    @Test
    void addingAClassChangesNoPrediction() throws Exception {
        Blobs b = new Blobs(400, 16, 4, 4.0, 4);
        start(b, new StepPolicy(31, 10, 5, 60, 160, false, 5));
        Snapshot s = null;
        for (int i = 0; i < 12; i++) s = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
        Snapshot wider = await(trainer.addClass());
        assertThat(wider.classCount()).isEqualTo(5);
        assertThat(wider.activeClassCount()).isEqualTo(4);
        assertThat(wider.predictedCopy()).isEqualTo(s.predictedCopy());
        assertThat(wider.confidenceCopy()).isEqualTo(s.confidenceCopy());
        // the new class can be used, and only then gets predictions
        Snapshot used = await(trainer.submit(LabelUpdate.label(20, 4)));
        assertThat(used.activeClassCount()).isEqualTo(5);
        assertThat(used.predictedClass(20)).isEqualTo(4);
    }

    @Test
    void undoRestoresPredictionsExactly() throws Exception {
        Blobs b = new Blobs(400, 16, 4, 4.0, 5);
        start(b, new StepPolicy(31, 10, 5, 60, 160, false, 5));
        Snapshot before = null;
        for (int i = 0; i < 10; i++) before = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
        Snapshot after = await(trainer.submit(LabelUpdate.label(10, b.y[10])));
        assertThat(after.labelCount()).isEqualTo(11);
        Snapshot undone = await(trainer.restore(before.headState(), List.of(LabelUpdate.unlabel(10))));
        assertThat(undone.labelCount()).isEqualTo(10);
        assertThat(undone.modelVersion()).isGreaterThan(after.modelVersion());
        float[] x = before.confidenceCopy(), y = undone.confidenceCopy();
        for (int i = 0; i < x.length; i++) assertThat(Math.abs(x[i] - y[i])).isLessThanOrEqualTo(1e-6f);
        assertThat(undone.predictedCopy()).isEqualTo(before.predictedCopy());
        assertThat(undone.headState()).isEqualTo(before.headState());
    }

    @Test
    void divergenceRollsBackAndKeepsTraining() throws Exception {
        Blobs b = new Blobs(300, 16, 3, 4.0, 6);
        for (int j = 0; j < 16; j++) b.x[299 * 16 + j] = Float.NaN; // one broken embedding
        start(b, new StepPolicy(31, 5, 5, 60, 160, false, 5));
        Snapshot ok = null;
        for (int i = 0; i < 6; i++) ok = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
        Snapshot bad = await(trainer.submit(LabelUpdate.label(299, b.y[299])));
        assertThat(errors).singleElement().isInstanceOf(TrainingDivergedException.class);
        assertThat(((TrainingDivergedException) errors.get(0)).quarantinedRows()).containsExactly(299);
        assertThat(bad.headState()).isEqualTo(ok.headState());
        assertThat(bad.labelCount()).isEqualTo(7);
        Snapshot next = await(trainer.submit(LabelUpdate.label(7, b.y[7])));
        assertThat(trainer.call(Head::isFinite).get()).isTrue();
        assertThat(next.adamSteps()).isEqualTo(5);
        assertThat(errors).hasSize(1);
    }

    @Test
    void badUpdatesReachTheErrorListenerAndTheThreadLives() throws Exception {
        Blobs b = new Blobs(100, 8, 2, 4.0, 7);
        start(b, new StepPolicy(31, 5, 5, 60, 160, false, 5));
        CompletableFuture<Snapshot> f = trainer.submit(LabelUpdate.label(5, 9));
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(errors).hasSize(1);
        Snapshot s = await(trainer.submit(LabelUpdate.label(5, 1)));
        assertThat(s.labelCount()).isEqualTo(1);
        assertThat(trainer.thread().isAlive()).isTrue();
    }

    @Test
    void queueHoldsOnlyUnlabelledRowsAndRelabelUnlabelWork() throws Exception {
        Blobs b = new Blobs(200, 8, 2, 4.0, 8);
        start(b, new StepPolicy(31, 5, 5, 60, 160, false, 5));
        await(trainer.submit(LabelUpdate.label(3, 0)));
        await(trainer.submit(LabelUpdate.label(3, 1)));       // relabel
        Snapshot s = await(trainer.submit(LabelUpdate.label(4, 0)));
        assertThat(s.labelCount()).isEqualTo(2);
        Set<Integer> q = new HashSet<>();
        for (int i = 0; i < s.queueSize(); i++) q.add(s.queueAt(i));
        assertThat(q).hasSize(198).doesNotContain(3, 4);
        Snapshot u = await(trainer.submit(LabelUpdate.unlabel(3)));
        assertThat(u.labelCount()).isEqualTo(1);
        assertThat(u.activeClassCount()).isEqualTo(1);        // class 1 lost its only example: masked again
        assertThat(u.queueSize()).isEqualTo(199);
    }

    @Test
    void partialScoringMarksStaleRowsAndAnIdleRefreshMakesEveryRowFresh() throws Exception {
        Blobs b = new Blobs(1200, 16, 4, 2.5, 9);
        Head head = Head.create(HeadConfig.linear(b.d, 3), b.classes);
        CountDownLatch refreshed = new CountDownLatch(1);
        trainer = Trainer.builder(b.embeddings(), head).seed(5).policy(new StepPolicy(31, 5, 5, 60, 160, false, 5))
                .scoring(new ScoringPolicy(0, 40, 100, 64)) // partial from the first row on: top 40 + a slice of 100
                .onSnapshot(s -> { published.add(s); if (s.appliedUpdates() == 0 && s.adamSteps() == 0 && s.labelCount() == 30) refreshed.countDown(); })
                .onError(errors::add)
                .start();
        Snapshot s = null;
        for (int i = 0; i < 30; i++) s = trainer.submit(LabelUpdate.label(i, b.y[i])).get(20, TimeUnit.SECONDS);
        // the row just labelled, the previous queue's head and the slice were scored by the newest head
        assertThat(s.staleRows()).isPositive().isLessThan(b.n);
        assertThat(s.isStale(29)).isFalse();
        int fresh = 0;
        for (int r = 0; r < b.n; r++) if (!s.isStale(r)) fresh++;
        assertThat(fresh).isEqualTo(b.n - s.staleRows()).isGreaterThanOrEqualTo(100);
        // once idle, the trainer re-scores the rest and publishes a snapshot where every row is fresh
        assertThat(refreshed.await(20, TimeUnit.SECONDS)).isTrue();
        Snapshot idle = trainer.latest();
        assertThat(idle.staleRows()).isZero();
        assertThat(idle.modelVersion()).isGreaterThan(s.modelVersion());
        assertThat(idle.headState()).isSameAs(s.headState());
        assertThat(idle.headVersion()).isEqualTo(s.modelVersion());
        // and it equals a full scoring by that head
        INDArray p = Head.fromState(idle.headState()).predict(b.embeddings());
        int[] arg = p.argMax(1).toIntVector();
        for (int r = 0; r < b.n; r++) {
            assertThat(idle.predictedClass(r)).as("row %d", r).isEqualTo(arg[r]);
            assertThat(idle.confidence(r)).isCloseTo(p.getFloat(r, arg[r]), org.assertj.core.data.Offset.offset(1e-6f));
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void theRetrainRateIsFullForHalfTheEpochsThenFallsToTwoPercent() {
        for (int epochs : new int[] {2, 5, 47, 100}) {
            double prev = 1.0;
            for (int e = 0; e < epochs; e++) {
                double f = Trainer.retrainLearningRateScale(e, epochs);
                if (e < epochs / 2) assertThat(f).isEqualTo(1.0);
                assertThat(f).isLessThanOrEqualTo(prev).isPositive();
                prev = f;
            }
            assertThat(Trainer.retrainLearningRateScale(epochs - 1, epochs)).isCloseTo(0.02, within(1e-9));
        }
        assertThat(Trainer.retrainLearningRateScale(0, 1)).isEqualTo(1.0);
    }
}
