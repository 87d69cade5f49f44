package dev.loupe.datacheck;

import dev.loupe.backbone.Backbone;
import dev.loupe.importing.Embedder;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.EmbeddingSet;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ImageStatus;
import dev.loupe.project.ProjectStore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The embeddings the near-duplicate and outlier checks look at: every image whose file is there (status OK) and
 * that is not excluded, computing missing embeddings first with the project's backbone.
 */
public record ProjectVectors(long[] ids, float[][] vectors) {

    /** Loads the project's base model, embeds what is missing, and returns the live images' vectors. */
    public static ProjectVectors load(ProjectStore store, int threads, Embedder.Listener progress) {
        String backboneId;
        try (Backbone backbone = ProjectBackbone.load(store)) {
            backboneId = backbone.id();
            Embedder e = new Embedder(store, backbone, new ImageDecoder(), Math.max(1, threads), Embedder.DEFAULT_BATCH);
            if (!e.upToDate()) e.run(progress, () -> false);
        }
        return of(store, store.embeddings(backboneId));
    }

    /** The rows of {@code set} that belong to live, not excluded images. */
    public static ProjectVectors of(ProjectStore store, EmbeddingSet set) {
        Set<Long> excluded = store.excludedImages();
        Map<Long, ImageRecord> images = new HashMap<>();
        for (ImageRecord r : store.images()) images.put(r.id(), r);
        List<Integer> keep = new ArrayList<>();
        for (int r = 0; r < set.size(); r++) {
            ImageRecord im = images.get(set.ids()[r]);
            if (im != null && im.status() == ImageStatus.OK && !excluded.contains(im.id())) keep.add(r);
        }
        long[] ids = new long[keep.size()];
        float[][] vectors = new float[keep.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = set.ids()[keep.get(i)];
            vectors[i] = set.vectors()[keep.get(i)];
        }
        return new ProjectVectors(ids, vectors);
    }

    public int size() { return ids.length; }

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
