package dev.loupe.bench;

import dev.loupe.importing.DecodedImage;
import dev.loupe.importing.ImageDecodeException;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.Images;
import dev.loupe.importing.Importer;
import dev.loupe.importing.ThumbnailCache;
import dev.loupe.project.EmbeddingSet;
import dev.loupe.project.ImageRecord;
import dev.loupe.importing.ImportOptions;
import dev.loupe.importing.ImportReport;
import dev.loupe.importing.StoreImportSink;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.backbone.Backbone;
import dev.loupe.importing.Embedder;
import dev.loupe.project.ProjectStore;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/**
 * {@code loupe bench embed}: the real import path (scan, hash, decode once, thumbnail, store, and the embeddings from
 * the same pixels: resize + forward + store) on a folder, into a throw-away project.
 */
public final class EmbedBench {

    private EmbedBench() {
    }

    /** Runs the benchmark the way Loupe imports now (one decode per image); the temporary project is deleted afterwards. */
    public static Map<String, Object> run(Path data, String backboneSpec, int threads, int batchSize) {
        return run(data, backboneSpec, threads, batchSize, new Options(true, true, false));
    }

    /**
     * @param decodeOnce  embed from the import's pixels (false: import, then decode every file again to embed it,
     *                    as Loupe did before docs/adr/0030-photo-decoding.md)
     * @param scaledJpeg  read large JPEGs at reduced size in the DCT domain (false: ImageIO only)
     * @param compare     afterwards, check every image against the old path (ImageIO, decoded for the thumbnail and
     *                    again for the embedding): thumbnail size and pixels, embedding cosine (not timed)
     */
    public record Options(boolean decodeOnce, boolean scaledJpeg, boolean compare) {
    }

    public static Map<String, Object> run(Path data, String backboneSpec, int threads, int batchSize, Options opt) {
        Path project;
        try {
            project = Files.createTempDirectory("loupe-bench-embed").resolve("bench.loupe");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Long> decodeNanos = Collections.synchronizedList(new ArrayList<>());
        AtomicLong forwardNanos = new AtomicLong();
        AtomicLong forwardImages = new AtomicLong();
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, opt.scaledJpeg()) {
            @Override
            public DecodedImage decode(Path file, int maxSide) throws ImageDecodeException {
                long t0 = System.nanoTime();
                try {
                    return super.decode(file, maxSide);
                } finally {
                    decodeNanos.add(System.nanoTime() - t0);
                }
            }
        };
        Embedder.Timings timings = new Embedder.Timings() {
            @Override
            public void decoded(long nanos) {
                // counted by the decoder above, with the import's decodes
            }

            @Override
            public void forward(int images, long nanos) {
                forwardNanos.addAndGet(nanos);
                forwardImages.addAndGet(images);
            }
        };
        try (ProjectStore store = ProjectStore.open(project, true)) {
            store.setSetting(ProjectBackbone.SETTING, backboneSpec);
            long t0 = System.nanoTime();
            try (Backbone backbone = ProjectBackbone.load(store)) {
                long t1 = System.nanoTime();
                double cpu0 = cpuSeconds();
                double loadSeconds = (t1 - t0) / 1e9; // once per process: reported, not counted per image
                Embedder embedder = new Embedder(store, backbone, decoder, threads, batchSize).withTimings(timings);
                ImportOptions options = ImportOptions.of(data.toAbsolutePath().normalize()).withThreads(threads);
                ImportReport report;
                try {
                    report = opt.decodeOnce() ? StoreImportSink.importAndEmbed(store, options, decoder, embedder)
                            : new Importer(decoder, new ThumbnailCache(store.dir().resolve(ProjectStore.THUMBS_DIR)))
                                    .run(options, new StoreImportSink(store));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                long t2 = System.nanoTime();
                Embedder.Result rest = embedder.run(Embedder.Listener.NONE, () -> false);
                double importSeconds = (t2 - t1) / 1e9;
                double seconds = importSeconds + rest.seconds();
                int images = rest.embedded() + embedder.embeddedDuringImport();
                double[] decodeMs = decodeNanos.stream().mapToDouble(n -> n / 1e6).toArray();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("data", data.toString());
                m.put("backbone", backbone.id());
                m.put("threads", threads);
                m.put("batch", batchSize);
                m.put("decode_once", opt.decodeOnce());
                m.put("scaled_jpeg", opt.scaledJpeg());
                m.put("jpeg_library", opt.scaledJpeg() ? ImageDecoder.reducedJpegLibrary() : "none");
                m.put("images", images);
                m.put("skipped", report.skipped().size());
                m.put("seconds", round(seconds));
                m.put("images_per_s", round(images / seconds));
                m.put("import_seconds", round(importSeconds));
                m.put("model_load_seconds", round(loadSeconds));
                m.put("embed_seconds", round(rest.seconds()));
                m.put("embedded_during_import", embedder.embeddedDuringImport());
                m.put("decodes", decodeMs.length);
                m.put("decode_ms_mean", decodeMs.length == 0 ? null : round(Arrays.stream(decodeMs).average().orElse(0)));
                m.put("decode_ms_p50", decodeMs.length == 0 ? null : round(Stats.percentile(decodeMs, 50)));
                m.put("decode_ms_p95", decodeMs.length == 0 ? null : round(Stats.percentile(decodeMs, 95)));
                m.put("forward_ms_per_image", forwardImages.get() == 0 ? null : round(forwardNanos.get() / 1e6 / forwardImages.get()));
                m.put("cpu_seconds", round(cpuSeconds() - cpu0));
                m.put("images_per_cpu_s", round(images / Math.max(1e-9, cpuSeconds() - cpu0)));
                m.put("load_average", loadAverage());
                if (opt.compare()) {
                    m.putAll(compare(store, backbone));
                }
                return m;
            }
        } finally {
            deleteTree(project.getParent());
        }
    }

    /**
     * Every image of the project against the old path: ImageIO at the import's old side for the thumbnail, ImageIO
     * at the backbone's decode side for the embedding.
     */
    private static Map<String, Object> compare(ProjectStore store, Backbone backbone) {
        ImageDecoder old = ImageDecoder.imageIoOnly();
        ImageDecoder full = ImageDecoder.fullResolution();
        double minFull = 1;
        double sumFull = 0;
        double minOldFull = 1;
        ThumbnailCache thumbs = new ThumbnailCache(store.dir().resolve(ProjectStore.THUMBS_DIR));
        EmbeddingSet set = store.embeddings(backbone.id());
        Map<Long, float[]> now = new HashMap<>();
        for (int i = 0; i < set.size(); i++) {
            now.put(set.ids()[i], set.vectors()[i]);
        }
        int sameSize = 0;
        int compared = 0;
        double worstPixelDiff = 0;
        double minCos = 1;
        double sumCos = 0;
        int cosines = 0;
        try {
            for (ImageRecord r : store.images()) {
                DecodedImage d512 = old.decode(r.path(), ImportOptions.DEFAULT_DECODE_MAX_SIDE);
                BufferedImage oldThumb = Images.fitWithin(d512.image(), thumbs.side());
                BufferedImage thumb = ImageIO.read(thumbs.pathFor(r.sha256()).toFile());
                compared++;
                if (thumb.getWidth() == oldThumb.getWidth() && thumb.getHeight() == oldThumb.getHeight()) {
                    sameSize++;
                    worstPixelDiff = Math.max(worstPixelDiff, meanAbsDiff(thumb, oldThumb));
                }
                float[] v = now.get(r.id());
                if (v != null) {
                    int side = backbone.preprocessing().decodeSide();
                    DecodedImage dOld = old.decode(r.path(), side);
                    double c = cosine(v, backbone.embed(List.of(dOld.image()))[0]);
                    minCos = Math.min(minCos, c);
                    sumCos += c;
                    DecodedImage dFull = full.decode(r.path(), side);
                    double f = cosine(v, backbone.embed(List.of(dFull.image()))[0]);
                    double fo = cosine(backbone.embed(List.of(dOld.image()))[0], backbone.embed(List.of(dFull.image()))[0]);
                    minFull = Math.min(minFull, f);
                    sumFull += f;
                    minOldFull = Math.min(minOldFull, fo);
                    cosines++;
                }
            }
        } catch (IOException | ImageDecodeException e) {
            throw new IllegalStateException("comparing with the old path failed", e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("compared", compared);
        m.put("thumbnails_same_size", sameSize);
        m.put("thumbnail_worst_mean_abs_diff", round(worstPixelDiff));
        m.put("embedding_cosine_min", cosines == 0 ? null : Stats.round(minCos, 5));
        m.put("embedding_cosine_mean", cosines == 0 ? null : Stats.round(sumCos / cosines, 5));
        m.put("full_decode_cosine_min", cosines == 0 ? null : Stats.round(minFull, 5));
        m.put("full_decode_cosine_mean", cosines == 0 ? null : Stats.round(sumFull / cosines, 5));
        m.put("old_vs_full_decode_cosine_min", cosines == 0 ? null : Stats.round(minOldFull, 5));
        return m;
    }

    /** Mean absolute difference per channel (0..255) of two images of one size. */
    static double meanAbsDiff(BufferedImage a, BufferedImage b) {
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                sum += Math.abs((p >> 16 & 255) - (q >> 16 & 255)) + Math.abs((p >> 8 & 255) - (q >> 8 & 255))
                        + Math.abs((p & 255) - (q & 255));
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** CPU time of this process so far (all threads): a measure that other jobs on the machine change less. */
    static double cpuSeconds() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    /** The one-minute load average (the machine is shared: numbers are read with it), or null where there is none. */
    static Double loadAverage() {
        double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? null : round(l);
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
