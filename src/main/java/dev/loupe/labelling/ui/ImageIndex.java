package dev.loupe.labelling.ui;

import dev.loupe.importing.ThumbnailCache;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.project.ProjectStore;

import java.nio.file.Path;

/**
 * The images of an open project as the UI needs them, by snapshot row: id, file and thumbnail. Built once on the
 * session thread when the project opens, read-only afterwards.
 */
public final class ImageIndex {

    private final long[] ids;
    private final String[] sha256;
    private final String[] paths;
    private final long[] sortedIds; // ids ascending, with the row of each: rowOf by binary search, no boxed map
    private final int[] rowOfSorted;
    private final ThumbnailCache thumbs;
    private final long[] firstLook;

    ImageIndex(long[] ids, String[] sha256, String[] paths, ThumbnailCache thumbs, long[] firstLook) {
        this.ids = ids;
        this.firstLook = firstLook;
        this.sha256 = sha256;
        this.paths = paths;
        this.thumbs = thumbs;
        boolean ascending = true;
        for (int r = 1; r < ids.length && ascending; r++) {
            ascending = ids[r - 1] < ids[r];
        }
        if (ascending) { // the store's order, and usually the session's rows: nothing to sort
            sortedIds = ids;
            rowOfSorted = null;
        } else {
            Integer[] order = new Integer[ids.length];
            for (int r = 0; r < order.length; r++) {
                order[r] = r;
            }
            java.util.Arrays.sort(order, (a, b) -> Long.compare(ids[a], ids[b]));
            sortedIds = new long[ids.length];
            rowOfSorted = new int[ids.length];
            for (int k = 0; k < order.length; k++) {
                sortedIds[k] = ids[order[k]];
                rowOfSorted[k] = order[k];
            }
        }
    }

    /**
     * Every image of the store in stored order, for the gallery shown while the session opens (session thread): rows
     * are the store's order here, not a snapshot's, so no snapshot goes with it.
     */
    static ImageIndex browse(ProjectStore store) {
        ProjectStore.ImageList all = store.imageList();
        return new ImageIndex(all.ids(), all.sha256(), all.paths(),
                new ThumbnailCache(store.dir().resolve(ProjectStore.THUMBS_DIR)), null);
    }

    /** Reads the index (session thread). Images without an embedding have no row and are left out. */
    static ImageIndex of(ProjectStore store, LabellingSession session) {
        return browse(store).rowsOf(session);
    }

    /**
     * The index by {@code session}'s snapshot rows, made from this store-order index without reading the store again
     * (session thread). Images without an embedding have no row and are left out.
     */
    ImageIndex rowsOf(LabellingSession session) {
        int rows = 0;
        for (long id : ids) {
            rows = Math.max(rows, session.rowOf(id) + 1);
        }
        long[] byRow = new long[rows];
        String[] sha = new String[rows];
        String[] paths = new String[rows];
        java.util.Arrays.fill(byRow, -1);
        for (int i = 0; i < ids.length; i++) {
            int row = session.rowOf(ids[i]);
            if (row >= 0) {
                byRow[row] = ids[i];
                sha[row] = sha256[i];
                paths[row] = this.paths[i];
            }
        }
        long[] firstLook = null;
        if (!session.ranks() && rows > 0) { // no class yet: show the collection's variety first
            int[] order = session.varietyOrder();
            firstLook = new long[order.length];
            for (int i = 0; i < order.length; i++) {
                firstLook[i] = byRow[order[i]];
            }
        }
        return new ImageIndex(byRow, sha, paths, thumbs, firstLook);
    }

    /**
     * Image ids in the order to show them while the project has no model: the collection's variety first
     * ({@link LabellingSession#varietyOrder()}) when the project opened without classes, else row order.
     */
    public long[] orderWithoutModel() {
        return firstLook != null ? firstLook.clone() : ids.clone();
    }

    public int size() {
        return ids.length;
    }

    /** Image id of every row (a copy). */
    public long[] ids() {
        return ids.clone();
    }

    /** Row of an image, −1 if it has none. */
    public int rowOf(long imageId) {
        int k = java.util.Arrays.binarySearch(sortedIds, imageId);
        if (k < 0 || imageId < 0) { // row slots without an image hold -1
            return -1;
        }
        return rowOfSorted == null ? k : rowOfSorted[k];
    }

    public Path path(long imageId) {
        int r = rowOf(imageId);
        return r < 0 || paths[r] == null ? null : Path.of(paths[r]);
    }

    /** Where the image's thumbnail file is (it may be missing: thumbnails are a cache). */
    public Path thumbnail(long imageId) {
        int r = rowOf(imageId);
        return r < 0 || sha256[r] == null ? null : thumbs.pathFor(sha256[r]);
    }
}
