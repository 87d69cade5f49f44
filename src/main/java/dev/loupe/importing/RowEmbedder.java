package dev.loupe.importing;

import dev.loupe.backbone.Backbone;
import dev.loupe.importing.parquet.EmbeddingRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Embeds files handed over as bytes (the Spark job's binaryFile rows, docs/adr/0036-spark-embeddings.md) into
 * {@link EmbeddingRow}s, the way a desktop import treats the same files ({@code loupe import}, which embeds through
 * {@link Embedder#feed()}): the scanner's rule for names that are no image, import's for empty files, the same
 * {@link ImageDecoder} at the same side, then the backbone's own preprocessing, in batches. A bad file becomes a row with import's reason, never an exception.
 * One instance per thread: it owns a scratch file (the decoder reads files) and calls its backbone from that thread.
 */
public final class RowEmbedder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RowEmbedder.class);

    private final Backbone backbone;
    private final ImageDecoder decoder;
    private final int batchSize;
    private final Path scratchDir;
    private final List<EmbeddingRow> pending = new ArrayList<>();
    private final List<BufferedImage> pixels = new ArrayList<>();
    private final List<EmbeddingRow> done = new ArrayList<>();

    public RowEmbedder(Backbone backbone, ImageDecoder decoder, int batchSize) {
        this.backbone = backbone;
        this.decoder = decoder;
        this.batchSize = Math.max(1, batchSize);
        try {
            this.scratchDir = Files.createTempDirectory("loupe-rows");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Takes one file: {@code relPath} is its path under the image root ('/'-separated), {@code content} its bytes.
     * Returns the rows finished by this call (a whole batch once it is full, bad files at once), in no fixed order.
     */
    public List<EmbeddingRow> add(String relPath, byte[] content) {
        String name = relPath.substring(relPath.lastIndexOf('/') + 1);
        String sha = Importer.sha256(content);
        EmbeddingRow bad = withoutDecoding(relPath, content, backbone.id());
        if (bad != null) {
            done.add(bad);
        } else {
            try {
                BufferedImage img = decode(name, content);
                pending.add(new EmbeddingRow(relPath, sha, content.length, EmbeddingRow.OK, null, backbone.id(), null));
                pixels.add(img);
            } catch (ImageDecodeException e) {
                done.add(skipped(relPath, sha, content.length, e.reason()));
            } catch (RuntimeException | Error e) { // one file never ends the job
                LOG.warn("Could not decode {}", relPath, e);
                done.add(skipped(relPath, sha, content.length, ImageDecoder.failureReason(e)));
            }
            if (pending.size() >= batchSize) {
                embedPending();
            }
        }
        return drain();
    }

    /**
     * The row of a file that import skips before decoding it (a name that is no image, an empty file), or null when
     * the file must be decoded to know.
     */
    public static EmbeddingRow withoutDecoding(String relPath, byte[] content, String backboneId) {
        String name = relPath.substring(relPath.lastIndexOf('/') + 1);
        String notImage = FolderScanner.notAnImageReason(name);
        String reason = notImage != null ? notImage : content.length == 0 ? ImageDecodeException.Kind.EMPTY.reason() : null;
        return reason == null ? null : new EmbeddingRow(relPath, Importer.sha256(content), content.length,
                EmbeddingRow.SKIPPED, reason, backboneId, null);
    }

    /** Embeds what is left and returns those rows. */
    public List<EmbeddingRow> finish() {
        embedPending();
        return drain();
    }

    private BufferedImage decode(String name, byte[] content) throws ImageDecodeException {
        // The decoder reads files (EXIF orientation, WebP kind): the bytes go to a scratch file with the file's name.
        int dot = name.lastIndexOf('.');
        Path file = scratchDir.resolve("image" + (dot >= 0 ? name.substring(dot) : ""));
        try {
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the scratch file " + file, e);
        }
        try {
            // As a desktop import embeds: decoded once at the side its thumbnail needs too, then fitted to the backbone's
            // side (StoreImportSink.importAndEmbed, Embedder.Feed), so the two give the same embeddings.
            return Embedder.pixelsToEmbed(decoder, file, backbone);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.debug("Could not delete {}", file, e);
            }
        }
    }

    private void embedPending() {
        if (pending.isEmpty()) {
            return;
        }
        float[][] vectors = backbone.embed(pixels);
        for (int i = 0; i < pending.size(); i++) {
            EmbeddingRow r = pending.get(i);
            done.add(new EmbeddingRow(r.path(), r.sha256(), r.size(), r.status(), null, r.backbone(), vectors[i]));
        }
        pending.clear();
        pixels.clear();
    }

    private List<EmbeddingRow> drain() {
        List<EmbeddingRow> out = List.copyOf(done);
        done.clear();
        return out;
    }

    private EmbeddingRow skipped(String relPath, String sha, long size, String reason) { // a file that did not decode
        return new EmbeddingRow(relPath, sha, size, EmbeddingRow.SKIPPED, reason, backbone.id(), null);
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(scratchDir);
        } catch (IOException e) {
            LOG.debug("Could not delete {}", scratchDir, e);
        }
    }
}
