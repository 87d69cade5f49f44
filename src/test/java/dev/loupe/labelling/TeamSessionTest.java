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
 * It trains on the consensus labels, and undo takes back this instance's own label, never a pulled one.
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

    private static TeamEvent remote(long serverSeq, String who, ImageRecord img, String cls) {
        return new TeamEvent(serverSeq, UUID.randomUUID().toString(), System.currentTimeMillis(), EventKind.RELABEL, who,
                img.sha256(), img.relPath(), cls, null, null, null, false, 0);
    }
}
