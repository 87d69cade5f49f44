package dev.loupe.bench;

import dev.loupe.importing.DecodeAhead;
import dev.loupe.importing.ImageDecodeException;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.backbone.Backbone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeddings of an image tree's files for one backbone, kept in one file so a benchmark embeds each image once:
 * in the per-user cache folder, keyed by the tree's path ({@link #location}). Only missing images are embedded; progress is saved every few thousand images, so an interrupted
 * run resumes.
 */
public final class EmbeddingCache {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingCache.class);
    private static final int MAGIC = 0x4C45_4D31; // "LEM1"
    private static final int BATCH = 32;
    private static final int SAVE_EVERY = 2048;

    /** Progress of embedding: {@code done} of {@code total} missing images. */
    public interface Listener { void progress(long done, long total); }

    private final Path file;
    private final String backboneId;
    private final Map<String, float[]> vectors = new LinkedHashMap<>();
    private int dim;

    private EmbeddingCache(Path file, String backboneId) {
        this.file = file;
        this.backboneId = backboneId;
    }

    /**
     * Where the cache of {@code root} for {@code backboneId} lives: a cache already in the tree (older runs wrote
     * {@code DIR/.loupe-bench/}) is used as it is; otherwise the per-user cache folder ({@code $XDG_CACHE_HOME} or
     * {@code ~/.cache}, then {@code loupe/bench/<hash of the tree's path>/}), so data folders stay untouched; the temp
     * folder when there is no home.
     */
    public static Path location(Path root, String backboneId) {
        String name = backboneId.replaceAll("[^A-Za-z0-9._@-]", "_") + ".emb";
        Path inTree = root.resolve(".loupe-bench").resolve(name);
        if (Files.isRegularFile(inTree) && Files.isWritable(inTree)) return inTree;
        String key = sha(root.toAbsolutePath().normalize().toString());
        String xdg = System.getenv("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : home != null && !home.isBlank() ? Path.of(home, ".cache") : null;
        if (base != null) return base.resolve("loupe").resolve("bench").resolve(key).resolve(name);
        return Path.of(System.getProperty("java.io.tmpdir"), "loupe-bench", key, name);
    }

    public static EmbeddingCache open(Path root, String backboneId) {
        EmbeddingCache c = new EmbeddingCache(location(root, backboneId), backboneId);
        c.load();
        return c;
    }

    public Path file() { return file; }
    public int size() { return vectors.size(); }

    /**
     * The embeddings of {@code items} (rows in order), embedding the missing ones with {@code backbone}.
     * An image that cannot be decoded is an error: a benchmark must not silently shrink its data.
     */
    public LabelledEmbeddings embed(Path root, List<ImageFolder.Item> items, Backbone backbone, int threads, Listener listener) {
        if (!backbone.id().equals(backboneId)) throw new IllegalArgumentException("cache is for " + backboneId);
        List<ImageFolder.Item> todo = items.stream().filter(i -> !vectors.containsKey(i.relPath())).toList();
        if (!todo.isEmpty()) compute(root, todo, backbone, threads, listener);
        int d = backbone.dim();
        float[] x = new float[items.size() * d];
        int[] y = new int[items.size()];
        for (int i = 0; i < items.size(); i++) {
            float[] v = vectors.get(items.get(i).relPath());
            System.arraycopy(v, 0, x, i * d, d);
            y[i] = items.get(i).label();
        }
        return new LabelledEmbeddings(x, y, d);
    }

    private void compute(Path root, List<ImageFolder.Item> todo, Backbone backbone, int threads, Listener listener) {
        if (dim != 0 && dim != backbone.dim()) throw new IllegalStateException("cache holds " + dim + "-d vectors");
        dim = backbone.dim();
        int side = backbone.preprocessing().decodeSide();
        ImageDecoder decoder = new ImageDecoder();
        long start = System.nanoTime();
        try (DecodeAhead<ImageFolder.Item, BufferedImage> batches = new DecodeAhead<>(todo, BATCH, threads,
                "loupe-bench-decode", it -> decode(root, it, decoder, side))) {
            int sinceSave = 0;
            for (int b = 0; batches.hasNext(); b += BATCH) {
                List<ImageFolder.Item> batch = todo.subList(b, Math.min(todo.size(), b + BATCH));
                List<BufferedImage> images = batches.next();
                float[][] out = backbone.embed(images);
                for (int i = 0; i < batch.size(); i++) vectors.put(batch.get(i).relPath(), out[i]);
                sinceSave += batch.size();
                if (sinceSave >= SAVE_EVERY) {
                    save();
                    sinceSave = 0;
                }
                listener.progress(Math.min(todo.size(), b + BATCH), todo.size());
            }
            save();
            LOG.info("Embedded {} images with {} in {} s", todo.size(), backboneId, String.format("%.1f", (System.nanoTime() - start) / 1e9));
        }
    }

    /** A benchmark's data must decode: a file that does not fails the run, naming it. */
    private static BufferedImage decode(Path root, ImageFolder.Item it, ImageDecoder decoder, int side) {
        try {
            return decoder.decode(root.resolve(it.relPath()), side).image();
        } catch (ImageDecodeException e) {
            throw new IllegalStateException("cannot decode " + it.relPath() + ": " + e.getMessage(), e);
        }
    }

    private void load() {
        if (!Files.isRegularFile(file)) return;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC || !in.readUTF().equals(backboneId)) {
                LOG.warn("Ignoring {}: not an embedding cache of {}", file, backboneId);
                return;
            }
            dim = in.readInt();
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String key = in.readUTF();
                float[] v = new float[dim];
                for (int j = 0; j < dim; j++) v[j] = in.readFloat();
                vectors.put(key, v);
            }
        } catch (IOException e) {
            LOG.warn("Ignoring unreadable embedding cache {}: {}", file, e.toString());
            vectors.clear();
            dim = 0;
        }
    }

    private void save() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                out.writeInt(MAGIC);
                out.writeUTF(backboneId);
                out.writeInt(dim);
                out.writeInt(vectors.size());
                for (Map.Entry<String, float[]> e : vectors.entrySet()) {
                    out.writeUTF(e.getKey());
                    for (float f : e.getValue()) out.writeFloat(f);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the embedding cache " + file, e);
        }
    }

    private static String sha(String s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
