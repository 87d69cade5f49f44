package dev.loupe.importing;

import dev.loupe.Faults;
import dev.loupe.backbone.Backbone;

import dev.loupe.importing.DecodeAhead;
import dev.loupe.importing.ImageDecodeException;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ImageStatus;
import dev.loupe.project.ProjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Computes the embeddings a project lacks for one backbone: decodes in parallel, embeds in batches on
 * the calling thread, and stores each batch as it is done, so a crash or a cancel loses at most one
 * batch and the next run resumes where this one stopped.
 */
public final class Embedder {

    private static final Logger LOG = LoggerFactory.getLogger(Embedder.class);

    /** Progress: {@code done} of {@code total} images settled. Called on the embedding thread. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (done, total) -> { };

        void progress(int done, int total);
    }

    /** Where a run reports how long decoding and the forward pass took (for {@code loupe bench embed}). */
    public interface Timings {
        Timings NONE = new Timings() {
            @Override
            public void decoded(long nanos) {
            }

            @Override
            public void forward(int images, long nanos) {
            }
        };

        /** One image decoded (called on a decoding thread). */
        void decoded(long nanos);

        /** One batch through the backbone (called on the embedding thread). */
        void forward(int images, long nanos);
    }

    /** What one run did. {@code failed} images were marked missing or failed in the store. */
    public record Result(int embedded, int failed, double seconds, boolean cancelled) {
    }

    private final ProjectStore store;
    private final Backbone backbone;
    private final ImageDecoder decoder;
    private final int threads;
    private final int batchSize;
    private Timings timings = Timings.NONE;
    private final java.util.concurrent.atomic.AtomicInteger fed = new java.util.concurrent.atomic.AtomicInteger();

    /** Reports decode and forward times of the next runs to {@code t}. */
    public Embedder withTimings(Timings t) {
        this.timings = t;
        return this;
    }

    /**
     * Images per forward pass. Model Zero's forward pass on 2 cores: 7.9 ms per image at 32, 6.6–6.9 at 128
     * (`loupe bench embed --batch`, docs/BENCHMARKS.md); 128 images of 64 px hold ~35 MB of activations, and a
     * cancel waits for at most one batch (~1 s).
     */
    public static final int DEFAULT_BATCH = 128;

    public Embedder(ProjectStore store, Backbone backbone, ImageDecoder decoder, int threads, int batchSize) {
        this.store = store;
        this.backbone = backbone;
        this.decoder = decoder;
        this.threads = Math.max(1, threads);
        this.batchSize = Math.max(1, batchSize);
    }

    /** Images the feeds of this embedder ({@link #feed()}) have embedded and stored. */
    public int embeddedDuringImport() {
        return fed.get();
    }

    /** The backbone this embedder runs. */
    public Backbone backbone() {
        return backbone;
    }

    /** Whether every usable image of the project has an embedding from this backbone. */
    public boolean upToDate() {
        return store.imagesWithoutEmbedding(backbone.id()).isEmpty();
    }

    public Result run(Listener listener, BooleanSupplier cancel) {
        long start = System.nanoTime();
        List<Long> todo = store.imagesWithoutEmbedding(backbone.id());
        int total = todo.size();
        int embedded = 0;
        int failed = 0;
        // One batch is decoded ahead while the current one goes through the network.
        try (DecodeAhead<Long, Decoded> batches = new DecodeAhead<>(todo, batchSize, threads, "loupe-embed-decode",
                this::decode)) {
            while (batches.hasNext()) {
                if (cancel.getAsBoolean()) {
                    return new Result(embedded, failed, seconds(start), true);
                }
                List<Decoded> current = batches.next();
                List<BufferedImage> images = new ArrayList<>(current.size());
                List<Long> ids = new ArrayList<>(current.size());
                for (Decoded d : current) {
                    if (d.image != null) {
                        images.add(d.image);
                        ids.add(d.id);
                    } else {
                        store.setStatus(d.id, d.status, d.reason);
                        failed++;
                    }
                }
                long f0 = System.nanoTime();
                float[][] vectors = backbone.embed(images);
                timings.forward(images.size(), System.nanoTime() - f0);
                Map<Long, float[]> rows = new HashMap<>();
                for (int k = 0; k < ids.size(); k++) {
                    rows.put(ids.get(k), vectors[k]);
                }
                store.putEmbeddings(backbone.id(), rows);
                embedded += ids.size();
                listener.progress(embedded + failed, total);
            }
            LOG.info("Embedded {} images with {} in {} s ({} failed)", embedded, backbone.id(),
                    String.format("%.1f", seconds(start)), failed);
            return new Result(embedded, failed, seconds(start), false);
        }
    }

    private record Decoded(long id, BufferedImage image, ImageStatus status, String reason) {
    }

    /**
     * The side an import must decode at for its pixels to serve both the thumbnail and this backbone
     * ({@link ImportOptions#withDecodeMaxSide}, {@link #feed()}).
     */
    public static int importDecodeSide(Backbone backbone, int thumbnailSide) {
        return Math.max(thumbnailSide, backbone.preprocessing().decodeSide());
    }

    /**
     * The pixels {@code backbone} embeds for {@code file}, exactly as an import that embeds as it goes has them: decoded
     * at {@link #importDecodeSide} for the default thumbnail, then shrunk to the backbone's decode side (twice its input,
     * so its own resize has pixels to average). An image embedded when its project opens, or by the Spark job, gets
     * the vector the import would have given it (before, the session decoded straight at the backbone's side: another
     * resampling, cosine ≥ 0.98 to the import's on photos larger than the thumbnail).
     */
    static BufferedImage pixelsToEmbed(ImageDecoder decoder, Path file, Backbone backbone) throws ImageDecodeException {
        return Images.fitWithin(decoder.decode(file, importDecodeSide(backbone, ThumbnailCache.DEFAULT_SIDE)).image(),
                backbone.preprocessing().decodeSide());
    }

    /**
     * Embeds the pixels an import has just decoded ({@link ImportOptions#withOnDecoded}), so that a new image is
     * decoded once for its thumbnail and its embedding. The forward pass runs on one thread of its own while the
     * import goes on decoding; the embeddings are stored on the importing thread. A failure here never reaches the
     * import: the feed stops, and what it did not embed is left to {@link #run}, which reads those files again.
     */
    public Feed feed() {
        return new Feed();
    }

    /** See {@link #feed()}; close it when the import is over (that embeds the last batch). */
    public final class Feed implements java.util.function.Consumer<DecodedImport>, AutoCloseable {
        private final java.util.concurrent.ExecutorService worker = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "loupe-embed");
            t.setDaemon(true);
            return t;
        });
        private final int side = backbone.preprocessing().decodeSide();
        private List<Long> ids = new ArrayList<>();
        private List<BufferedImage> images = new ArrayList<>();
        private java.util.concurrent.Future<Map<Long, float[]>> inFlight;
        private int embedded;
        private Throwable failure;

        private Feed() {
        }

        /** Images embedded and stored so far. */
        public int embedded() {
            return embedded;
        }

        /** Why the feed stopped early, or null. */
        public Throwable failure() {
            return failure;
        }

        @Override
        public void accept(DecodedImport d) {
            if (failure != null) {
                return;
            }
            try {
                Long id = store.findByHash(d.image().sha256()).stream()
                        .filter(r -> r.path().equals(d.image().path())).map(ImageRecord::id).findFirst().orElse(null);
                if (id == null) {
                    return; // not stored (should not happen: the sink has it); run() will see to it
                }
                // Shrunk now: a batch waiting for the network holds the backbone's size, not the thumbnail's.
                images.add(Images.fitWithin(d.decoded().image(), side));
                ids.add(id);
                if (ids.size() >= batchSize) {
                    submit();
                }
            } catch (RuntimeException | Error e) {
                stop(e);
            }
        }

        private void submit() {
            collect();
            if (failure != null || ids.isEmpty()) {
                return;
            }
            List<Long> batchIds = ids;
            List<BufferedImage> batch = images;
            ids = new ArrayList<>();
            images = new ArrayList<>();
            inFlight = worker.submit(() -> {
                long f0 = System.nanoTime();
                float[][] vectors = backbone.embed(batch);
                timings.forward(batch.size(), System.nanoTime() - f0);
                Map<Long, float[]> rows = new HashMap<>();
                for (int k = 0; k < batchIds.size(); k++) {
                    rows.put(batchIds.get(k), vectors[k]);
                }
                return rows;
            });
        }

        /** Stores the batch in flight, if any, once the network is done with it. */
        private void collect() {
            if (inFlight == null) {
                return;
            }
            try {
                Map<Long, float[]> rows = inFlight.get();
                store.putEmbeddings(backbone.id(), rows);
                embedded += rows.size();
                fed.addAndGet(rows.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop(e);
            } catch (java.util.concurrent.ExecutionException e) {
                stop(e.getCause());
            } catch (RuntimeException | Error e) {
                stop(e);
            } finally {
                inFlight = null;
            }
        }

        private void stop(Throwable e) {
            if (failure == null) {
                failure = e;
                LOG.warn("Embedding during the import stopped; the rest are embedded afterwards: {}", Faults.describe(e));
            }
            ids.clear();
            images.clear();
        }

        @Override
        public void close() {
            try {
                submit();
                collect();
            } finally {
                worker.shutdownNow();
            }
        }
    }

    private Decoded decode(long id) {
        ImageRecord rec = store.image(id).orElse(null);
        if (rec == null) {
            return new Decoded(id, null, ImageStatus.MISSING, "no longer in the project");
        }
        if (!Files.exists(rec.path())) {
            return new Decoded(id, null, ImageStatus.MISSING, "file not found (moved or deleted since import)");
        }
        try {
            long t0 = System.nanoTime();
            BufferedImage pixels = pixelsToEmbed(decoder, rec.path(), backbone);
            timings.decoded(System.nanoTime() - t0);
            return new Decoded(id, pixels, ImageStatus.OK, null);
        } catch (ImageDecodeException e) {
            return new Decoded(id, null, ImageStatus.FAILED, e.reason());
        } catch (RuntimeException | Error e) { // one file never ends the whole run
            LOG.warn("Could not decode {}", rec.path(), e);
            return new Decoded(id, null, ImageStatus.FAILED, ImageDecoder.failureReason(e));
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
