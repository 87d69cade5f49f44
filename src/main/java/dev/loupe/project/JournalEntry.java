package dev.loupe.project;

/**
 * One append-only journal event; see {@link EventKind} for which fields each kind uses.
 * {@code undoOf} is the seq of the event this one compensates (undo/redo), {@code prequential}
 * whether the model's prediction was right just before this label was given.
 */
public record JournalEntry(long seq, long timeMs, EventKind kind, Long imageId, Long classId,
                           Long otherClassId, String text, Long undoOf, Boolean prequential,
                           Long modelVersion) {
}
