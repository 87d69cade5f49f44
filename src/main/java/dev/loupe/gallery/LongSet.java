package dev.loupe.gallery;

import java.util.Arrays;

/**
 * A set of image ids without boxing: open addressing on a {@code long[]}. The gallery re-orders 100,000 ids after
 * every label; a {@code HashSet<Long>} made a node and a {@code Long} per id each time, gigabytes of garbage over
 * 100 labels that grew the heap (docs/adr/0037-resident-size-while-labelling.md). Not thread-safe.
 */
public final class LongSet {
    private static final long EMPTY = Long.MIN_VALUE; // never an image id (ids are row ids of SQLite, ≥ 1)
    private long[] slots;
    private int size;
    private boolean hasEmpty; // Long.MIN_VALUE itself, kept aside so the set stays correct for any long

    public LongSet(int expected) {
        slots = new long[capacityFor(expected)];
        Arrays.fill(slots, EMPTY);
    }

    /** A set of {@code ids}. */
    public static LongSet of(long[] ids) {
        LongSet s = new LongSet(ids.length);
        for (long id : ids) {
            s.add(id);
        }
        return s;
    }

    /** A set of the keys of {@code ids}. */
    public static LongSet of(java.util.Collection<Long> ids) {
        LongSet s = new LongSet(ids.size());
        for (Long id : ids) {
            s.add(id);
        }
        return s;
    }

    private static int capacityFor(int expected) {
        int c = 16;
        while (c < 2L * Math.max(expected, 1)) {
            c <<= 1;
        }
        return c;
    }

    private static int mix(long v) {
        long h = v * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Adds {@code v}; true if it was not in the set. */
    public boolean add(long v) {
        if (v == EMPTY) {
            if (hasEmpty) {
                return false;
            }
            hasEmpty = true;
            size++;
            return true;
        }
        if (2 * (size + 1) > slots.length) {
            grow();
        }
        int mask = slots.length - 1;
        for (int i = mix(v) & mask; ; i = (i + 1) & mask) {
            long s = slots[i];
            if (s == v) {
                return false;
            }
            if (s == EMPTY) {
                slots[i] = v;
                size++;
                return true;
            }
        }
    }

    public boolean contains(long v) {
        if (v == EMPTY) {
            return hasEmpty;
        }
        int mask = slots.length - 1;
        for (int i = mix(v) & mask; ; i = (i + 1) & mask) {
            long s = slots[i];
            if (s == v) {
                return true;
            }
            if (s == EMPTY) {
                return false;
            }
        }
    }

    /** Removes {@code v}; true if it was in the set. */
    public boolean remove(long v) {
        if (v == EMPTY) {
            boolean had = hasEmpty;
            hasEmpty = false;
            size -= had ? 1 : 0;
            return had;
        }
        int mask = slots.length - 1;
        int i = mix(v) & mask;
        while (slots[i] != v) {
            if (slots[i] == EMPTY) {
                return false;
            }
            i = (i + 1) & mask;
        }
        slots[i] = EMPTY;
        size--;
        // re-seat the rest of the run (linear probing deletion without tombstones)
        for (int j = (i + 1) & mask; slots[j] != EMPTY; j = (j + 1) & mask) {
            long moved = slots[j];
            slots[j] = EMPTY;
            size--;
            add(moved);
        }
        return true;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        Arrays.fill(slots, EMPTY);
        size = hasEmpty ? 1 : 0;
        for (long v : old) {
            if (v != EMPTY) {
                add(v);
            }
        }
    }
}
