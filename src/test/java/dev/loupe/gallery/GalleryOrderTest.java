package dev.loupe.gallery;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GalleryOrderTest {

    @Test
    void keepPrefixLeavesTheSeenPartInPlaceAndReranksTheRest() {
        long[] shown = {1, 2, 3, 4, 5, 6};
        // 2 was labelled (gone from the fresh ranking); the model now prefers 6, 5, 4, 3, 1
        long[] fresh = {6, 5, 4, 3, 1};

        assertThat(GalleryOrder.keepPrefix(shown, 3, fresh)).containsExactly(1, 3, 6, 5, 4);
        assertThat(GalleryOrder.keepPrefix(shown, 0, fresh)).containsExactly(fresh);
        assertThat(GalleryOrder.keepPrefix(shown, 99, fresh)).containsExactly(1, 3, 4, 5, 6);
    }

    @Test
    void withoutASnapshotTheUnlabelledImagesComeInImportOrder() {
        long[] ids = {10, 11, 12, 13};
        Map<Long, Long> labels = Map.of(11L, 7L);

        assertThat(GalleryOrder.of(null, ids, labels, List.of(7L), GalleryFilter.UNLABELLED)).containsExactly(10, 12, 13);
        assertThat(GalleryOrder.of(null, ids, labels, List.of(7L), GalleryFilter.LABELLED)).containsExactly(11);
        assertThat(GalleryOrder.of(null, ids, labels, List.of(7L), GalleryFilter.ALL)).containsExactly(10, 12, 13, 11);
        assertThat(GalleryOrder.of(null, ids, labels, List.of(7L), GalleryFilter.labelledAs(7))).containsExactly(11);
    }

    @Test
    void showThemFirstMovesTheDriftedImagesStillQueuedToTheFrontInTheirOrder() {
        long[] queue = {1, 2, 3, 4, 5};
        // 9 is not in the queue (labelled or excluded since): it is skipped, not invented
        assertThat(GalleryOrder.first(queue, List.of(4L, 9L, 2L))).containsExactly(4, 2, 1, 3, 5);
        assertThat(GalleryOrder.first(queue, List.of())).containsExactly(queue);
    }
}
