package dev.loupe.labelling.ui;

import dev.loupe.importing.ThumbnailCache;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The images of an open project as the UI needs them, by snapshot row: id, file and thumbnail. Built once on the
 * session thread when the project opens, read-only afterwards.
 */
public final class ImageIndex {

    private final long[] ids;
    private final String[] sha256;
    private final Path[] paths;
    private final Map<Long, Integer> rowOf;
    private final ThumbnailCache thumbs;
    private final long[] firstLook;

    private ImageIndex(long[] ids, String[] sha256, Path[] paths, ThumbnailCache thumbs, long[] firstLook) {
        this.ids = ids;
        this.firstLook = firstLook;
        this.sha256 = sha256;
        this.paths = paths;
        this.thumbs = thumbs;
        this.rowOf = new HashMap<>(ids.length * 2);
        for (int r = 0; r < ids.length; r++) {
            rowOf.put(ids[r], r);
        }
    }

    /**
     * Every image of the store in stored order, for the gallery shown while the session opens (session thread): rows
     * are the store's order here, not a snapshot's, so no snapshot goes with it.
     */
    static ImageIndex browse(ProjectStore store) {
        java.util.List<ImageRecord> all = store.images();
        long[] ids = new long[all.size()];
        String[] sha = new String[ids.length];
        Path[] paths = new Path[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ImageRecord r = all.get(i);
            ids[i] = r.id();
            sha[i] = r.sha256();
            paths[i] = r.path();
        }
        return new ImageIndex(ids, sha, paths, new ThumbnailCache(store.dir().resolve(ProjectStore.THUMBS_DIR)), null);
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
        Path[] paths = new Path[rows];
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
        return rowOf.getOrDefault(imageId, -1);
    }

    public Path path(long imageId) {
        int r = rowOf(imageId);
        return r < 0 ? null : paths[r];
    }

    /** Where the image's thumbnail file is (it may be missing: thumbnails are a cache). */
    public Path thumbnail(long imageId) {
        int r = rowOf(imageId);
        return r < 0 || sha256[r] == null ? null : thumbs.pathFor(sha256[r]);
    }
}
