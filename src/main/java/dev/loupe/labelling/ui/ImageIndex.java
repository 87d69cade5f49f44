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

    /** Reads the index (session thread). Images without an embedding have no row and are left out. */
    static ImageIndex of(ProjectStore store, LabellingSession session) {
        Map<Integer, ImageRecord> byRow = new HashMap<>();
        int rows = 0;
        for (ImageRecord r : store.images()) {
            int row = session.rowOf(r.id());
            if (row >= 0) {
                byRow.put(row, r);
                rows = Math.max(rows, row + 1);
            }
        }
        long[] ids = new long[rows];
        String[] sha = new String[rows];
        Path[] paths = new Path[rows];
        for (int row = 0; row < rows; row++) {
            ImageRecord r = byRow.get(row);
            ids[row] = r == null ? -1 : r.id();
            sha[row] = r == null ? null : r.sha256();
            paths[row] = r == null ? null : r.path();
        }
        long[] firstLook = null;
        if (session.latest() == null && rows > 0) { // no class yet: show the collection's variety first
            int[] order = session.varietyOrder();
            firstLook = new long[order.length];
            for (int i = 0; i < order.length; i++) {
                firstLook[i] = ids[order[i]];
            }
        }
        return new ImageIndex(ids, sha, paths, new ThumbnailCache(store.dir().resolve(ProjectStore.THUMBS_DIR)), firstLook);
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
