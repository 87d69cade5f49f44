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

    private final long[] ids;
    /** Every stored row (n × d floats, c order); {@code rowOf[i]} is the row of {@code ids[i]} (null: row i). */
    private final INDArray rows;
    private final int[] rowOf;

    private ProjectVectors(long[] ids, INDArray rows, int[] rowOf) {
        this.ids = ids;
        this.rows = rows;
        this.rowOf = rowOf;
    }

    /** Loads the project's base model, embeds what is missing, and returns the live images' vectors. */
    public static ProjectVectors load(ProjectStore store, int threads, Embedder.Listener progress) {
        String backboneId;
        try (Backbone backbone = ProjectBackbone.load(store)) {
            backboneId = backbone.id();
            Embedder e = new Embedder(store, backbone, new ImageDecoder(), Math.max(1, threads), Embedder.DEFAULT_BATCH);
            if (!e.upToDate()) e.run(progress, () -> false);
        }
        return read(store, backboneId);
    }

    /** The stored embeddings of {@code backboneId} of live, not excluded images, read into native memory. */
    public static ProjectVectors read(ProjectStore store, String backboneId) {
        INDArray[] all = new INDArray[1];
        long[] stored = store.embeddingsInto(backboneId, (n, dim) -> {
            all[0] = Nd4j.create(DataType.FLOAT, new long[] {n, dim}, 'c');
            return all[0].data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        });
        if (all[0] == null) return new ProjectVectors(new long[0], Nd4j.create(DataType.FLOAT, 0, 1), null);
        Set<Long> excluded = store.excludedImages();
        long[] live = store.images().stream().filter(r -> r.status() == ImageStatus.OK && !excluded.contains(r.id()))
                .mapToLong(ImageRecord::id).sorted().toArray();
        int[] keep = new int[stored.length];
        int k = 0;
        for (int r = 0; r < stored.length; r++) if (Arrays.binarySearch(live, stored[r]) >= 0) keep[k++] = r;
        long[] ids = new long[k];
        for (int i = 0; i < k; i++) ids[i] = stored[keep[i]];
        return new ProjectVectors(ids, all[0], k == stored.length && stored.length == all[0].rows() ? null : Arrays.copyOf(keep, k));
    }

    /** Vectors given on the heap (benchmarks, tests): copied into native memory. */
    public static ProjectVectors of(long[] ids, float[][] vectors) {
        int d = vectors.length == 0 ? 1 : vectors[0].length;
        INDArray m = Nd4j.create(DataType.FLOAT, new long[] {vectors.length, d}, 'c');
        if (vectors.length > 0) {
            FloatBuffer fb = m.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int i = 0; i < vectors.length; i++) fb.put(i * d, vectors[i]);
        }
        return new ProjectVectors(ids.clone(), m, null);
    }

    public long[] ids() { return ids; }

    public int size() { return ids.length; }

    /** The rows centred (and scaled to unit length when {@code scale}) in a native copy the caller closes. */
    Similarities similarities(boolean scale) {
        return Similarities.build(rows, rowOf, scale);
    }

    /** Frees the native rows now. */
    @Override
    public void close() {
        rows.close();
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
