package dev.loupe.training;

/**
 * Outcome of a batch retrain from scratch.
 *
 * @param heldOutAccuracy accuracy on the held-out labels, NaN when none were held out
 */
public record RetrainResult(double heldOutAccuracy, int trainCount, int heldOutCount, long millis, Snapshot snapshot) {}
