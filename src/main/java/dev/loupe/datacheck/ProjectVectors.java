package dev.loupe.datacheck;

import dev.loupe.backbone.Backbone;
import dev.loupe.importing.Embedder;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ImageStatus;
import dev.loupe.project.ProjectStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The embeddings the near-duplicate and outlier checks look at: every image whose file is there (status OK) and
 * that is not excluded, computing missing embeddings first with the project's backbone. The rows stay in native
 * memory, read straight from the store (ADR 0040): a heap copy of 100,000 embeddings was 190 MB, which set the
 * app's heap limit. Close it when the search is done (else a collection frees it).
 */
public final class ProjectVectors implements AutoCloseable {

    /**
     * How often the rows are searched. {@link #ONCE} (the app's data checks, {@code loupe review}): the search centres
     * them where they are, so a check on 100,000 images holds one native copy of their embeddings instead of two; after
     * it only {@link #ids()} and {@link #size()} are left. {@link #REPEATEDLY}: each search makes its own centred copy.
     */
    public enum Use { ONCE, REPEATEDLY }

    private final long[] ids;
    /**
     * Every stored row (n × d floats, c order); {@code rowOf[i]} is the row of {@code ids[i]} (null: row i). Null
     * once a search of {@link Use#ONCE} vectors has taken them over.
     */
    private INDArray rows;
    private final int[] rowOf;
    private final Use use;

    private ProjectVectors(long[] ids, INDArray rows, int[] rowOf, Use use) {
        this.ids = ids;
        this.rows = rows;
        this.rowOf = rowOf;
        this.use = use;
    }

    /** Loads the project's base model, embeds what is missing, and returns the live images' vectors. */
    public static ProjectVectors load(ProjectStore store, int threads, Embedder.Listener progress, Use use) {
        String backboneId;
        try (Backbone backbone = ProjectBackbone.load(store)) {
            backboneId = backbone.id();
            Embedder e = new Embedder(store, backbone, new ImageDecoder(), Math.max(1, threads), Embedder.DEFAULT_BATCH);
            if (!e.upToDate()) e.run(progress, () -> false);
        }
        return read(store, backboneId, use);
    }

    /** The stored embeddings of {@code backboneId} of live, not excluded images, read into native memory. */
    public static ProjectVectors read(ProjectStore store, String backboneId, Use use) {
        INDArray[] all = new INDArray[1];
        long[] stored = store.embeddingsInto(backboneId, (n, dim) -> {
            all[0] = Nd4j.create(DataType.FLOAT, new long[] {n, dim}, 'c');
            return all[0].data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        });
        if (all[0] == null) return new ProjectVectors(new long[0], Nd4j.create(DataType.FLOAT, 0, 1), null, use);
        Set<Long> excluded = store.excludedImages();
        long[] live = store.images().stream().filter(r -> r.status() == ImageStatus.OK && !excluded.contains(r.id()))
                .mapToLong(ImageRecord::id).sorted().toArray();
        int[] keep = new int[stored.length];
        int k = 0;
        for (int r = 0; r < stored.length; r++) if (Arrays.binarySearch(live, stored[r]) >= 0) keep[k++] = r;
        long[] ids = new long[k];
        for (int i = 0; i < k; i++) ids[i] = stored[keep[i]];
        int[] rowOf = k == stored.length && stored.length == all[0].rows() ? null : Arrays.copyOf(keep, k);
        return new ProjectVectors(ids, all[0], rowOf, use);
    }

    /** Vectors given on the heap (benchmarks, tests): copied into native memory, searched as often as wanted. */
    public static ProjectVectors of(long[] ids, float[][] vectors) {
        int d = vectors.length == 0 ? 1 : vectors[0].length;
        INDArray m = Nd4j.create(DataType.FLOAT, new long[] {vectors.length, d}, 'c');
        if (vectors.length > 0) {
            FloatBuffer fb = m.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int i = 0; i < vectors.length; i++) fb.put(i * d, vectors[i]);
        }
        return new ProjectVectors(ids.clone(), m, null, Use.REPEATEDLY);
    }

    public long[] ids() { return ids; }

    public int size() { return ids.length; }

    /**
     * The rows centred (and scaled to unit length when {@code scale}), which the caller closes: a native copy, or for
     * {@link Use#ONCE} the rows themselves, centred in place and handed over.
     */
    Similarities similarities(boolean scale) {
        if (rows == null) {
            throw new IllegalStateException("These embeddings were read for one search and have been searched; read them again.");
        }
        if (use == Use.REPEATEDLY) return Similarities.build(rows, rowOf, scale);
        Similarities s = Similarities.buildInPlace(rows, rowOf, scale);
        rows = null; // the search frees them
        return s;
    }

    /** Frees the native rows now (if no search has taken them over). */
    @Override
    public void close() {
        if (rows != null) rows.close();
        rows = null;
    }

    /** Where each image's stored thumbnail is (null for an unknown image); the prints of the pixel check read them. */
    public static java.util.function.LongFunction<java.nio.file.Path> thumbnails(ProjectStore store) {
        dev.loupe.importing.ThumbnailCache cache = new dev.loupe.importing.ThumbnailCache(store.dir().resolve(ProjectStore.THUMBS_DIR));
        Map<Long, String> sha = new HashMap<>();
        for (ImageRecord r : store.images()) sha.put(r.id(), r.sha256());
        return id -> {
            String h = sha.get(id);
            return h == null ? null : cache.pathFor(h);
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProjectVectors p && Arrays.equals(ids, p.ids);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(ids); }
}
