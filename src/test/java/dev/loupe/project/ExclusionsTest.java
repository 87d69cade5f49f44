package dev.loupe.project;

import dev.loupe.export.ProjectExport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Excluding images (issue 14): undoable, recorded append-only, kept across reopening, left out of the exports. */
class ExclusionsTest {

    @TempDir
    Path tmp;

    @Test
    void excludeUndoRedoRoundTripSurvivesReopeningAndLeavesTheExports() {
        Path dir = tmp.resolve("p.loupe");
        Path photos = tmp.resolve("photos");
        List<Long> ids;
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            ids = TestImages.addMany(store, photos, 4);
            LabelClass cat = store.addClass("cat", null, null);
            store.label(ids.get(0), cat.id(), null, null);
            store.label(ids.get(1), cat.id(), null, null);

            assertThat(store.setExcluded(List.of(ids.get(0), ids.get(2)), true, "user")).isPositive();
            assertThat(store.excludedImages()).containsExactlyInAnyOrder(ids.get(0), ids.get(2));
            assertThat(ProjectExport.labels(store)).extracting(ProjectExport.LabelRow::path)
                    .containsExactly(store.image(ids.get(1)).orElseThrow().path().toString());
            assertThat(store.setExcluded(List.of(ids.get(0)), true, "user")).as("already excluded: no batch").isZero();
        }
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            assertThat(store.excludedImages()).containsExactlyInAnyOrder(ids.get(0), ids.get(2));
            assertThat(store.undoLastExclusion()).isEqualTo(2);
            assertThat(store.excludedImages()).isEmpty();
            assertThat(ProjectExport.labels(store)).hasSize(2);
            assertThat(store.currentLabels()).hasSize(2); // labels were never touched
            assertThat(store.undoLastExclusion()).as("undoing the undo redoes").isEqualTo(2);
            assertThat(store.excludedImages()).isEqualTo(Set.of(ids.get(0), ids.get(2)));
            store.setExcluded(List.of(ids.get(2)), false, "user");
            assertThat(store.excludedImages()).containsExactly(ids.get(0));
            assertThatThrownBy(() -> store.setExcluded(List.of(999L), true, "user")).hasMessageContaining("no image 999");
            assertThat(store.excludedImages()).as("a refused batch changes nothing").containsExactly(ids.get(0));
        }
    }

    @Test
    void theRecordIsAppendOnly() throws Exception {
        Path dir = tmp.resolve("p.loupe");
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            List<Long> ids = TestImages.addMany(store, tmp.resolve("photos"), 1);
            store.setExcluded(ids, true, "outlier");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(ProjectStore.DB_FILE));
             Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("DELETE FROM exclusions")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> s.execute("UPDATE exclusions SET excluded = 0")).hasMessageContaining("append-only");
        }
    }

    @Test
    void aKeptGroupIsRememberedChangesNoExclusionAndIsNotWhatUndoReverses() {
        Path dir = tmp.resolve("k.loupe");
        List<Long> ids;
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            ids = TestImages.addMany(store, tmp.resolve("photos"), 4);
            assertThat(store.canUndoExclusion()).as("nothing to undo in a new project").isFalse();
            store.keepGroup(List.of(ids.get(1), ids.get(0)));
            assertThat(store.canUndoExclusion()).as("keeping a group is not an exclusion change").isFalse();
            assertThat(store.undoLastExclusion()).isZero();
            assertThat(store.excludedImages()).isEmpty();

            store.setExcluded(List.of(ids.get(2)), true, "user");
            store.keepGroup(List.of(ids.get(0), ids.get(3)));
            assertThat(store.canUndoExclusion()).isTrue();
            assertThat(store.undoLastExclusion()).as("undo skips the kept group and reverses the exclusion").isEqualTo(1);
            assertThat(store.excludedImages()).isEmpty();
            assertThatThrownBy(() -> store.keepGroup(List.of(ids.get(0)))).isInstanceOf(ProjectException.class);
        }
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            assertThat(store.keptGroups()).containsExactly(Set.of(ids.get(0), ids.get(1)), Set.of(ids.get(0), ids.get(3)));
        }
    }
}
