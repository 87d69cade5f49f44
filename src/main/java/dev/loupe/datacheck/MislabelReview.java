package dev.loupe.datacheck;

import dev.loupe.project.EmbeddingSet;
import dev.loupe.project.LabelCheckMark;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The label check of a project: its input read from the store (labels from the journal, embeddings of the project's
 * base model: a snapshot, never the trainer's arrays), the report without the labels the user already checked, and
 * the "keep" mark with its undo. Accepting a suggestion is a plain relabel through the labelling session.
 */
public final class MislabelReview {

    /**
     * A project's labelled images as a check's input.
     *
     * @param classIds the project class id of each class index of the input
     */
    public record Snapshot(LabelCheckInput input, List<Long> classIds) {
        /** The project class id of a suspect's suggestion. */
        public long suggestedClassId(Suspect s) { return classIds.get(s.suggestedClass()); }

        public long givenClassId(Suspect s) { return classIds.get(s.givenClass()); }
    }

    private MislabelReview() {
    }

    /** The labelled images that have an embedding of {@code backbone}, with their current labels. */
    public static Snapshot snapshot(ProjectStore store, String backbone) {
        List<LabelClass> classes = store.classes();
        Map<Long, Integer> index = new HashMap<>();
        List<Long> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (LabelClass c : classes) {
            index.put(c.id(), ids.size());
            ids.add(c.id());
            names.add(c.name());
        }
        Map<Long, Long> labels = store.currentLabels();
        EmbeddingSet e = store.embeddings(backbone, id -> index.containsKey(labels.getOrDefault(id, -1L)));
        int n = 0;
        for (long id : e.ids()) if (index.containsKey(labels.getOrDefault(id, -1L))) n++;
        long[] imageIds = new long[n];
        int[] y = new int[n];
        int d = Math.max(1, e.dim());
        float[] x = new float[n * d];
        for (int i = 0, k = 0; i < e.size(); i++) {
            Integer cls = index.get(labels.getOrDefault(e.ids()[i], -1L));
            if (cls == null) continue;
            imageIds[k] = e.ids()[i];
            y[k] = cls;
            System.arraycopy(e.vectors()[i], 0, x, k * d, d);
            k++;
        }
        return new Snapshot(new LabelCheckInput(imageIds, x, d, y, names), List.copyOf(ids));
    }

    /** Runs the check on a snapshot and leaves out the labels marked checked (as they are in the store now). */
    public static MislabelReport check(ProjectStore store, Snapshot snap, MislabelOptions options,
                                       MislabelFinder.Progress progress, BooleanSupplier cancelled) {
        return withoutChecked(store, snap, MislabelFinder.find(snap.input(), options, progress, cancelled));
    }

    /** The report without the suspects whose current label the user marked checked. */
    public static MislabelReport withoutChecked(ProjectStore store, Snapshot snap, MislabelReport report) {
        Map<Long, Long> checked = store.checkedLabels();
        return report.filter(s -> !Long.valueOf(snap.givenClassId(s)).equals(checked.get(s.imageId())));
    }

    /** Keeps an image's label and marks it checked; the returned mark is what {@link #undoKeep} takes back. */
    public static LabelCheckMark keep(ProjectStore store, long imageId) {
        return store.markChecked(imageId);
    }

    /** Takes back a keep. */
    public static LabelCheckMark undoKeep(ProjectStore store, LabelCheckMark mark) {
        return store.unmarkChecked(mark.seq());
    }

    /** The mark that makes {@code imageId}'s label checked now, if any (the newest "checked" row while it holds). */
    public static Optional<LabelCheckMark> currentMark(ProjectStore store, long imageId) {
        if (!store.checkedLabels().containsKey(imageId)) return Optional.empty();
        List<LabelCheckMark> marks = store.checkMarks();
        for (int i = marks.size() - 1; i >= 0; i--) {
            if (marks.get(i).imageId() == imageId) return marks.get(i).checked() ? Optional.of(marks.get(i)) : Optional.empty();
        }
        return Optional.empty();
    }
}
