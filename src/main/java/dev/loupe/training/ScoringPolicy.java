package dev.loupe.training;

/**
 * How much of the collection a label step re-scores. Up to {@code fullBelow} rows every step re-scores every row.
 * Above it a step re-scores only the {@code hotRows} rows at the head of the previous queue (what the user sees
 * next), the rows whose label changed, and a rotating slice of {@code sliceRows} rows; the other rows keep the
 * score of an older head and the snapshot says so ({@link Snapshot#isStale}). When the trainer is idle it
 * re-scores the stale rows, {@code chunkRows} at a time, giving way to any label that arrives, and publishes a
 * snapshot with every row fresh.
 */
public record ScoringPolicy(int fullBelow, int hotRows, int sliceRows, int chunkRows) {
    public ScoringPolicy {
        if (fullBelow < 0 || hotRows < 0 || sliceRows < 0 || chunkRows < 1) throw new IllegalArgumentException("bad scoring policy");
    }

    /**
     * Full re-scoring up to 5,000 rows; above, the top 1,024 of the queue plus a slice of 2,048 rows per step; idle
     * refresh in chunks of 2,048 rows (a label arriving during a refresh waits for at most one chunk, ~5 ms at C=100).
     */
    public static ScoringPolicy defaults() {
        return new ScoringPolicy(5_000, 1024, 2048, 2048);
    }

    /** Every step re-scores every row (no stale rows ever). */
    public static ScoringPolicy alwaysFull() {
        return new ScoringPolicy(Integer.MAX_VALUE, 0, 0, 2048);
    }
}
