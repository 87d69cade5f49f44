package dev.loupe.labelling;

import dev.loupe.LoupeException;
import dev.loupe.labelling.LabellingSession.LabelResult;
import dev.loupe.labelling.LabellingSession.Pruning;
import dev.loupe.labelling.LabellingSession.QueueItem;
import dev.loupe.project.ImageStatus;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectException;
import dev.loupe.project.ProjectStore;
import dev.loupe.ranking.QueryStrategy;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the loop does when the world goes wrong around it: files vanish, the disk fills, versions pile up. */
class SessionRobustnessTest {

    @TempDir
    Path tmp;
    private Path data;
    private Path projectDir;
    private ProjectStore store;
    private LabellingSession session;
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private long[] classes;

    @BeforeEach
    void setUp() throws Exception {
        data = TestImages.imageFolder(tmp.resolve("data"), 3, 8);
        projectDir = tmp.resolve("p.loupe");
        assertThat(CliRun.run("import", projectDir.toString(), data.toString()).exitCode()).isZero();
        store = ProjectStore.open(projectDir, false);
        classes = new long[3];
        for (int c = 0; c < 3; c++) {
            classes[c] = store.addClass("class" + c, null, null).id();
        }
    }

    @AfterEach
    void tearDown() {
        if (session != null) {
            session.close();
        }
        store.close();
    }

    private LabellingSession open(Pruning pruning) {
        if (session != null) {
            session.close();
        }
        session = LabellingSession.open(store, LabellingSession.Options.defaults()
                .withPublishing(Runnable::run, s -> { }, errors::add).withPruning(pruning));
        return session;
    }

    private long image(int cls, int i) {
        return store.findByRelPath("class" + cls + "/img" + i + ".png").orElseThrow().id();
    }

    @Test
    void imagesDeletedOrMovedAfterImportAreMarkedMissingKeepTheirLabelsAndLeaveTheQueue() throws Exception {
        open(Pruning.DEFAULT).label(image(0, 0), classes[0]).join();
        session.close();
        session = null;
        Files.delete(data.resolve("class0/img0.png"));                                     // labelled, deleted
        Files.move(data.resolve("class1/img1.png"), tmp.resolve("elsewhere.png"));          // unlabelled, moved

        open(Pruning.DEFAULT);

        assertThat(store.image(image(0, 0)).orElseThrow().status()).isEqualTo(ImageStatus.MISSING);
        assertThat(store.image(image(1, 1)).orElseThrow().status()).isEqualTo(ImageStatus.MISSING);
        assertThat(store.image(image(1, 1)).orElseThrow().statusReason()).contains("moved or deleted");
        assertThat(store.currentLabels()).containsEntry(image(0, 0), classes[0]);
        assertThat(session.latest().labelCount()).isEqualTo(1); // its embedding stays, so the model keeps it
        assertThat(session.queue(QueryStrategy.MARGIN, 100)).extracting(QueueItem::imageId)
                .hasSize(22).doesNotContain(image(1, 1), image(0, 0));
        assertThat(session.label(image(2, 0), classes[2]).join().modelVersion()).isNotNull(); // labelling goes on

        Files.move(tmp.resolve("elsewhere.png"), data.resolve("class1/img1.png")); // back again
        open(Pruning.DEFAULT);
        assertThat(store.image(image(1, 1)).orElseThrow().status()).isEqualTo(ImageStatus.OK);
        assertThat(session.queue(QueryStrategy.MARGIN, 100)).extracting(QueueItem::imageId).contains(image(1, 1));
        assertThat(errors).isEmpty();
    }

    @Test
    void theCliReportsMissingImagesAndGoesOn() throws Exception {
        store.close();
        Files.delete(data.resolve("class2/img3.png"));
        CliRun q = CliRun.run("queue", projectDir.toString(), "--limit", "100", "--json");
        assertThat(q.exitCode()).as(q.err()).isZero();
        assertThat(q.json()).hasSize(23);
        assertThat(q.out()).doesNotContain("class2/img3.png");
        CliRun s = CliRun.run("status", projectDir.toString());
        assertThat(s.out()).containsIgnoringCase("missing");
        store = ProjectStore.open(projectDir, false);
    }

    @Test
    void aModelVersionThatCannotBeWrittenIsReportedTheLabelIsKeptAndLabellingGoesOn() throws Exception {
        open(Pruning.DEFAULT);
        // the disk refuses model files (as when it is full): models/ is a file now
        Path models = projectDir.resolve("models");
        Path away = projectDir.resolve("models.away");
        Files.move(models, away);
        Files.writeString(models, "not a folder");

        LabelResult r = session.label(image(0, 0), classes[0]).join();

        assertThat(r.event()).isNotNull();
        assertThat(r.modelVersion()).isNull();
        assertThat(store.currentLabels()).containsEntry(image(0, 0), classes[0]);
        assertThat(errors).singleElement().isInstanceOf(LoupeException.class)
                .extracting(Throwable::getMessage).asString()
                .contains("could not be saved", "labels are safe in the journal");
        assertThat(session.label(image(1, 0), classes[1]).join().snapshot().labelCount()).isEqualTo(2); // goes on

        Files.delete(models);
        Files.move(away, models); // space again
        LabelResult after = session.label(image(2, 0), classes[2]).join();
        assertThat(after.modelVersion()).isNotNull();
        open(Pruning.DEFAULT);
        assertThat(store.latestModelVersion().orElseThrow().journalSeq()).isEqualTo(store.lastSeq());
        assertThat(session.latest().labelCount()).isEqualTo(3);
    }

    @Test
    void pruningKeepsTheNewestAndEveryNthUndoStillRestoresExactlyWithinTheKeptDepth() throws Exception {
        Pruning pruning = new Pruning(8, 5);
        open(pruning);
        List<float[]> before = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            before.add(confidences());
            session.label(image(i % 3, i / 3), classes[(i + i / 3) % 3]).join();
        }
        List<ModelVersion> kept = store.modelVersions();
        ModelVersion newest = kept.get(kept.size() - 1);
        assertThat(kept.size()).isBetween(8, 8 + 2 + 20 / 5);
        assertThat(kept.subList(0, kept.size() - 10).stream().map(ModelVersion::id)).allMatch(id -> id % 5 == 0);
        assertThat(filesIn(projectDir.resolve("models")))
                .isEqualTo(kept.stream().map(v -> Path.of(v.file()).getFileName().toString()).collect(Collectors.toSet()));
        assertThatThrownBy(() -> store.deleteModelVersions(List.of(newest.id())))
                .isInstanceOf(ProjectException.class).hasMessageContaining("newest");

        for (int u = 1; u <= 4; u++) { // each undo saves a version too: 4 undos fit in a depth of 8
            session.undo().join();
            assertThat(confidences()).as("undo %d", u).containsExactly(before.get(20 - u));
        }
        // a new process numbers its files after the pruned ones, never over them
        open(pruning);
        assertThat(session.label(image(0, 7), classes[1]).join().modelVersion()).isNotNull();
        assertThat(errors).isEmpty();
    }

    private float[] confidences() {
        return session.latest() == null ? new float[0] : session.latest().confidenceCopy();
    }

    private static Set<String> filesIn(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
