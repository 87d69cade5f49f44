package dev.loupe.datacheck;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared near-duplicate actions: which image stays, which class a group agrees on, what a group label changes. */
class DuplicateActionsTest {

    private final NearDuplicates.Group unlabelled = new NearDuplicates.Group(List.of(1L, 2L, 3L), 0.97);
    private final NearDuplicates.Group oneLabel = new NearDuplicates.Group(List.of(4L, 5L), 0.99);
    private final NearDuplicates.Group twoLabels = new NearDuplicates.Group(List.of(6L, 7L, 8L), 0.96);
    private final Map<Long, Long> labels = Map.of(5L, 100L, 6L, 100L, 7L, 200L);

    @Test
    void theCopiesAreAllButTheFirstLabelledImageOrElseTheFirst() {
        assertThat(DuplicateActions.keeper(unlabelled, labels)).isEqualTo(1L);
        assertThat(DuplicateActions.keeper(oneLabel, labels)).isEqualTo(5L);
        assertThat(DuplicateActions.copies(List.of(unlabelled, oneLabel, twoLabels), labels))
                .containsExactly(2L, 3L, 4L, 7L, 8L);
    }

    @Test
    void onlyAGroupWhoseLabelsAgreeIsLabelledAndOnlyItsOtherImagesChange() {
        assertThat(DuplicateActions.agreedClass(unlabelled, labels)).isEmpty();
        assertThat(DuplicateActions.agreedClass(oneLabel, labels)).contains(100L);
        assertThat(DuplicateActions.agreedClass(twoLabels, labels)).isEmpty();
        DuplicateActions.Plan plan = DuplicateActions.labelCopies(List.of(unlabelled, oneLabel, twoLabels), labels);
        assertThat(plan.groupsWithOneLabel()).isEqualTo(1);
        assertThat(plan.labels()).containsExactly(new DuplicateActions.Label(4L, 100L));
        // the app's "label the group as": every image without that class, relabels included
        assertThat(DuplicateActions.toLabel(twoLabels, labels, 100L)).containsExactly(7L, 8L);
    }

    @Test
    void aKeptGroupLeavesTheListUntilItGainsAnImage() {
        NearDuplicates.Group grown = new NearDuplicates.Group(List.of(4L, 5L, 9L), 0.98);
        List<java.util.Set<Long>> kept = List.of(java.util.Set.of(1L, 2L, 3L), java.util.Set.of(4L, 5L));
        assertThat(DuplicateActions.withoutKept(List.of(unlabelled, oneLabel, twoLabels, grown), kept))
                .containsExactly(twoLabels, grown);
        assertThat(DuplicateActions.withoutKept(List.of(unlabelled), List.of())).containsExactly(unlabelled);
    }
}
