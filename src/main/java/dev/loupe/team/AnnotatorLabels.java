package dev.loupe.team;

import dev.loupe.project.EventKind;
import dev.loupe.project.JournalEntry;
import dev.loupe.project.LabelReplay;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Each annotator's own labels, replayed from the journal: an annotator's newest label event on an image is their label
 * of it (an UNLABEL takes it back). Undone events do not count (an undo or redo names the event it compensates, see
 * {@link LabelReplay#undone}); class merges and deletes apply to everyone's labels, as they do to the project's.
 *
 * @param byAnnotator  annotator → (image id → class id), annotators in name order
 * @param unattributed label events from before the journal recorded annotators (schema v5), left out
 */
public record AnnotatorLabels(Map<String, Map<Long, Long>> byAnnotator, int unattributed) {

    /** Replays {@code journal} (oldest first) with {@code annotatorOf} (journal seq → annotator). */
    public static AnnotatorLabels replay(Iterable<JournalEntry> journal, Map<Long, String> annotatorOf) {
        return replay(journal, annotatorOf, Set.of());
    }

    /**
     * As {@link #replay(Iterable, Map)}, leaving out the events in {@code reviews} (a reviewer's adjudications, ADR
     * 0034): a decision is not a vote, and agreement is between the annotators.
     */
    public static AnnotatorLabels replay(Iterable<JournalEntry> journal, Map<Long, String> annotatorOf,
                                         Set<Long> reviews) {
        Set<Long> undone = LabelReplay.undone(journal);
        Map<String, Map<Long, Long>> by = new TreeMap<>();
        int unattributed = 0;
        for (JournalEntry e : journal) {
            if (undone.contains(e.seq())) {
                continue;
            }
            if (e.kind().isLabelEvent()) {
                if (e.undoOf() != null || reviews.contains(e.seq())) {
                    continue; // its effect is that of the event it undoes (or redoes), handled by `undone`
                }
                String who = annotatorOf.get(e.seq());
                if (who == null) {
                    unattributed++;
                    continue;
                }
                Map<Long, Long> own = by.computeIfAbsent(who, k -> new HashMap<>());
                if (e.kind() == EventKind.UNLABEL) {
                    own.remove(e.imageId());
                } else {
                    own.put(e.imageId(), e.classId());
                }
            } else if (e.kind() == EventKind.CLASS_MERGE) {
                for (Map<Long, Long> own : by.values()) {
                    own.replaceAll((image, cls) -> cls.equals(e.classId()) ? e.otherClassId() : cls);
                }
            } else if (e.kind() == EventKind.CLASS_DELETE) {
                for (Map<Long, Long> own : by.values()) {
                    own.values().removeIf(cls -> cls.equals(e.classId()));
                }
            }
        }
        Map<String, Map<Long, Long>> frozen = new TreeMap<>();
        by.forEach((k, v) -> {
            if (!v.isEmpty()) {
                frozen.put(k, Collections.unmodifiableMap(v));
            }
        });
        return new AnnotatorLabels(Collections.unmodifiableMap(frozen), unattributed);
    }
}
