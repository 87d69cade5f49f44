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
 * the images an import just brought in: a row is used only for the image at the same path under the import folder
 * whose content hash and size are the row's, so a file changed since the job is embedded again here. Rows come in
 * batches of {@value #BATCH}, each stored in one transaction, like the embedder's.
 */
public final class EmbeddingsFromParquet {

    static final int BATCH = 1024;

    /**
     * What one run did: {@code used} rows stored as embeddings; {@code changed} rows whose file is in the project
     * under that path with other content (it is embedded here instead); {@code unused} embedded rows for which
     * the import took no image at that path (a duplicate, a file gone, or one embedded already); {@code badRows} the
     * rows the job could not embed, with its reason.
     */
    public record Result(long rows, int used, int changed, int unused, List<SkippedFile> badRows) {
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
        for (ImageRecord rec : store.images()) {
            if (need.contains(rec.id()) && rec.root() != null && rec.root().toAbsolutePath().normalize().equals(r)) {
                byRel.put(rec.relPath(), rec);
            }
        }
        Run run = new Run(store, r, backboneId, dim, byRel);
        source.forEach(run::accept);
        run.flush();
        return new Result(source.rows(), run.used, run.changed, run.unused, run.bad);
    }

    private static final class Run {
        final ProjectStore store;
        final Path root;
        final String backboneId;
        final int dim;
        final Map<String, ImageRecord> byRel;
        final Map<Long, float[]> batch = new HashMap<>();
        final List<SkippedFile> bad = new ArrayList<>();
        int used;
        int changed;
        int unused;

        Run(ProjectStore store, Path root, String backboneId, int dim, Map<String, ImageRecord> byRel) {
            this.store = store;
            this.root = root;
            this.backboneId = backboneId;
            this.dim = dim;
            this.byRel = byRel;
        }

        void accept(EmbeddingRow row) {
            if (row.path() == null) {
                return;
            }
            if (!row.ok()) {
                bad.add(new SkippedFile(resolve(row.path()), row.reason() == null ? "skipped (no reason given)" : row.reason()));
                return;
            }
            ImageRecord rec = byRel.remove(row.path());
            if (rec == null) {
                unused++;
                return;
            }
            if (!rec.sha256().equalsIgnoreCase(String.valueOf(row.sha256())) || rec.sizeBytes() != row.size()) {
                changed++;
                return;
            }
            if (row.embedding() == null || row.embedding().length != dim) {
                throw new LoupeException("The embedding of " + row.path() + " has " + (row.embedding() == null ? 0
                        : row.embedding().length) + " numbers, but the base model gives " + dim + ": the file is "
                        + "damaged. The images are imported; import again without --embeddings to embed the rest here.");
            }
            batch.put(rec.id(), row.embedding());
            if (batch.size() >= BATCH) {
                flush();
            }
        }

        void flush() {
            if (batch.isEmpty()) {
                return;
            }
            store.putEmbeddings(backboneId, batch);
            used += batch.size();
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
