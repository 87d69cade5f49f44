package dev.loupe.project;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchLabelTest {

    @TempDir
    Path tmp;

    @Test
    void labelAllWritesOneEventPerChangeAndSurvivesReopen() {
        Path dir = tmp.resolve("p.loupe");
        List<Long> ids;
        long a;
        long b;
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            List<NewImage> imgs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                imgs.add(new NewImage(tmp.resolve("i" + i + ".png"), tmp, "h" + i, 1, 1, 1, 1));
            }
            ids = store.addImages(imgs);
            a = store.addClass("a", null, null).id();
            b = store.addClass("b", null, null).id();
            store.label(ids.get(0), a, null, null);

            List<JournalEntry> written = store.labelAll(List.of(
                    Map.entry(ids.get(0), a),   // already a: skipped
                    Map.entry(ids.get(1), a),
                    Map.entry(ids.get(2), b),
                    Map.entry(ids.get(2), a))); // relabel within the batch

            assertThat(written).extracting(JournalEntry::kind)
                    .containsExactly(EventKind.LABEL, EventKind.LABEL, EventKind.RELABEL);
            assertThat(store.currentLabels()).containsEntry(ids.get(1), a).containsEntry(ids.get(2), a).hasSize(3);
            assertThat(LabelReplay.replay(store.journal())).isEqualTo(store.currentLabels());
        }
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            assertThat(store.currentLabels()).hasSize(3);
        }
    }

    @Test
    void aBadEntryWritesNothing() {
        try (ProjectStore store = ProjectStore.open(tmp.resolve("p.loupe"), true)) {
            long img = store.addImages(List.of(new NewImage(tmp.resolve("x.png"), tmp, "h", 1, 1, 1, 1))).get(0);
            long cls = store.addClass("a", null, null).id();
            long seq = store.lastSeq();
            assertThatThrownBy(() -> store.labelAll(List.of(Map.entry(img, cls), Map.entry(img + 99, cls))))
                    .isInstanceOf(ProjectException.class);
            assertThat(store.lastSeq()).isEqualTo(seq);
            assertThat(store.currentLabels()).isEmpty();
        }
    }
}
