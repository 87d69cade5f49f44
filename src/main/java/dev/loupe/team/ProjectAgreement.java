package dev.loupe.team;

import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How well a project's annotators agree, as {@code loupe agreement} and the Evaluation tab show it
 * (docs/adr/0032-annotator-agreement.md): each annotator's latest label per image; a reviewer's decisions are not votes.
 *
 * @param annotators   each annotator and how many images they labelled, in name order
 * @param unattributed label events from before Loupe recorded annotators (left out)
 * @param report       the coefficients; null with fewer than two annotators
 * @param classNames   names of {@code report.classIds()}, same order (empty without a report)
 * @param message      why there is no report (null when there is one)
 */
public record ProjectAgreement(Map<String, Integer> annotators, int unattributed, AgreementReport report,
                               List<String> classNames, String message) {

    /** Reads the journal (call it on the thread that owns the store). */
    public static ProjectAgreement of(ProjectStore store) {
        return of(store, store.journal());
    }

    /** The same over {@code journal}, the store's journal as already read (one read serves the Evaluation tab). */
    public static ProjectAgreement of(ProjectStore store, List<dev.loupe.project.JournalEntry> journal) {
        AnnotatorLabels labels = AnnotatorLabels.replay(journal, store.journalAnnotators(), store.adjudicationEvents());
        Map<String, Integer> counts = new LinkedHashMap<>();
        new java.util.TreeMap<>(labels.byAnnotator()).forEach((a, l) -> counts.put(a, l.size()));
        if (counts.size() < 2) {
            String message = counts.isEmpty()
                    ? "No labels with a recorded annotator: agreement needs labels from two or more annotators."
                    : "Only one annotator (" + counts.keySet().iterator().next() + ") has labelled this project: "
                            + "agreement needs two or more. Label with `loupe label --annotator NAME` as another person, "
                            + "or share the project on a team server (`loupe share`).";
            return new ProjectAgreement(counts, labels.unattributed(), null, List.of(), message);
        }
        Map<Long, String> names = store.allClasses().stream().collect(Collectors.toMap(LabelClass::id, LabelClass::name));
        AgreementReport r = AgreementReport.of(labels.byAnnotator());
        return new ProjectAgreement(counts, labels.unattributed(), r, r.classIds().stream().map(names::get).toList(), null);
    }
}
