package dev.loupe.team;

import dev.loupe.project.EventKind;
import dev.loupe.project.JournalEntry;
import dev.loupe.project.LabelReplay;
import dev.loupe.project.ProjectStore;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The label a shared project trains on, from its annotators' votes (docs/adr/0034-team-server.md):
 * <ul>
 * <li>a reviewer's decision (adjudication) wins;</li>
 * <li>else one annotator's label is the label, as for a single user;</li>
 * <li>else the majority class, if it has at least 2 votes and more than half of them;</li>
 * <li>else the image is in conflict: it goes to the adjudication queue and trains on no label.</li>
 * </ul>
 */
public final class Consensus {

    /** How an image's training label came about. */
    public enum Status { SINGLE, MAJORITY, ADJUDICATED, CONFLICT }

    /**
     * One image's decision.
     *
     * @param classId the training label; null for a conflict
     * @param votes   annotator → class of their latest label
     */
    public record Decision(Long classId, Status status, Map<String, Long> votes) {
    }

    private Consensus() {
    }

    /** The decision for one image from its votes (annotator → class) and a reviewer's decision (null: none). */
    public static Decision decide(Map<String, Long> votes, Long adjudicated) {
        Map<String, Long> v = Collections.unmodifiableMap(new TreeMap<>(votes));
        if (adjudicated != null) {
            return new Decision(adjudicated, Status.ADJUDICATED, v);
        }
        if (v.size() == 1) {
            return new Decision(v.values().iterator().next(), Status.SINGLE, v);
        }
        Map<Long, Integer> count = new HashMap<>();
        v.values().forEach(c -> count.merge(c, 1, Integer::sum));
        for (Map.Entry<Long, Integer> e : count.entrySet()) {
            if (e.getValue() >= 2 && 2 * e.getValue() > v.size()) {
                return new Decision(e.getKey(), Status.MAJORITY, v);
            }
        }
        return new Decision(null, Status.CONFLICT, v);
    }

    /** Every image with a vote or a decision → its decision. */
    public static Map<Long, Decision> of(AnnotatorLabels votes, Map<Long, Long> adjudications) {
        Map<Long, Map<String, Long>> byImage = new TreeMap<>();
        votes.byAnnotator().forEach((who, labels) ->
                labels.forEach((image, cls) -> byImage.computeIfAbsent(image, k -> new HashMap<>()).put(who, cls)));
        adjudications.keySet().forEach(image -> byImage.computeIfAbsent(image, k -> new HashMap<>()));
        Map<Long, Decision> out = new TreeMap<>();
        byImage.forEach((image, v) -> out.put(image, decide(v, adjudications.get(image))));
        return Collections.unmodifiableMap(out);
    }

    /** The decisions of a project's journal: votes without the reviews, and the reviews. */
    public static Map<Long, Decision> of(ProjectStore store) {
        var journal = store.journal();
        Set<Long> reviews = store.adjudicationEvents();
        return of(AnnotatorLabels.replay(journal, store.journalAnnotators(), reviews), adjudications(journal, reviews));
    }

    /**
     * Image → the class of its newest reviewer's decision that is not undone (an UNLABEL decision takes one back);
     * class merges and deletes apply as they do to labels.
     */
    public static Map<Long, Long> adjudications(Iterable<JournalEntry> journal, Set<Long> reviews) {
        Set<Long> undone = LabelReplay.undone(journal);
        Map<Long, Long> out = new HashMap<>();
        for (JournalEntry e : journal) {
            if (e.kind() == EventKind.CLASS_MERGE) {
                out.replaceAll((image, cls) -> cls.equals(e.classId()) ? e.otherClassId() : cls);
            } else if (e.kind() == EventKind.CLASS_DELETE) {
                out.values().removeIf(cls -> cls.equals(e.classId()));
            } else if (reviews.contains(e.seq()) && !undone.contains(e.seq()) && e.undoOf() == null) {
                if (e.kind() == EventKind.UNLABEL) {
                    out.remove(e.imageId());
                } else {
                    out.put(e.imageId(), e.classId());
                }
            }
        }
        return out;
    }

    /** Image → training label, conflicts left out. */
    public static Map<Long, Long> trainingLabels(Map<Long, Decision> decisions) {
        Map<Long, Long> out = new HashMap<>();
        decisions.forEach((image, d) -> {
            if (d.classId() != null) {
                out.put(image, d.classId());
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * What a project trains on: the consensus labels of a shared project, the project's labels otherwise (ADR 0034).
     */
    public static Map<Long, Long> trainingLabels(ProjectStore store) {
        return TeamSync.isShared(store) ? trainingLabels(of(store)) : store.currentLabels();
    }
}
