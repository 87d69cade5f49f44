package dev.loupe.importing;

import dev.loupe.LoupeException;
import dev.loupe.importing.parquet.EmbeddingRow;
import dev.loupe.importing.parquet.EmbeddingsParquet;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Takes the embeddings an outside job computed (the Spark job, docs/adr/0036-spark-embeddings.md) into a project, for
 * the images an import just brought in. A row is used for the image whose content hash and size are the row's: the
 * one at the same path under the import folder, or one elsewhere with those bytes (a subfolder of the job's folder
 * imported alone, a moved copy) — the same decoder and base model make the same embedding from the same bytes. A file
 * changed since the job has another hash and is embedded again here. Rows are stored in batches of {@value #BATCH},
 * each in one transaction, like the embedder's.
 */
public final class EmbeddingsFromParquet {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbeddingsFromParquet.class);

    static final int BATCH = 1024;

    /**
     * What one run did: {@code used} rows stored as embeddings, {@code byContent} of them for an image at another path
     * than the row's; {@code changed} rows whose path is an image of the project with other content (that image is
     * embedded here, unless another row has its bytes); {@code unused} rows the import has no image for (outside the
     * folder imported, a duplicate, already embedded); {@code badRows} the rows the job could not embed, with its
     * reason.
     */
    public record Result(long rows, int used, int byContent, int changed, int unused, List<SkippedFile> badRows) {
        public Result {
            badRows = List.copyOf(badRows);
        }
    }

    private EmbeddingsFromParquet() {
    }

    /** Refuses embeddings made by another base model than {@code backboneId}, saying which and what to do. */
    public static void checkBackbone(EmbeddingsParquet source, String backboneId) {
        if (source.okRows() == 0) {
            return; // nothing to take: every file is embedded here
        }
        if (!source.backbones().equals(Set.of(backboneId))) {
            throw new LoupeException("The embeddings in " + source.source() + " were made with the base model "
                    + String.join(", ", source.backbones()) + ", but this project's base model is " + backboneId
                    + ": they cannot be used together. Run the Spark job with --project on this project, or import "
                    + "without --embeddings.");
        }
    }

    /**
     * Stores, for every image of {@code store} under {@code root} that has no embedding from {@code backboneId} yet,
     * the embedding of the row at its path when the row's hash and size are the image's. Checks the backbone first
     * ({@link #checkBackbone}); an embedding of the wrong length stops the run with a {@link LoupeException} (what
     * was stored stays, and the rest are embedded when the project is next opened).
     */
    public static Result apply(ProjectStore store, Path root, String backboneId, int dim, EmbeddingsParquet source) {
        checkBackbone(source, backboneId);
        Path r = root.toAbsolutePath().normalize();
        Set<Long> need = new HashSet<>(store.imagesWithoutEmbedding(backboneId));
        Map<String, ImageRecord> byRel = new HashMap<>();
        Map<String, List<ImageRecord>> bySha = new HashMap<>();
        for (ImageRecord rec : store.images()) {
            if (need.contains(rec.id())) {
                bySha.computeIfAbsent(rec.sha256().toLowerCase(java.util.Locale.ROOT), k -> new ArrayList<>()).add(rec);
                if (rec.root() != null && rec.root().toAbsolutePath().normalize().equals(r)) {
                    byRel.put(rec.relPath(), rec);
                }
            }
        }
        long t0 = System.nanoTime();
        Run run = new Run(store, r, backboneId, dim, byRel, bySha);
        source.forEach(run::accept);
        run.flush();
        LOG.info("Took {} embeddings from {} rows of {} in {} ms ({} at another path, {} changed, {} not used, {} bad)",
                run.used, source.rows(), source.source(), (System.nanoTime() - t0) / 1_000_000, run.byContent,
                run.changed, run.unused, run.bad.size());
        return new Result(source.rows(), run.used, run.byContent, run.changed, run.unused, run.bad);
    }

    private static final class Run {
        final ProjectStore store;
        final Path root;
        final String backboneId;
        final int dim;
        final Map<String, ImageRecord> byRel;
        final Map<String, List<ImageRecord>> bySha;
        final Map<Long, float[]> batch = new HashMap<>();
        final List<SkippedFile> bad = new ArrayList<>();
        int used;
        int byContent;
        int changed;
        int unused;

        Run(ProjectStore store, Path root, String backboneId, int dim, Map<String, ImageRecord> byRel,
            Map<String, List<ImageRecord>> bySha) {
            this.store = store;
            this.root = root;
            this.backboneId = backboneId;
            this.dim = dim;
            this.byRel = byRel;
            this.bySha = bySha;
        }

        void accept(EmbeddingRow row) {
            if (row.path() == null) {
                return;
            }
            if (!row.ok()) {
                bad.add(new SkippedFile(resolve(row.path()), row.reason() == null ? "skipped (no reason given)" : row.reason()));
                return;
            }
            ImageRecord atPath = byRel.get(row.path());
            String sha = row.sha256() == null ? "" : row.sha256().toLowerCase(java.util.Locale.ROOT);
            if (atPath != null && (!atPath.sha256().equalsIgnoreCase(sha) || atPath.sizeBytes() != row.size())) {
                changed++; // the file at this path is not the one the job read
            }
            List<ImageRecord> targets = bySha.remove(sha);
            if (targets == null) {
                if (atPath == null) {
                    unused++;
                }
                return;
            }
            if (row.embedding() == null || row.embedding().length != dim) {
                throw new LoupeException("The embedding of " + row.path() + " has " + (row.embedding() == null ? 0
                        : row.embedding().length) + " numbers, but the base model gives " + dim + ": the file is "
                        + "damaged. The images are imported; import again without --embeddings to embed the rest here.");
            }
            for (ImageRecord t : targets) {
                if (t.sizeBytes() != row.size()) {
                    continue; // the same hash with another size: not the same bytes
                }
                byRel.remove(t.relPath());
                batch.put(t.id(), row.embedding());
                used++;
                if (t != atPath) {
                    byContent++;
                }
            }
            if (batch.size() >= BATCH) {
                flush();
            }
        }

        void flush() {
            if (batch.isEmpty()) {
                return;
            }
            store.putEmbeddings(backboneId, batch);
            batch.clear();
        }

        private Path resolve(String rel) {
            Path p = root;
            for (String part : rel.split("/")) {
                if (!part.isEmpty()) {
                    p = p.resolve(part);
                }
            }
            return p;
        }
    }
}
