package dev.loupe.project;

/**
 * One row of the label-check marks (ADR 0026): the user kept image {@code imageId}'s label {@code classId} after the
 * label check flagged it ({@code checked}), or took that mark back ({@code checked} false, {@code undoOf} naming it).
 *
 * @param journalSeq the label journal's newest seq when the row was written: a later label event on the image voids
 *                   the mark
 */
public record LabelCheckMark(long seq, long timeMs, long imageId, Long classId, boolean checked, long journalSeq,
                             Long undoOf) {
}
