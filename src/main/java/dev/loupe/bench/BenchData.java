package dev.loupe.bench;

import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneLoader;

import java.nio.file.Path;
import java.util.List;

/**
 * A benchmark's data: an {@link ImageFolder} tree embedded once by a backbone (through the {@link EmbeddingCache}).
 *
 * @param backboneId the backbone's id (the cache key)
 */
public record BenchData(List<String> classes, LabelledEmbeddings pool, LabelledEmbeddings test, String backboneId,
                        Path cacheFile) {

    public int classCount() { return classes.size(); }

    /**
     * Scans {@code dir}, loads the backbone ({@link BackboneLoader} spec) and embeds what the cache lacks.
     *
     * @param poolLimit at most this many pool images (0 = all)
     * @param testLimit at most this many test images (0 = all)
     */
    public static BenchData load(Path dir, double testFraction, int poolLimit, int testLimit, String backboneSpec,
                                 EmbeddingCache.Listener progress) throws BackboneException {
        ImageFolder folder = ImageFolder.scan(dir, testFraction, poolLimit, testLimit);
        try (Backbone backbone = BackboneLoader.load(backboneSpec)) {
            EmbeddingCache cache = EmbeddingCache.open(dir, backbone.id());
            int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
            LabelledEmbeddings pool = cache.embed(dir, folder.pool(), backbone, threads, progress);
            LabelledEmbeddings test = cache.embed(dir, folder.test(), backbone, threads, progress);
            return new BenchData(folder.classes(), pool, test, backbone.id(), cache.file());
        }
    }
}
