package dev.loupe.labelling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.project.EventKind;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;
import dev.loupe.project.TeamEvent;
import dev.loupe.team.Consensus;
import dev.loupe.team.TeamSync;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shared project's session (ADR 0034), without a server: other annotators' events arrive as a pull would bring them.
 * It trains on the consensus labels, undo takes back this instance's own label, never a pulled one, and pulled labels
 * are learned by the open session (the app's background sync) without reopening it.
 */
class TeamSessionTest {

    @TempDir
    Path tmp;

    @Test
    void aSharedProjectTrainsOnConsensusAndUndoesOnlyItsOwnLabels() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 4);
        Path dir = tmp.resolve("p.loupe");
        assertThat(CliRun.run("import", dir.toString(), data.toString()).exitCode()).isZero();
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            store.setSetting(TeamSync.SERVER_SETTING, "postgresql://nobody@127.0.0.1:1/none");
            store.setSetting(TeamSync.PROJECT_SETTING, "p");
            store.setAnnotator("ann");
            long c0 = store.addClass("class0", null, null).id();
            long c1 = store.addClass("class1", null, null).id();
            ImageRecord a = store.findByRelPath("class0/img0.png").orElseThrow();
            ImageRecord b = store.findByRelPath("class0/img1.png").orElseThrow();
            ImageRecord c = store.findByRelPath("class1/img0.png").orElseThrow();
            try (LabellingSession session = LabellingSession.open(store, LabellingSession.Options.defaults())) {
                session.label(a.id(), c0).join();
                session.label(b.id(), c0).join();
                session.label(c.id(), c1).join();
                // bob disagrees on b, agrees on c; his events arrive after ann's last label
                store.applyRemote(List.of(remote(1, "bob", b, "class1"), remote(2, "bob", c, "class1")), 2);
                assertThat(store.pulledEvents()).hasSize(2);
                // ann's undo takes back ann's last label (on c), not bob's
                LabellingSession.LabelResult undo = session.undo().join();
                assertThat(undo.event().imageId()).isEqualTo(c.id());
                assertThat(undo.event().undoOf()).isNotIn(store.pulledEvents());
                session.redo().join();
            }
            // a: ann alone; b: ann class0 vs bob class1, a conflict; c: both class1
            var training = Consensus.trainingLabels(store);
            assertThat(training).containsEntry(a.id(), c0).containsEntry(c.id(), c1).doesNotContainKey(b.id());
            assertThat(store.currentLabels()).containsKey(b.id());
            try (LabellingSession session = LabellingSession.open(store, LabellingSession.Options.defaults())) {
                assertThat(session.latest().labelCount()).isEqualTo(training.size()).isEqualTo(2);
            }
        }
    }

    @Test
    void pulledLabelsAreLearnedByTheOpenSessionWithoutReopeningIt() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 4);
        Path dir = tmp.resolve("p.loupe");
        assertThat(CliRun.run("import", dir.toString(), data.toString()).exitCode()).isZero();
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            store.setSetting(TeamSync.SERVER_SETTING, "postgresql://nobody@127.0.0.1:1/none");
            store.setSetting(TeamSync.PROJECT_SETTING, "p");
            store.setAnnotator("ann");
            long c0 = store.addClass("class0", null, null).id();
            ImageRecord a = store.findByRelPath("class0/img0.png").orElseThrow();
            ImageRecord b = store.findByRelPath("class0/img1.png").orElseThrow();
            ImageRecord c = store.findByRelPath("class2/img0.png").orElseThrow();
            try (LabellingSession session = LabellingSession.open(store, LabellingSession.Options.defaults())) {
                session.label(a.id(), c0).join();
                int versions = store.modelVersions().size();
                // bob labels b as class0 and c as class2, a class this instance does not have yet
                var before = Consensus.trainingLabels(store);
                store.applyRemote(List.of(remote(1, "bob", b, "class0"), remote(2, "bob", c, "class2")), 2);
                var snap = session.learnTeamLabels(before).join();
                long c2 = store.classByName("class2").orElseThrow().id();
                assertThat(session.columns()).containsExactly(c0, c2);
                assertThat(snap.labelCount()).isEqualTo(3);
                assertThat(session.latest().predictedClass(session.rowOf(c.id()))).as("learned bob's new class")
                        .isEqualTo(1);
                session.drainPersister();
                assertThat(store.modelVersions()).hasSize(versions + 1);
                assertThat(store.latestModelVersion().orElseThrow().journalSeq()).isEqualTo(store.lastSeq());
                assertThat(session.learnTeamLabels(Consensus.trainingLabels(store)).join().labelCount())
                        .as("nothing new: nothing learned twice").isEqualTo(3);
            }
        }
    }

    private static TeamEvent remote(long serverSeq, String who, ImageRecord img, String cls) {
        return new TeamEvent(serverSeq, UUID.randomUUID().toString(), System.currentTimeMillis(), EventKind.RELABEL, who,
                img.sha256(), img.relPath(), cls, null, null, null, false, 0);
    }
}
