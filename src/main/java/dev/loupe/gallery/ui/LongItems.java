package dev.loupe.gallery.ui;

import javafx.collections.ListChangeListener;
import javafx.collections.ObservableListBase;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * The gallery's item list, kept in a {@code long[]}: read-only to everyone but {@link GalleryModel}, whose changes
 * each reach the listeners as one change. An {@code ObservableList<Long>} boxed every id of a 100,000-image project
 * when it opened, and a re-rank after each label replaced its unseen tail with a removal and an addition: two
 * changes, each making ControlsFX's grid rebuild every visible tile, plus a list of 100,000 removed {@code Long}s
 * built by JavaFX's change builder (issue 16, ADR 0031). Here the removed ids of a change are a view of the old
 * array, boxed only if a listener reads them, and a re-rank that keeps the size (the labelled image left the queue
 * when it was labelled) lets the grid reconfigure its cells instead of rebuilding them. FX thread only.
 */
final class LongItems extends ObservableListBase<Long> {

    private long[] ids = new long[0];
    private int size;

    @Override
    public Long get(int index) {
        return ids[checkIndex(index)];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int indexOf(Object o) {
        return o instanceof Long id ? indexOf(id.longValue()) : -1;
    }

    public int indexOf(long id) {
        for (int i = 0; i < size; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean contains(Object o) {
        return indexOf(o) >= 0;
    }

    /** A copy of the first {@code n} ids (all of them when there are fewer). */
    long[] head(int n) {
        return Arrays.copyOf(ids, Math.max(0, Math.min(n, size)));
    }

    /**
     * Makes the list {@code next} (not copied; it is never written to), reporting one replacement from the first id
     * that differs to the end; nothing when the ids are the same.
     */
    void setAll(long[] next) {
        int common = 0;
        int shorter = Math.min(size, next.length);
        while (common < shorter && ids[common] == next[common]) {
            common++;
        }
        if (common == size && common == next.length) {
            return;
        }
        long[] old = ids;
        int oldSize = size;
        ids = next;
        size = next.length;
        fireChange(new RangeChange(this, common, size, new Slice(old, common, oldSize)));
    }

    /** Removes the id at {@code index}. */
    void removeAt(int index) {
        checkIndex(index);
        long[] old = ids;
        long[] next = new long[size - 1];
        System.arraycopy(old, 0, next, 0, index);
        System.arraycopy(old, index + 1, next, index, size - index - 1);
        ids = next;
        size--;
        fireChange(new RangeChange(this, index, index, new Slice(old, index, index + 1)));
    }

    /** Inserts {@code id} before {@code index} ({@code size()} appends). */
    void insert(int index, long id) {
        if (index < 0 || index > size) {
            throw new IndexOutOfBoundsException(index);
        }
        long[] next = new long[size + 1];
        System.arraycopy(ids, 0, next, 0, index);
        next[index] = id;
        System.arraycopy(ids, index, next, index + 1, size - index);
        ids = next;
        size++;
        fireChange(new RangeChange(this, index, index + 1, List.of()));
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + ", size " + size);
        }
        return index;
    }

    /** Ids {@code from} (inclusive) to {@code to} of an array no longer changed: the removed part of a change. */
    private static final class Slice extends AbstractList<Long> {
        private final long[] ids;
        private final int from;
        private final int to;

        Slice(long[] ids, int from, int to) {
            this.ids = ids;
            this.from = from;
            this.to = to;
        }

        @Override
        public Long get(int index) {
            if (index < 0 || index >= to - from) {
                throw new IndexOutOfBoundsException(index);
            }
            return ids[from + index];
        }

        @Override
        public int size() {
            return to - from;
        }
    }

    /** One change: {@code removed} taken out at {@code from}, and the ids now at {@code from..to} put in. */
    private static final class RangeChange extends ListChangeListener.Change<Long> {
        private final int from;
        private final int to;
        private final List<Long> removed;
        private boolean onChange;

        RangeChange(LongItems list, int from, int to, List<Long> removed) {
            super(list);
            this.from = from;
            this.to = to;
            this.removed = removed;
        }

        @Override
        public boolean next() {
            if (onChange) {
                return false;
            }
            onChange = true;
            return true;
        }

        @Override
        public void reset() {
            onChange = false;
        }

        @Override
        public int getFrom() {
            requireOnChange();
            return from;
        }

        @Override
        public int getTo() {
            requireOnChange();
            return to;
        }

        @Override
        public List<Long> getRemoved() {
            requireOnChange();
            return removed;
        }

        @Override
        protected int[] getPermutation() {
            requireOnChange();
            return new int[0];
        }

        private void requireOnChange() {
            if (!onChange) {
                throw new IllegalStateException("call next() first");
            }
        }
    }
}
