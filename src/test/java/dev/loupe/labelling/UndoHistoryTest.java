package dev.loupe.labelling;

import dev.loupe.project.EventKind;
import dev.loupe.project.JournalEntry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UndoHistoryTest {

    private final List<JournalEntry> journal = new ArrayList<>();

    private JournalEntry add(EventKind kind, Long image, Long cls, Long undoOf) {
        JournalEntry e = new JournalEntry(journal.size() + 1, 0, kind, image, cls, null, null, undoOf, null, null);
        journal.add(e);
        return e;
    }

    @Test
    void undoTakesBackTheLastLabelEventAndRedoReappliesIt() {
        JournalEntry a = add(EventKind.LABEL, 1L, 10L, null);
        JournalEntry b = add(EventKind.LABEL, 2L, 10L, null);
        assertThat(UndoHistory.of(journal).nextUndo()).contains(b);

        JournalEntry undoB = add(EventKind.UNLABEL, 2L, null, b.seq());
        UndoHistory h = UndoHistory.of(journal);
        assertThat(h.nextUndo()).contains(a);
        assertThat(h.nextRedo()).get().isEqualTo(new UndoHistory.Undone(b, undoB));

        add(EventKind.LABEL, 2L, 10L, undoB.seq()); // redo of b
        h = UndoHistory.of(journal);
        assertThat(h.nextUndo()).contains(b);
        assertThat(h.nextRedo()).isEmpty();
    }

    @Test
    void aNewLabelClearsTheRedoStack() {
        JournalEntry a = add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.UNLABEL, 1L, null, a.seq());
        assertThat(UndoHistory.of(journal).redoDepth()).isEqualTo(1);
        add(EventKind.LABEL, 3L, 10L, null);
        assertThat(UndoHistory.of(journal).redoDepth()).isZero();
    }

    @Test
    void classEventsAreNotUndoneAndDoNotBreakTheChain() {
        JournalEntry a = add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.CLASS_ADD, null, 11L, null);
        add(EventKind.CLASS_RENAME, null, 11L, null);
        assertThat(UndoHistory.of(journal).nextUndo()).contains(a);
    }

    @Test
    void undoingEverythingLeavesNothingToUndo() {
        JournalEntry a = add(EventKind.LABEL, 1L, 10L, null);
        JournalEntry b = add(EventKind.RELABEL, 1L, 11L, null);
        add(EventKind.RELABEL, 1L, 10L, b.seq());
        add(EventKind.UNLABEL, 1L, null, a.seq());
        UndoHistory h = UndoHistory.of(journal);
        assertThat(h.nextUndo()).isEmpty();
        assertThat(h.redoDepth()).isEqualTo(2);
        assertThat(h.nextRedo().get().original()).isEqualTo(a);
    }
}
