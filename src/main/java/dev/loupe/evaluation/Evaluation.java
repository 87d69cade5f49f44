package dev.loupe.evaluation;

import dev.loupe.project.EventKind;
import dev.loupe.project.JournalEntry;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * How well the model does, as numbers the evaluation tab draws: the prequential learning curve, a confusion matrix
 * of the labelled images, per-class counts and the model version timeline. Immutable; computed off the UI thread.
 *
 * @param curve    one point per label event that the model had predicted before the user gave it
 * @param classes  the live classes, the rows and columns of {@code confusion} in this order
 * @param confusion {@code confusion[t][p]}: labelled images of class t the current model predicts as p; column
 *                 {@code classes.size()} counts those it predicts nothing for (no embedding, or no model yet)
 * @param counts   per live class, in {@code classes} order
 * @param versions the saved model versions, oldest first
 * @param estimate the current model's estimated accuracy on the unlabelled images (null: no model yet)
 * @param estimateCurve that estimate at each label count so far, oldest first
 */
public record Evaluation(List<CurvePoint> curve, List<LabelClass> classes, long[][] confusion,
                         List<ClassCounts> counts, List<ModelVersion> versions, AccuracyEstimate estimate,
                         List<EstimatePoint> estimateCurve) {

    /** Labels in the moving window of the curve. */
    public static final int WINDOW = 20;

    /**
     * One label the model had predicted before the user gave it.
     *
     * @param label      ordinal of the label event among all label events (1-based), so it lines up with the count
     * @param correct    whether the prediction was right
     * @param cumulative prequential accuracy over every checked label so far
     * @param moving     prequential accuracy over the last {@value #WINDOW} checked labels
     */
    public record CurvePoint(int label, boolean correct, double cumulative, double moving) {
    }

    /**
     * @param labelled  images labelled with the class
     * @param right     of those, how many the current model predicts as the class
     * @param predicted unlabelled images the current model predicts as the class
     */
    public record ClassCounts(LabelClass labelClass, long labelled, long right, long predicted) {
        /** Share of its labelled images the model gets right (NaN when none). */
        public double recall() {
            return labelled == 0 ? Double.NaN : (double) right / labelled;
        }
    }

    /** The estimated accuracy on the unlabelled images when the model had learned {@code labels} labels. */
    public record EstimatePoint(int labels, double estimate) {
    }

    public Evaluation {
        curve = List.copyOf(curve);
        classes = List.copyOf(classes);
        counts = List.copyOf(counts);
        versions = List.copyOf(versions);
        estimateCurve = List.copyOf(estimateCurve);
    }

    /**
     * Computes the evaluation.
     *
     * @param journal   the whole journal, oldest first
     * @param labels    image id → class id of every labelled image now
     * @param classes   the live classes in display order
     * @param imageIds  every image id the model scores (for the predicted counts of unlabelled images)
     * @param predicted image id → the class id the current model predicts, or null when it predicts none
     * @param versions  saved model versions, oldest first
     */
    public static Evaluation of(List<JournalEntry> journal, Map<Long, Long> labels, List<LabelClass> classes,
                                long[] imageIds, LongFunction<Long> predicted, List<ModelVersion> versions) {
        return of(journal, labels, classes, imageIds, predicted, versions, null, List.of());
    }

    /** The same, with the current model's accuracy estimate and its curve over label counts. */
    public static Evaluation of(List<JournalEntry> journal, Map<Long, Long> labels, List<LabelClass> classes,
                                long[] imageIds, LongFunction<Long> predicted, List<ModelVersion> versions,
                                AccuracyEstimate estimate, List<EstimatePoint> estimateCurve) {
        return new Evaluation(curve(journal), classes, confusion(labels, classes, predicted),
                counts(labels, classes, imageIds, predicted), versions, estimate, estimateCurve);
    }

    /**
     * The learning curve: label events given by the user (not undo/redo events, nor labels undone since), those with
     * a verdict plotted.
     */
    static List<CurvePoint> curve(List<JournalEntry> journal) {
        java.util.Set<Long> undone = dev.loupe.project.LabelReplay.undone(journal);
        List<CurvePoint> out = new ArrayList<>();
        Deque<Boolean> window = new ArrayDeque<>();
        int labelsSoFar = 0;
        int correct = 0;
        int checked = 0;
        int windowCorrect = 0;
        for (JournalEntry e : journal) {
            if (e.undoOf() != null || (e.kind() != EventKind.LABEL && e.kind() != EventKind.RELABEL)
                    || undone.contains(e.seq())) {
                continue;
            }
            labelsSoFar++;
            if (e.prequential() == null) {
                continue;
            }
            boolean right = e.prequential();
            checked++;
            correct += right ? 1 : 0;
            window.addLast(right);
            windowCorrect += right ? 1 : 0;
            if (window.size() > WINDOW) {
                windowCorrect -= window.removeFirst() ? 1 : 0;
            }
            out.add(new CurvePoint(labelsSoFar, right, (double) correct / checked, (double) windowCorrect / window.size()));
        }
        return out;
    }

    private static long[][] confusion(Map<Long, Long> labels, List<LabelClass> classes, LongFunction<Long> predicted) {
        Map<Long, Integer> index = indexOf(classes);
        long[][] m = new long[classes.size()][classes.size() + 1];
        for (Map.Entry<Long, Long> e : labels.entrySet()) {
            Integer t = index.get(e.getValue());
            if (t == null) {
                continue; // a label of a deleted class cannot exist, but a stale map is no reason to fail
            }
            Long p = predicted.apply(e.getKey());
            Integer col = p == null ? null : index.get(p);
            m[t][col == null ? classes.size() : col]++;
        }
        return m;
    }

    private static List<ClassCounts> counts(Map<Long, Long> labels, List<LabelClass> classes, long[] imageIds,
                                            LongFunction<Long> predicted) {
        Map<Long, Integer> index = indexOf(classes);
        long[] labelled = new long[classes.size()];
        long[] right = new long[classes.size()];
        long[] guessed = new long[classes.size()];
        for (Map.Entry<Long, Long> e : labels.entrySet()) {
            Integer t = index.get(e.getValue());
            if (t != null) {
                labelled[t]++;
                if (e.getValue().equals(predicted.apply(e.getKey()))) {
                    right[t]++;
                }
            }
        }
        for (long id : imageIds) {
            if (!labels.containsKey(id)) {
                Long p = predicted.apply(id);
                Integer col = p == null ? null : index.get(p);
                if (col != null) {
                    guessed[col]++;
                }
            }
        }
        List<ClassCounts> out = new ArrayList<>();
        for (int k = 0; k < classes.size(); k++) {
            out.add(new ClassCounts(classes.get(k), labelled[k], right[k], guessed[k]));
        }
        return out;
    }

    private static Map<Long, Integer> indexOf(List<LabelClass> classes) {
        Map<Long, Integer> index = new HashMap<>();
        for (int k = 0; k < classes.size(); k++) {
            index.put(classes.get(k).id(), k);
        }
        return index;
    }

    /** Labelled images the matrix counts (every row summed, the "no prediction" column included). */
    public long confusionTotal() {
        long n = 0;
        for (long[] row : confusion) {
            for (long v : row) {
                n += v;
            }
        }
        return n;
    }

    /** Share of labelled images the current model predicts right (NaN when none is labelled). */
    public double currentAccuracy() {
        long diag = 0;
        for (int k = 0; k < classes.size(); k++) {
            diag += confusion[k][k];
        }
        long total = confusionTotal();
        return total == 0 ? Double.NaN : (double) diag / total;
    }
}
