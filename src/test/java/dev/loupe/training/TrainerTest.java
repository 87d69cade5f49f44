package dev.loupe.training;

import dev.loupe.ranking.Ranker;

import dev.loupe.ranking.QueryStrategy;

import dev.loupe.ranking.ColdStart;

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
    void theShownProbabilitiesAreCalibratedFromTheFirstLabelsOnPredictionsMadeBeforeEachLabel() throws Exception {
        // Overlapping classes: a head trained on a few of them is overconfident on the next ones.
        Blobs b = new Blobs(600, 16, 3, 1.0, 11);
        start(b, new StepPolicy(31, 20, 20, 0, 0, false, 5));
        Snapshot s = null;
        int checked = 0;
        for (int i = 0; i < 12; i++) {
            Snapshot before = s;
            s = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
            if (before != null && before.activeClassCount() >= 2 && Head.fromState(before.headState()).isActive(b.y[i])) {
                checked++;
            }
        }
        HeadState state = s.headState();
        // every label the head could have got right left its prediction, made before the head learned it
        assertThat(state.calibrationRecords().size()).isEqualTo(checked).isPositive();
        assertThat(state.calibrationRecords().labelsBefore(checked - 1)).isEqualTo(11);
        // the temperature is the fit of those predictions at 12 labels, from the first labels on (no waiting for 100)
        Calibration.Fit fit = Calibration.fit(state.calibrationRecords(), 12, s.activeClassCount());
        assertThat(state.temperature()).isEqualTo(fit.temperature()).isGreaterThan(1.5);
        assertThat(state.temperatureLogSd()).isEqualTo(fit.logSd());
        assertThat(state.unseenShare()).isZero(); // every class has an example
        // the part spread evenly over the classes is fitted with it, on the same predictions
        assertThat(state.uniformShare()).isEqualTo(fit.uniformShare()).isBetween(0.0, 0.3);
        double u = state.uniformShare();
        // the shown confidence is exactly the calibrated softmax, and the predicted class is the raw head's
        Head raw = Head.fromState(state);
        raw.setTemperature(1.0, 0.0); // the head's own probabilities: no temperature, no spread of it, no even share
        raw.setUniformShare(0);
        float[][] z = raw.logits(b.embeddings());
        INDArray plain = raw.predict(b.embeddings());
        int[] arg = plain.argMax(1).toIntVector();
        for (int r = 0; r < b.n; r += 37) {
            double shown = ShownProbability.top(z[r], state.temperature(), state.temperatureLogSd(), u, b.classes, 0);
            assertThat((double) s.confidence(r)).isCloseTo(shown, within(1e-5));
            assertThat(s.predictedClass(r)).isEqualTo(arg[r]);
            assertThat(s.confidence(r)).isLessThan(plain.getFloat(r, arg[r]));
            // the queue ranks by the head's own margin, before the temperature: calibrating changes no pick
            float p1 = 0, p2 = 0;
            for (int j = 0; j < b.classes; j++) {
                float v = plain.getFloat(r, j);
                if (v > p1) { p2 = p1; p1 = v; } else if (v > p2) { p2 = v; }
            }
            assertThat(s.score(r)).isCloseTo(1 - (p1 - p2), within(1e-5f));
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void predictionsOfColdStartPicksWeighByTheirClustersMassAndLaterOnesByOne() throws Exception {
        Blobs b = new Blobs(600, 16, 3, 1.0, 13);
        start(b, new StepPolicy(31, 10, 10, 0, 0, false, 5));
        // the trainer's own cold start (same seed, same k): each of its picks stands for its cluster's share of rows
        ColdStart cs = Ranker.defaults(5).coldStart(b.embeddings(), b.classes);
        Snapshot s = await(trainer.setStrategy(QueryStrategy.MARGIN));
        List<Integer> picked = new ArrayList<>();
        List<Boolean> cold = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            int row = s.queueAt(0);
            boolean wasCold = s.coldStart();
            boolean counted = s.activeClassCount() >= 2 && Head.fromState(s.headState()).isActive(b.y[row]);
            s = await(trainer.submit(LabelUpdate.label(row, b.y[row])));
            if (counted) {
                picked.add(row);
                cold.add(wasCold);
            }
        }
        Calibration.Records r = s.headState().calibrationRecords();
        assertThat(r.size()).isEqualTo(picked.size());
        assertThat(cold).contains(true, false);
        double spread = 0;
        for (int i = 0; i < r.size(); i++) {
            float expected = cold.get(i) ? (float) cs.mass(picked.get(i)) : 1f;
            assertThat(r.weight(i)).as("prediction %d (cold start: %s)", i, cold.get(i)).isCloseTo(expected, within(1e-6f));
            if (cold.get(i)) spread = Math.max(spread, Math.abs(r.weight(i) - 1));
        }
        assertThat(spread).as("clusters of unequal size: weights that differ from 1").isGreaterThan(0.05);
        // and the temperature is the weighted fit of exactly those predictions
        assertThat(s.headState().temperature())
                .isEqualTo(Calibration.fit(r, s.labelCount(), s.activeClassCount()).temperature());
        assertThat(errors).isEmpty();
    }

    @Test
    void aReopenedHeadKeepsItsCalibrationAndGoesOnFromItsKeptPredictions() throws Exception {
        Blobs b = new Blobs(300, 16, 3, 1.5, 12);
        start(b, new StepPolicy(31, 10, 10, 0, 0, false, 5));
        Snapshot s = null;
        for (int i = 0; i < 15; i++) s = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
        HeadState saved = s.headState();
        trainer.close();
        int[] labels = new int[b.n];
        java.util.Arrays.fill(labels, -1);
        for (int i = 0; i < 15; i++) labels[i] = b.y[i];
        trainer = Trainer.builder(b.embeddings(), Head.fromState(saved)).policy(new StepPolicy(31, 10, 10, 0, 0, false, 5))
                .seed(5).initialLabels(labels).onError(errors::add).start();
        Snapshot reopened = await(trainer.setStrategy(dev.loupe.ranking.QueryStrategy.MARGIN));
        assertThat(reopened.headState().temperature()).isEqualTo(saved.temperature());
        assertThat(reopened.headState().calibrationRecords()).isEqualTo(saved.calibrationRecords());
        Snapshot next = await(trainer.submit(LabelUpdate.label(15, b.y[15])));
        assertThat(next.headState().calibrationRecords().size()).isEqualTo(saved.calibrationRecords().size() + 1);
        assertThat(next.headState().temperature()).isEqualTo(
                Calibration.fit(next.headState().calibrationRecords(), 16, 3).temperature());
        assertThat(errors).isEmpty();
    }

    @Test
    void undoRedoAndARetrainKeepTheCalibrationConsistent() throws Exception {
        Blobs b = new Blobs(400, 16, 4, 1.5, 14);
        start(b, new StepPolicy(31, 10, 5, 60, 160, false, 5));
        Snapshot before = null;
        for (int i = 0; i < 20; i++) before = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
        Snapshot after = await(trainer.submit(LabelUpdate.label(20, b.y[20])));
        assertThat(after.headState().calibrationRecords().size()).isEqualTo(before.headState().calibrationRecords().size() + 1);
        // undo: the undone label's prediction leaves the calibration with it, exactly
        Snapshot undone = await(trainer.restore(before.headState(), List.of(LabelUpdate.unlabel(20))));
        assertThat(undone.headState().calibrationRecords()).isEqualTo(before.headState().calibrationRecords());
        assertThat(undone.headState().temperature()).isEqualTo(before.headState().temperature());
        assertThat(undone.estimate().estimate()).isEqualTo(before.estimate().estimate());
        // redo: back exactly as it was after the label
        Snapshot redone = await(trainer.restore(after.headState(), List.of(LabelUpdate.label(20, b.y[20]))));
        assertThat(redone.headState()).isEqualTo(after.headState());
        // a retrain from scratch has no predictions of its own: it gets cross-fitted ones (each fold predicted by a
        // head retrained on the other folds) and the temperature they give
        RetrainResult rr = trainer.retrainFromScratch(30, 0.0, 9).get(60, TimeUnit.SECONDS);
        HeadState retrained = rr.snapshot().headState();
        Calibration.Records cross = retrained.calibrationRecords();
        assertThat(cross.size()).isBetween(15, 21);
        for (int i = 0; i < cross.size(); i++) assertThat(cross.labelsBefore(i)).isBetween(15, 18);
        assertThat(retrained.temperature()).isEqualTo(Calibration.fit(cross, 21, 4).temperature());
        assertThat(retrained.estimateHistory().size()).as("the curve goes on").isGreaterThan(1);
        // the uncalibrated retrain (a benchmark reference) keeps what the head had
        RetrainResult plain = trainer.retrainFromScratchUncalibrated(30, 0.0, 9).get(60, TimeUnit.SECONDS);
        assertThat(plain.snapshot().headState().calibrationRecords()).isEqualTo(cross);
        assertThat(plain.snapshot().headState().temperature()).isEqualTo(retrained.temperature());
        assertThat(errors).isEmpty();
    }

    @Test
    void theEstimateIsTheMeanShownConfidenceOfTheUnlabelledRowsWithABandAndACurve() throws Exception {
        Blobs b = new Blobs(500, 16, 3, 2.0, 15);
        start(b, new StepPolicy(31, 10, 10, 0, 0, false, 5));
        Snapshot s = null;
        for (int i = 0; i < 30; i++) s = await(trainer.submit(LabelUpdate.label(i, b.y[i])));
        dev.loupe.evaluation.AccuracyEstimate e = s.estimate();
        double sum = 0;
        for (int r = 30; r < b.n; r++) sum += s.confidence(r);
        // plus the gap between right and shown over the predictions made in the latest 20 labels, each shown as the
        // fitted law showed it for its own head, shrunk by n / (n + 20) (ADR 0023, issue 13d)
        Calibration.Records rec = s.headState().calibrationRecords();
        Calibration.Fit law = Calibration.fit(rec, 30, 3);
        double sw = 0, sr = 0;
        int used = 0;
        for (int i = 0; i < rec.size(); i++) {
            if (rec.labelsBefore(i) < 10 || rec.labelsBefore(i) >= 30) continue;
            float[] z = rec.logits(i);
            int k = 0, top = 0;
            for (int c = 0; c < z.length; c++) {
                if (z[c] > Head.MASK_BIAS / 2) k++;
                if (z[c] > z[top]) top = c;
            }
            int at = rec.labelsBefore(i) + 1;
            double shown = ShownProbability.top(z, law.temperatureAt(at), law.logSd(), law.uniformShareAt(at), k, 0);
            sw += rec.weight(i);
            sr += rec.weight(i) * ((top == rec.label(i) ? 1 : 0) - shown);
            used++;
        }
        assertThat(used).isEqualTo(20);
        double gap = used / (used + 20.0) * sr / sw;
        assertThat(Math.abs(gap)).as("the bench-sized correction is a few points here").isGreaterThan(1e-4);
        assertThat(e.labels()).isEqualTo(30);
        assertThat(e.unlabelled()).isEqualTo(b.n - 30);
        assertThat(e.estimate()).isCloseTo(sum / (b.n - 30) + gap, within(1e-9));
        assertThat(e.low()).isLessThan(e.estimate());
        assertThat(e.high()).isGreaterThan(e.estimate());
        // the estimate of every label count so far is kept with the head: the learning curve behind the projection
        EstimateHistory h = s.headState().estimateHistory();
        assertThat(h.size()).isGreaterThanOrEqualTo(29);
        assertThat(h.labels(h.size() - 1)).isEqualTo(30);
        assertThat(h.estimate(h.size() - 1)).isEqualTo(e.estimate());
        // a class without examples: its share comes off every shown probability, and off the estimate
        Snapshot wider = await(trainer.addClass());
        double share = Calibration.unseenShare(30, 4, 1);
        assertThat(wider.headState().unseenShare()).isEqualTo(share);
        assertThat((double) wider.confidence(40)).isCloseTo(s.confidence(40) * (1 - share), within(1e-6));
        assertThat(wider.estimate().estimate()).isCloseTo(e.estimate() * (1 - share), within(1e-6));
        // deleting that class takes it back out
        Snapshot retired = await(trainer.retireClasses(3));
        assertThat(retired.headState().unseenShare()).isZero();
        assertThat(retired.confidence(40)).isEqualTo(s.confidence(40));
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
        // every probability shrinks by the new class's share (it may hold images the model cannot yet predict)
        double keep = 1 - wider.headState().unseenShare();
        assertThat(keep).isLessThan(1.0);
        for (int r = 0; r < b.n; r++) assertThat((double) wider.confidence(r)).isCloseTo(s.confidence(r) * keep, within(1e-6));
        assertThat(wider.headState().temperature()).isEqualTo(s.headState().temperature());
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
