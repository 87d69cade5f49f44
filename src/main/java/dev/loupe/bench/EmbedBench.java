package dev.loupe.bench;

import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.ImportOptions;
import dev.loupe.importing.ImportReport;
import dev.loupe.importing.StoreImportSink;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.backbone.Backbone;
import dev.loupe.importing.Embedder;
import dev.loupe.project.ProjectStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code loupe bench embed}: the real import path (scan, hash, decode, thumbnail, store, then
 * decode + resize + forward + store of the embeddings) on a folder, into a throw-away project.
 */
public final class EmbedBench {

    private EmbedBench() {
    }

    /** Runs the benchmark; the temporary project is deleted afterwards. */
    public static Map<String, Object> run(Path data, String backboneSpec, int threads, int batchSize) {
        Path project;
        try {
            project = Files.createTempDirectory("loupe-bench-embed").resolve("bench.loupe");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Long> decodeNanos = Collections.synchronizedList(new ArrayList<>());
        AtomicLong forwardNanos = new AtomicLong();
        AtomicLong forwardImages = new AtomicLong();
        try (ProjectStore store = ProjectStore.open(project, true)) {
            store.setSetting(ProjectBackbone.SETTING, backboneSpec);
            long t0 = System.nanoTime();
            ImportReport report;
            try {
                report = StoreImportSink.importInto(store, ImportOptions.of(data.toAbsolutePath().normalize()).withThreads(threads));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long t1 = System.nanoTime();
            Embedder.Result embedded;
            String backboneId;
            double loadSeconds;
            try (Backbone backbone = ProjectBackbone.load(store)) {
                loadSeconds = (System.nanoTime() - t1) / 1e9; // once per process: reported, not counted per image
                backboneId = backbone.id();
                embedded = new Embedder(store, backbone, new ImageDecoder(), threads, batchSize)
                        .withTimings(new Embedder.Timings() {
                            @Override
                            public void decoded(long nanos) {
                                decodeNanos.add(nanos);
                            }

                            @Override
                            public void forward(int images, long nanos) {
                                forwardNanos.addAndGet(nanos);
                                forwardImages.addAndGet(images);
                            }
                        }).run(Embedder.Listener.NONE, () -> false);
            }
            double importSeconds = (t1 - t0) / 1e9;
            double seconds = importSeconds + embedded.seconds();
            double[] decodeMs = decodeNanos.stream().mapToDouble(n -> n / 1e6).toArray();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", data.toString());
            m.put("backbone", backboneId);
            m.put("threads", threads);
            m.put("batch", batchSize);
            m.put("images", embedded.embedded());
            m.put("skipped", report.skipped().size());
            m.put("seconds", round(seconds));
            m.put("images_per_s", round(embedded.embedded() / seconds));
            m.put("import_seconds", round(importSeconds));
            m.put("model_load_seconds", round(loadSeconds));
            m.put("embed_seconds", round(embedded.seconds()));
            m.put("embed_images_per_s", round(embedded.embedded() / Math.max(1e-9, embedded.seconds())));
            m.put("decode_ms_p50", decodeMs.length == 0 ? null : round(Stats.percentile(decodeMs, 50)));
            m.put("decode_ms_p95", decodeMs.length == 0 ? null : round(Stats.percentile(decodeMs, 95)));
            m.put("forward_ms_per_image", forwardImages.get() == 0 ? null : round(forwardNanos.get() / 1e6 / forwardImages.get()));
            return m;
        } finally {
            deleteTree(project.getParent());
        }
    }

    private static double round(double v) {
        return Stats.round(v, 3);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a temp folder: what cannot be deleted now is left to the OS
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }
}
