package dev.loupe.labelling;

import dev.loupe.project.JournalEntry;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The undo and redo stacks, derived from the journal alone (so they survive restarts and agree
 * between the app and the CLI). An undo is a compensating event whose {@code undo_of} names the
 * original label event; a redo is a compensating event whose {@code undo_of} names that undo.
 * Any new label event clears the redo stack.
 */
public final class UndoHistory {

    /** A label event that can be redone, and the undo event that took it back. */
    public record Undone(JournalEntry original, JournalEntry undo) {
    }

    private final Deque<JournalEntry> done = new ArrayDeque<>();
    private final Deque<Undone> undone = new ArrayDeque<>();

    private UndoHistory() {
    }

    /** Replays the whole journal in order. */
    public static UndoHistory of(List<JournalEntry> journal) {
        UndoHistory h = new UndoHistory();
        Map<Long, JournalEntry> bySeq = new HashMap<>();
        for (JournalEntry e : journal) {
            bySeq.put(e.seq(), e);
            if (!isLabelEvent(e)) {
                continue;
            }
            if (e.undoOf() == null) {
                h.done.push(e);
                h.undone.clear();
                continue;
            }
            JournalEntry target = bySeq.get(e.undoOf());
            if (target == null) {
                continue;
            }
            if (target.undoOf() == null) {
                // An undo of an original event: it must be the top of the done stack.
                if (!h.done.isEmpty() && h.done.peek().seq() == target.seq()) {
                    h.done.pop();
                    h.undone.push(new Undone(target, e));
                }
            } else if (!h.undone.isEmpty() && h.undone.peek().undo().seq() == target.seq()) {
                // A redo: the original goes back on the done stack.
                h.done.push(h.undone.pop().original());
            }
        }
        return h;
    }

    static boolean isLabelEvent(JournalEntry e) {
        return e.imageId() != null && e.kind().isLabelEvent();
    }

    /** The label event an undo would take back. */
    public Optional<JournalEntry> nextUndo() {
        return Optional.ofNullable(done.peek());
    }

    /** The event a redo would re-apply, with the undo that took it back. */
    public Optional<Undone> nextRedo() {
        return Optional.ofNullable(undone.peek());
    }

    public int undoDepth() {
        return done.size();
    }

    public int redoDepth() {
        return undone.size();
    }
}
