package dev.loupe.project;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Derives the current labels (image id → class id) from journal events. The journal is the truth;
 * this is the one place that says what each event does to the labels.
 */
public final class LabelReplay {

    private final Map<Long, Long> labels = new HashMap<>();

    /** Current labels after replaying {@code events} in order, from nothing. */
    public static Map<Long, Long> replay(Iterable<JournalEntry> events) {
        LabelReplay r = new LabelReplay();
        for (JournalEntry e : events) {
            r.apply(e);
        }
        return r.snapshot();
    }

    /**
     * The seqs of the label events that are undone now: an undo (a compensating event naming an original event)
     * takes one back, a redo (one naming that undo) puts it back. What counts as "labels the user gave" (the
     * prequential record) leaves these out.
     */
    public static java.util.Set<Long> undone(Iterable<JournalEntry> events) {
        Map<Long, JournalEntry> bySeq = new HashMap<>();
        java.util.Set<Long> out = new java.util.HashSet<>();
        for (JournalEntry e : events) {
            bySeq.put(e.seq(), e);
            if (e.undoOf() == null || !e.kind().isLabelEvent()) {
                continue;
            }
            JournalEntry target = bySeq.get(e.undoOf());
            if (target == null) {
                continue;
            }
            if (target.undoOf() == null) {
                out.add(target.seq());
            } else {
                out.remove(target.undoOf());
            }
        }
        return out;
    }

    /** Applies one event to the running state. */
    public void apply(JournalEntry e) {
        switch (e.kind()) {
            case LABEL, RELABEL -> labels.put(e.imageId(), e.classId());
            case UNLABEL -> labels.remove(e.imageId());
            case CLASS_MERGE -> {
                Long from = e.classId();
                Long into = e.otherClassId();
                labels.replaceAll((image, cls) -> cls.equals(from) ? into : cls);
            }
            case CLASS_DELETE -> labels.values().removeIf(cls -> cls.equals(e.classId()));
            case CLASS_ADD, CLASS_RENAME -> { /* names only; no label changes */ }
            default -> throw new IllegalStateException("unhandled event kind " + e.kind());
        }
    }

    /** The class of {@code imageId}, or null when unlabelled. */
    public Long labelOf(long imageId) {
        return labels.get(imageId);
    }

    public int size() {
        return labels.size();
    }

    /** An immutable copy of the current labels. */
    public Map<Long, Long> snapshot() {
        return Collections.unmodifiableMap(new HashMap<>(labels));
    }
}
