package dev.loupe.labelling;

import dev.loupe.LoupeException;
import dev.loupe.labelling.LabellingSession.LabelResult;
import dev.loupe.labelling.LabellingSession.QueueItem;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.JournalEntry;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;
import dev.loupe.ranking.QueryStrategy;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import dev.loupe.training.ModelVersionFile;
import dev.loupe.training.Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The learning loop on a real project: real images, Model Zero embeddings, the real trainer and store. */
class LabellingSessionTest {

    @TempDir
    Path tmp;
    private Path projectDir;
    private ProjectStore store;
    private LabellingSession session;
    private final Map<String, Long> classIds = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 8);
        projectDir = tmp.resolve("p.loupe");
        assertThat(CliRun.run("import", projectDir.toString(), data.toString()).exitCode()).isZero();
        store = ProjectStore.open(projectDir, false);
        for (int c = 0; c < 3; c++) {
            classIds.put("class" + c, store.addClass("class" + c, null, null).id());
        }
        session = LabellingSession.open(store, LabellingSession.Options.defaults());
    }

    @AfterEach
    void tearDown() {
        if (session != null) {
            session.close();
        }
        store.close();
    }

    private long image(String rel) {
        return store.findByRelPath(rel).orElseThrow().id();
    }

    private float[] probabilitiesOfAll() {
        Snapshot s = session.latest();
        float[] conf = s.confidenceCopy();
        int[] pred = s.predictedCopy();
        float[] out = new float[conf.length * 2];
        for (int i = 0; i < conf.length; i++) {
            out[2 * i] = conf[i];
            out[2 * i + 1] = pred[i];
        }
        return out;
    }

    private ModelVersionFile latestVersionFile() {
        return ModelVersionFile.read(store.dir().resolve(store.latestModelVersion().orElseThrow().file()));
    }

    private void reopen() {
        session.close();
        session = LabellingSession.open(store, LabellingSession.Options.defaults());
    }

    @Test
    void aLabelIsJournaledTrainedOnAndSavedAsAModelVersion() {
        long img = image("class1/img0.png");
        LabelResult r = session.label(img, classIds.get("class1")).join();

        assertThat(r.event().imageId()).isEqualTo(img);
        assertThat(store.currentLabels()).containsEntry(img, classIds.get("class1"));
        assertThat(r.snapshot().labelCount()).isEqualTo(1);
        assertThat(r.modelVersion().journalSeq()).isEqualTo(r.event().seq());
        assertThat(store.dir().resolve(r.modelVersion().file())).exists();
        assertThat(session.queue(QueryStrategy.MARGIN, 100)).extracting(QueueItem::imageId).doesNotContain(img)
                .hasSize(23);
        // with one labelled class everything is predicted as that class
        assertThat(session.queue(QueryStrategy.MARGIN, 100)).extracting(QueueItem::predicted).containsOnly("class1");
    }

    @Test
    void labelsTeachTheModel() {
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 3; i++) {
                session.label(image("class" + c + "/img" + i + ".png"), classIds.get("class" + c)).join();
            }
        }
        List<QueueItem> queue = session.queue(QueryStrategy.MARGIN, 100);
        long right = queue.stream().filter(q -> q.path().getParent().getFileName().toString().equals(q.predicted())).count();
        assertThat(queue).hasSize(15);
        assertThat(right).as("unlabelled images predicted right after 9 labels").isGreaterThanOrEqualTo(12);
    }

    @Test
    void undoRestoresEveryPredictionAndRedoTheStateAfter() {
        session.label(image("class0/img0.png"), classIds.get("class0")).join();
        session.label(image("class1/img0.png"), classIds.get("class1")).join();
        float[] before = probabilitiesOfAll();
        long img = image("class2/img0.png");
        session.label(img, classIds.get("class2")).join();
        float[] after = probabilitiesOfAll();
        assertThat(after).isNotEqualTo(before);

        LabelResult undone = session.undo().join();
        assertThat(undone.event().undoOf()).isNotNull();
        assertThat(store.labelOf(img)).isEmpty();
        assertThat(probabilitiesOfAll()).containsExactly(before, within(1e-6f));

        session.redo().join();
        assertThat(store.labelOf(img)).contains(classIds.get("class2"));
        assertThat(probabilitiesOfAll()).containsExactly(after, within(1e-6f));
    }

    @Test
    void undoOfALabelCoalescedWithAnotherGoesBackBeforeTheStepAndRelearnsTheOther() {
        session.label(image("class0/img0.png"), classIds.get("class0")).join();
        // b starts a step at once; c and d arrive while it trains and are learned together in the next step
        var b = session.label(image("class1/img0.png"), classIds.get("class1"));
        var c = session.label(image("class2/img0.png"), classIds.get("class2"));
        var d = session.label(image("class2/img1.png"), classIds.get("class2"));
        LabelResult rb = b.join();
        LabelResult rc = c.join();
        LabelResult rd = d.join();
        org.junit.jupiter.api.Assumptions.assumeTrue(rc.snapshot() == rd.snapshot() && rb.snapshot() != rc.snapshot(),
                "c and d were not coalesced into one step on this run (timing)");
        assertThat(rc.modelVersion()).isEqualTo(rd.modelVersion());
        assertThat(rd.modelVersion().journalSeq()).as("the step is filed under its newest event").isEqualTo(rd.event().seq());

        LabelResult undone = session.undo().join();

        assertThat(store.labelOf(image("class2/img1.png"))).isEmpty();
        assertThat(store.labelOf(image("class2/img0.png"))).contains(classIds.get("class2"));
        Snapshot s = session.latest();
        assertThat(s.labelCount()).isEqualTo(3);
        assertThat(s.headState()).as("not the head that learned d").isNotEqualTo(rd.snapshot().headState());
        assertThat(s.adamSteps()).as("c was learned again after going back before the step").isPositive();
        assertThat(s.predictedClass(session.rowOf(image("class2/img0.png")))).isEqualTo(2);
        assertThat(undone.modelVersion().journalSeq()).isEqualTo(undone.event().seq());
    }

    @Test
    void undoWorksAcrossProcessesBecauseItComesFromTheJournalAndSavedVersions() {
        session.label(image("class0/img0.png"), classIds.get("class0")).join();
        float[] before = probabilitiesOfAll();
        session.label(image("class0/img1.png"), classIds.get("class1")).join();
        reopen();

        session.undo().join();

        assertThat(probabilitiesOfAll()).containsExactly(before, within(1e-6f));
        assertThat(store.labelOf(image("class0/img1.png"))).isEmpty();
    }

    @Test
    void undoOfARelabelGivesTheOldClassBack() {
        long img = image("class0/img0.png");
        session.label(img, classIds.get("class0")).join();
        session.label(img, classIds.get("class1")).join();
        session.undo().join();
        assertThat(store.labelOf(img)).contains(classIds.get("class0"));
    }

    @Test
    void nothingToUndoIsAClearError() {
        assertThatThrownBy(() -> session.undo()).isInstanceOf(LoupeException.class).hasMessageContaining("Nothing to undo");
        assertThatThrownBy(() -> session.redo()).isInstanceOf(LoupeException.class).hasMessageContaining("Nothing to redo");
    }

    @Test
    void addingAClassChangesNoPrediction() {
        session.label(image("class0/img0.png"), classIds.get("class0")).join();
        session.label(image("class1/img0.png"), classIds.get("class1")).join();
        float[] before = probabilitiesOfAll();

        double keep = 1 - session.latest().headState().unseenShare();
        LabelClass added = session.addClass("newcomer", null, null);

        // the same predictions; every confidence shrinks by the share the new, still unseen, class may hold
        float[] now = probabilitiesOfAll();
        double scale = (1 - session.latest().headState().unseenShare()) / keep;
        assertThat(scale).isLessThan(1.0);
        for (int i = 0; i < before.length; i += 2) {
            assertThat(now[i + 1]).isEqualTo(before[i + 1]);
            assertThat((double) now[i]).isCloseTo(before[i] * scale, within(1e-5));
        }
        assertThat(session.columns()).endsWith(added.id());
        // and it can be used at once
        session.label(image("class2/img0.png"), added.id()).join();
        assertThat(session.queue(QueryStrategy.MARGIN, 100)).extracting(QueueItem::predicted).contains("newcomer");
    }

    @Test
    void aModelBehindTheJournalIsCaughtUpOnOpen() {
        session.label(image("class0/img0.png"), classIds.get("class0")).join();
        session.close();
        session = null;
        // labels that reached the journal but not the model, as after a crash between the two
        store.label(image("class1/img0.png"), classIds.get("class1"), null, null);
        JournalEntry last = store.label(image("class2/img0.png"), classIds.get("class2"), null, null).orElseThrow();

        session = LabellingSession.open(store, LabellingSession.Options.defaults());

        assertThat(session.latest().labelCount()).isEqualTo(3);
        assertThat(store.latestModelVersion().orElseThrow().journalSeq()).isEqualTo(last.seq());
        assertThat(session.latest().activeClassCount()).isEqualTo(3);
    }

    @Test
    void aNewBaseModelKeepsEveryLabelAndRetrainsOnIt() throws Exception {
        // As when Loupe ships a new Model Zero: the project's base model changes width and id under its labels.
        for (int c = 0; c < 3; c++) {
            session.label(image("class" + c + "/img0.png"), classIds.get("class" + c)).join();
        }
        Map<Long, Long> labels = store.currentLabels();
        String oldBackbone = latestVersionFile().backboneId();
        session.close();
        session = null;
        Path other = tmp.resolve("other-base.zip");
        dev.loupe.backbone.StandInModel.main(new String[] {"write", other.toString()});
        store.setSetting(ProjectBackbone.SETTING, other.toString());

        session = LabellingSession.open(store, LabellingSession.Options.defaults());

        assertThat(store.currentLabels()).isEqualTo(labels);
        assertThat(session.latest().labelCount()).isEqualTo(3);
        assertThat(session.latest().activeClassCount()).isEqualTo(3);
        ModelVersionFile latest = latestVersionFile();
        assertThat(latest.backboneId()).isNotEqualTo(oldBackbone).startsWith("model-zero@");
        assertThat(latest.state().config().inputDim()).isEqualTo(240); // the stand-in's width, not Model Zero's 480
        assertThat(latest.labelCount()).isEqualTo(3);
        assertThat(session.queue(QueryStrategy.MARGIN, 100)).hasSize(21);
        // and the next label trains on the new base model
        session.label(image("class1/img1.png"), classIds.get("class1")).join();
        assertThat(session.latest().labelCount()).isEqualTo(4);
    }

    @Test
    void mergeAndDeleteMoveTheModelWithTheLabels() {
        long a = image("class0/img0.png");
        long b = image("class1/img0.png");
        session.label(a, classIds.get("class0")).join();
        session.label(b, classIds.get("class1")).join();

        session.mergeClass(classIds.get("class1"), classIds.get("class0"));
        assertThat(store.labelOf(b)).contains(classIds.get("class0"));
        assertThat(session.latest().activeClassCount()).isEqualTo(1);

        session.deleteClass(classIds.get("class0"));
        assertThat(store.currentLabels()).isEmpty();
        assertThat(session.latest().labelCount()).isZero();
    }

    @Test
    void aDeletedClassNoLongerCountsAsOneTheModelHasYetToSee() {
        session.label(image("class0/img0.png"), classIds.get("class0")).join();
        session.label(image("class1/img0.png"), classIds.get("class1")).join();
        double share = session.latest().headState().unseenShare();
        assertThat(share).as("class2 has no example yet").isPositive();
        assertThat(latestVersionFile().state().unseenShare()).isEqualTo(share);
        session.deleteClass(classIds.get("class2"));
        assertThat(session.latest().headState().unseenShare()).isZero();
        assertThat(latestVersionFile().state().unseenShare()).as("saved as a model version").isZero();
        reopen();
        assertThat(session.latest().headState().unseenShare()).as("and still so when reopened").isZero();
    }

    @Test
    void everyModelVersionCarriesTheAccuracyEstimateAndAnUndoneLabelLeavesThePrequentialRecord() {
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 2; i++) {
                session.label(image("class" + c + "/img" + i + ".png"), classIds.get("class" + c)).join();
            }
        }
        LabelResult r = session.label(image("class0/img2.png"), classIds.get("class0")).join();
        assertThat(r.snapshot().estimate()).isNotNull();
        assertThat(r.snapshot().estimate().unlabelled()).isEqualTo(24 - 7);
        ModelVersionFile saved = latestVersionFile();
        assertThat(saved.estimate().estimate()).isCloseTo(r.snapshot().estimate().estimate(), within(1e-4));
        assertThat(saved.state().calibrationRecords()).isEqualTo(r.snapshot().headState().calibrationRecords());
        int checked = store.stats().prequential().total();
        assertThat(checked).isPositive();

        session.undo().join();
        assertThat(store.stats().prequential().total()).as("the undone label's verdict is gone").isEqualTo(checked - 1);
        assertThat(session.latest().headState().calibrationRecords().size())
                .isEqualTo(r.snapshot().headState().calibrationRecords().size() - 1);
        session.redo().join();
        assertThat(store.stats().prequential().total()).isEqualTo(checked);

        // labelling again an image the model has learned (a correction, or another annotator's confirmation) is no
        // test of the model: no verdict in the journal, no prediction kept for the calibration
        int records = session.latest().headState().calibrationRecords().size();
        LabelResult again = session.label(image("class0/img2.png"), classIds.get("class1")).join();
        assertThat(store.journal().get(store.journal().size() - 1).prequential()).isNull();
        assertThat(store.stats().prequential().total()).isEqualTo(checked);
        assertThat(again.snapshot().headState().calibrationRecords().size()).isEqualTo(records);
        LabelResult fresh = session.label(image("class2/img3.png"), classIds.get("class2")).join();
        assertThat(store.journal().get(store.journal().size() - 1).prequential()).as("a new image still is one").isNotNull();
        assertThat(fresh.snapshot().headState().calibrationRecords().size()).isEqualTo(records + 1);
    }

    @Test
    void aProjectWithImagesButNoClassesShowsItsVarietyFirst() throws Exception {
        // the files start with 12 near copies of one picture (the same shape and colour, a little moved); three other
        // kinds come after them
        Path data = tmp.resolve("boots");
        for (int i = 0; i < 12; i++) {
            TestImages.png(data.resolve(String.format("a%02d.png", i)), 0, i);
        }
        for (int c = 1; c <= 3; c++) {
            for (int i = 0; i < 4; i++) {
                TestImages.png(data.resolve(String.format("k%d-%02d.png", c, i)), c, i);
            }
        }
        Path dir = tmp.resolve("new.loupe");
        assertThat(CliRun.run("import", dir.toString(), data.toString()).exitCode()).isZero();
        try (ProjectStore fresh = ProjectStore.open(dir, false);
             LabellingSession s = LabellingSession.open(fresh, LabellingSession.Options.defaults())) {
            assertThat(s.latest()).isNull();
            List<QueueItem> first = s.queue(QueryStrategy.MARGIN, 6);
            // in file order the first six would all be copies of "a"; here every kind is among them
            java.util.Set<Character> kinds = new java.util.HashSet<>();
            for (QueueItem q : first) {
                String name = q.path().getFileName().toString();
                kinds.add(name.startsWith("a") ? 'a' : name.charAt(1));
            }
            assertThat(kinds).containsExactlyInAnyOrder('a', '1', '2', '3');
            // the order is the session's variety order, the same for the app's gallery
            int[] order = s.varietyOrder();
            assertThat(order).hasSize(24);
            assertThat(first).extracting(QueueItem::imageId)
                    .containsExactly(java.util.Arrays.stream(order).limit(6).mapToObj(s::imageIdAt).toArray(Long[]::new));
        }
    }

    @Test
    void anImageWithoutEmbeddingCannotBeLabelledAndSaysWhy() {
        ImageRecord rec = store.findByRelPath("class0/img3.png").orElseThrow();
        assertThat(session.rowOf(rec.id())).isGreaterThanOrEqualTo(0);
        assertThatThrownBy(() -> session.label(rec.id(), 999_999L)).isInstanceOf(LoupeException.class)
                .hasMessageContaining("No such class");
    }

    @Test
    void anExportedModelPredictsWhatTheProjectPredicts() throws Exception {
        for (int c = 0; c < 3; c++) {
            session.label(image("class" + c + "/img0.png"), classIds.get("class" + c)).join();
            session.label(image("class" + c + "/img1.png"), classIds.get("class" + c)).join();
        }
        session.drainPersister();
        Path file = tmp.resolve("model.zip");
        dev.loupe.export.ProjectExport.exportModel(store, null, file);

        Snapshot s = session.latest();
        dev.loupe.export.FolderPredictor.Result predicted;
        try (dev.loupe.export.LoupeModel model = dev.loupe.export.LoupeModel.load(file)) {
            predicted = new dev.loupe.export.FolderPredictor(model, new dev.loupe.importing.ImageDecoder(), 2, 8)
                    .run(tmp.resolve("data"), (done, total) -> { });
        }
        assertThat(predicted.predictions()).hasSize(24);
        for (var item : predicted.predictions()) {
            int row = session.rowOf(store.findByPath(item.path()).orElseThrow().id());
            String projectLabel = store.classById(session.columns().get(s.predictedClass(row))).orElseThrow().name();
            assertThat(item.prediction().label()).as(item.path().toString()).isEqualTo(projectLabel);
            assertThat(item.prediction().confidence()).isCloseTo(s.confidence(row), within(1e-4f));
        }
    }

    @Test
    void batchRetrainHoldsOutLabelsAndTheLoopContinuesFromIt() {
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 5; i++) {
                store.label(image("class" + c + "/img" + i + ".png"), classIds.get("class" + c), null, null);
            }
        }
        reopen();
        var r = session.retrain(20, 0.2);
        assertThat(r.heldOutCount()).isEqualTo(3);
        assertThat(r.heldOutAccuracy()).isGreaterThanOrEqualTo(2 / 3.0);
        assertThat(store.latestModelVersion().orElseThrow().note()).isEqualTo("batch retrain");
        session.label(image("class0/img7.png"), classIds.get("class0")).join();
        assertThat(session.latest().labelCount()).isEqualTo(16);
    }

    @Test
    void probabilitiesOfOneImageAgreeWithTheSnapshot() {
        session.label(image("class0/img0.png"), classIds.get("class0")).join();
        session.label(image("class1/img0.png"), classIds.get("class1")).join();
        long img = image("class2/img3.png");
        Snapshot s = session.latest();
        int row = session.rowOf(img);

        float[] p = session.probabilities(img);

        assertThat(p).hasSize(3);
        int argmax = 0;
        for (int c = 1; c < p.length; c++) {
            argmax = p[c] > p[argmax] ? c : argmax;
        }
        assertThat(argmax).isEqualTo(s.predictedClass(row));
        assertThat(p[argmax]).isCloseTo(s.confidence(row), within(1e-5f));
        assertThat(p[2]).as("a class without examples").isZero();
        // the rest is the chance that the image is of that class, which the model cannot predict yet
        assertThat((double) p[0] + p[1]).isCloseTo(1 - s.headState().unseenShare(), within(1e-5));
    }

    @Test
    void setStrategyReranksTheQueue() {
        session.label(image("class0/img0.png"), classIds.get("class0")).join();
        session.setStrategy(QueryStrategy.RANDOM);
        assertThat(session.latest().strategy()).isEqualTo(QueryStrategy.RANDOM);
    }
}
