package dev.loupe.gallery;

import dev.loupe.training.Snapshot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The order of the gallery, computed from an immutable snapshot (no toolkit, no model): unlabelled images in queue
 * order, labelled ones with the model's disagreements first, and the stable merge that re-ranks only what the user
 * has not seen yet (docs/adr/0009-gallery-reranking.md).
 */
public final class GalleryOrder {

    private GalleryOrder() {
    }

    /**
     * Image ids to show under {@code filter}, first first.
     *
     * @param snapshot the latest snapshot, or null before the project has a class
     * @param idOfRow  image id of each snapshot row; without a snapshot, every image id in the order to show them
     *                 (e.g. the collection's variety first)
     * @param labels   image id → class id of every labelled image
     * @param columns  class id of each snapshot column
     */
    public static long[] of(Snapshot snapshot, long[] idOfRow, Map<Long, Long> labels, List<Long> columns,
                            GalleryFilter filter) {
        if (filter.kind() == GalleryFilter.Kind.SUSPECTS || filter.kind() == GalleryFilter.Kind.OUTLIERS
                || filter.kind() == GalleryFilter.Kind.DUPLICATES) {
            return new long[0]; // a data check's own list (GalleryModel#setSuspects, ...), not an order of the snapshot
        }
        Long cls = filter.classId();
        int col = cls == null ? -1 : columns.indexOf(cls);
        long[] out = new long[idOfRow.length];
        int n = 0;
        LongSet labelled = LongSet.of(labels.keySet()); // no Long per id looked up (100,000 per label on a big project)
        if (filter.kind() != GalleryFilter.Kind.LABELLED && filter.kind() != GalleryFilter.Kind.LABELLED_AS) {
            if (snapshot == null) {
                for (long id : idOfRow) {
                    if (!labelled.contains(id) && filter.kind() != GalleryFilter.Kind.PREDICTED_AS) {
                        out[n++] = id;
                    }
                }
            } else {
                for (int i = 0; i < snapshot.queueSize(); i++) {
                    int row = snapshot.queueAt(i);
                    long id = idOfRow[row];
                    if (labelled.contains(id)) {
                        continue; // the store is ahead of the trainer: it is labelled already
                    }
                    if (filter.kind() != GalleryFilter.Kind.PREDICTED_AS || snapshot.predictedClass(row) == col) {
                        out[n++] = id;
                    }
                }
            }
        }
        if (filter.admitsLabelled()) {
            List<int[]> shown = new ArrayList<>(); // {row, column of its label}
            for (int row = 0; row < idOfRow.length; row++) {
                if (!labelled.contains(idOfRow[row])) {
                    continue;
                }
                Long c = labels.get(idOfRow[row]);
                if (c == null) {
                    continue;
                }
                boolean keep = switch (filter.kind()) {
                    case LABELLED_AS -> c.equals(cls);
                    case PREDICTED_AS -> snapshot != null && snapshot.predictedClass(row) == col;
                    default -> true;
                };
                if (keep) {
                    shown.add(new int[] {row, columns.indexOf(c)});
                }
            }
            if (snapshot != null) {
                // Labels the model disagrees with first (likely mistakes), then the least confident.
                shown.sort(Comparator.<int[]>comparingInt(e -> snapshot.predictedClass(e[0]) == e[1] ? 1 : 0)
                        .thenComparingDouble(e -> snapshot.confidence(e[0])));
            }
            for (int[] e : shown) {
                out[n++] = idOfRow[e[0]];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Re-ranks without moving what the user has seen: the first {@code keep} shown ids stay in place (those still
     * in {@code fresh}), and the rest follow in {@code fresh} order.
     */
    public static long[] keepPrefix(long[] shown, int keep, long[] fresh) {
        int k = Math.min(keep, shown.length);
        LongSet kept = new LongSet(k);
        for (int i = 0; i < k; i++) {
            kept.add(shown[i]);
        }
        LongSet stillIn = new LongSet(Math.min(k, fresh.length));
        for (long id : fresh) {
            if (kept.contains(id)) {
                stillIn.add(id);
            }
        }
        long[] out = new long[fresh.length];
        int n = 0;
        for (int i = 0; i < k; i++) {
            long id = shown[i];
            if (stillIn.remove(id)) {
                out[n++] = id;
            }
        }
        for (long id : fresh) {
            if (!kept.contains(id)) {
                out[n++] = id;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** {@code order} with the ids of {@code first} that it holds moved to the front, in {@code first}'s order. */
    public static long[] first(long[] order, List<Long> first) {
        LongSet in = LongSet.of(order);
        LongSet front = new LongSet(first.size());
        long[] out = new long[order.length];
        int n = 0;
        for (Long id : first) {
            if (in.contains(id) && front.add(id)) {
                out[n++] = id;
            }
        }
        for (long id : order) {
            if (!front.contains(id)) {
                out[n++] = id;
            }
        }
        return out;
    }
}
