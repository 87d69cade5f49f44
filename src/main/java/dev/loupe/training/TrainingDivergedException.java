package dev.loupe.training;

/** A step produced NaN or infinite weights; the head was rolled back and the step's new rows left out of training. */
public final class TrainingDivergedException extends RuntimeException {
    private final int[] rows;

    public TrainingDivergedException(String message, int[] rows) {
        super(message);
        this.rows = rows.clone();
    }

    /** Rows whose labels are kept but no longer used for training. */
    public int[] quarantinedRows() { return rows.clone(); }
}
