package dev.loupe.gallery.ui;

import javafx.collections.ListChangeListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LongItemsTest {

    /** What one change told a listener: from, to, the removed ids, and the list as the listener saw it. */
    private record Seen(int from, int to, List<Long> removed, List<Long> now) {
    }

    private static List<Seen> watch(LongItems items) {
        List<Seen> seen = new ArrayList<>();
        items.addListener((ListChangeListener<Long>) c -> {
            while (c.next()) {
                seen.add(new Seen(c.getFrom(), c.getTo(), List.copyOf(c.getRemoved()), List.copyOf(c.getList())));
            }
        });
        return seen;
    }

    @Test
    void aReRankIsOneChangeFromTheFirstIdThatDiffers() {
        LongItems items = new LongItems();
        List<Seen> seen = watch(items);

        items.setAll(new long[] {1, 2, 3, 4, 5});
        items.setAll(new long[] {1, 2, 5, 4, 3});

        assertThat(seen).containsExactly(
                new Seen(0, 5, List.of(), List.of(1L, 2L, 3L, 4L, 5L)),
                new Seen(2, 5, List.of(3L, 4L, 5L), List.of(1L, 2L, 5L, 4L, 3L)));
        assertThat(items).containsExactly(1L, 2L, 5L, 4L, 3L);
        assertThat(items.head(items.size())).containsExactly(1, 2, 5, 4, 3);
        assertThat(items.head(2)).containsExactly(1, 2);
        assertThat(items.head(99)).containsExactly(1, 2, 5, 4, 3);
    }

    @Test
    void theSameIdsTellNobodyAndShorterOrLongerListsAreReportedWhole() {
        LongItems items = new LongItems();
        items.setAll(new long[] {7, 8, 9});
        List<Seen> seen = watch(items);

        items.setAll(new long[] {7, 8, 9});
        assertThat(seen).isEmpty();

        items.setAll(new long[] {7, 8});
        items.setAll(new long[] {7, 8, 9, 10});
        items.setAll(new long[0]);
        assertThat(seen).containsExactly(
                new Seen(2, 2, List.of(9L), List.of(7L, 8L)),
                new Seen(2, 4, List.of(), List.of(7L, 8L, 9L, 10L)),
                new Seen(0, 0, List.of(7L, 8L, 9L, 10L), List.of()));
        assertThat(items).isEmpty();
    }

    @Test
    void removeAndInsertReportTheirOneId() {
        LongItems items = new LongItems();
        items.setAll(new long[] {1, 2, 3});
        List<Seen> seen = watch(items);

        items.removeAt(1);
        items.insert(0, 2);
        items.insert(3, 4);

        assertThat(seen).containsExactly(
                new Seen(1, 1, List.of(2L), List.of(1L, 3L)),
                new Seen(0, 1, List.of(), List.of(2L, 1L, 3L)),
                new Seen(3, 4, List.of(), List.of(2L, 1L, 3L, 4L)));
        assertThat(items.indexOf(4L)).isEqualTo(3);
        assertThat(items.indexOf((Object) 3L)).isEqualTo(2);
        assertThat(items.indexOf(99L)).isEqualTo(-1);
        assertThat(items.contains(1L)).isTrue();
        assertThat(items.contains("1")).isFalse();
    }

    @Test
    void othersCannotChangeItAndIndexesAreChecked() {
        LongItems items = new LongItems();
        items.setAll(new long[] {1, 2});

        assertThatThrownBy(() -> items.add(3L)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> items.remove(0)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> items.set(0, 5L)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> items.get(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> items.insert(3, 9)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(items).containsExactly(1L, 2L);
    }
}
