package dev.loupe.project;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabelCheckMarkTest {

    @TempDir
    Path tmp;

    private static NewImage image(Path root, String rel) {
        return new NewImage(root.resolve(rel), root, null, 1, 1, null, null, ImageStatus.OK, null);
    }

    @Test
    void aCheckedLabelStaysCheckedUntilRelabelledAndTheMarkCanBeTakenBack() {
        Path dir = tmp.resolve("p.loupe");
        Path photos = tmp.resolve("photos");
        long a, b, cat, dog, mark;
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            List<Long> ids = store.addImages(List.of(image(photos, "a.png"), image(photos, "b.png")));
            a = ids.get(0);
            b = ids.get(1);
            cat = store.addClass("cat", null, null).id();
            dog = store.addClass("dog", null, null).id();
            store.label(a, cat, null, null);
            store.label(b, dog, null, null);
            int journal = store.journal().size();

            mark = store.markChecked(a).seq();
            assertThat(store.checkedLabels()).isEqualTo(Map.of(a, cat));
            assertThat(store.journal()).as("the label journal itself is untouched").hasSize(journal);
            assertThatThrownBy(() -> store.markChecked(ids.get(0) + 100)).isInstanceOf(ProjectException.class)
                    .hasMessageContaining("no label");
        }
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            assertThat(store.checkedLabels()).as("durable").isEqualTo(Map.of(a, cat));

            LabelCheckMark undo = store.unmarkChecked(mark);
            assertThat(undo.undoOf()).isEqualTo(mark);
            assertThat(undo.checked()).isFalse();
            assertThat(store.checkedLabels()).isEmpty();

            store.markChecked(a); // redo
            store.markChecked(b);
            assertThat(store.checkedLabels()).isEqualTo(Map.of(a, cat, b, dog));

            store.label(a, dog, null, null);
            store.label(a, cat, null, null); // back to the checked class: still a new label, so unchecked
            assertThat(store.checkedLabels()).isEqualTo(Map.of(b, dog));
            assertThat(store.checkMarks()).hasSize(4);
        }
    }
}
