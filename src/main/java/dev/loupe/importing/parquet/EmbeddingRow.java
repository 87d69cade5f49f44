package dev.loupe.importing.parquet;

/**
 * One row of an embeddings Parquet (the Spark job's output, docs/adr/0036-spark-embeddings.md): a file under the job's
 * image root, by its path relative to that root ('/'-separated, as {@code Importer.relPath}), its content hash and
 * size, whether it could be embedded ({@link #OK}) or was skipped with a reason, the id of the base model, and the
 * embedding (null for a skipped file).
 */
public record EmbeddingRow(String path, String sha256, long size, String status, String reason, String backbone,
                           float[] embedding) {
    /** The status of an embedded file. */
    public static final String OK = "ok";
    /** The status of a file that was not embedded; {@link #reason()} says why, in import's words. */
    public static final String SKIPPED = "skipped";

    public boolean ok() {
        return OK.equals(status);
    }
}
