package dev.loupe.evaluation;

import dev.loupe.project.EventKind;
import dev.loupe.project.JournalEntry;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EvaluationTest {

    private static final LabelClass CAT = new LabelClass(1, "cat", "#f00", '1', 0, false);
    private static final LabelClass DOG = new LabelClass(2, "dog", "#0f0", '2', 1, false);

    private long seq;

    private JournalEntry label(long image, long cls, Boolean right) {
        return new JournalEntry(++seq, seq, EventKind.LABEL, image, cls, null, null, null, right, null);
    }

    @Test
    void theCurvePlotsEveryCheckedLabelAtItsLabelCountWithRunningAndMovingAccuracy() {
        List<JournalEntry> j = new ArrayList<>();
        j.add(label(1, 1, null)); // no model yet: counted as a label, not plotted
        j.add(new JournalEntry(++seq, seq, EventKind.CLASS_ADD, null, 2L, null, "dog", null, null, null));
        j.add(label(2, 2, false));
        j.add(label(3, 1, true));
        j.add(new JournalEntry(++seq, seq, EventKind.UNLABEL, 3L, null, 1L, null, 4L, null, null)); // its undo
        for (int i = 0; i < Evaluation.WINDOW; i++) {
            j.add(label(10 + i, 1, true));
        }

        List<Evaluation.CurvePoint> curve = Evaluation.curve(j);

        assertThat(curve).as("the undone label is not among the labels given").hasSize(1 + Evaluation.WINDOW);
        assertThat(curve.get(0)).isEqualTo(new Evaluation.CurvePoint(2, false, 0.0, 0.0));
        assertThat(curve.get(1)).isEqualTo(new Evaluation.CurvePoint(3, true, 0.5, 0.5));
        Evaluation.CurvePoint last = curve.get(curve.size() - 1);
        assertThat(last.label()).isEqualTo(2 + Evaluation.WINDOW);
        assertThat(last.cumulative()).isCloseTo((double) Evaluation.WINDOW / (1 + Evaluation.WINDOW), within(1e-12));
        assertThat(last.moving()).as("the wrong one has left the window").isEqualTo(1.0);
    }

    @Test
    void anUndoneLabelLeavesThePrequentialRecordAndARedoBringsItBack() {
        List<JournalEntry> j = new ArrayList<>();
        j.add(label(1, 1, true));
        j.add(label(2, 2, false)); // seq 2
        JournalEntry undo = new JournalEntry(++seq, seq, EventKind.UNLABEL, 2L, null, 2L, null, 2L, null, null);
        j.add(undo);
        assertThat(Evaluation.curve(j)).extracting(Evaluation.CurvePoint::correct).containsExactly(true);
        j.add(new JournalEntry(++seq, seq, EventKind.LABEL, 2L, 2L, null, null, undo.seq(), null, null)); // redo
        assertThat(Evaluation.curve(j)).extracting(Evaluation.CurvePoint::correct).containsExactly(true, false);
        j.add(new JournalEntry(++seq, seq, EventKind.UNLABEL, 2L, null, 2L, null, 2L, null, null)); // undone again
        assertThat(Evaluation.curve(j)).hasSize(1);
    }

    @Test
    void theMatrixCountsEveryLabelledImageByItsLabelAndTheCurrentPrediction() {
        Map<Long, Long> labels = Map.of(1L, 1L, 2L, 1L, 3L, 2L, 4L, 2L, 5L, 2L);
        Map<Long, Long> predicted = Map.of(1L, 1L, 2L, 2L, 3L, 2L, 4L, 2L, 6L, 1L, 7L, 2L, 8L, 2L);
        List<ModelVersion> versions = List.of(new ModelVersion(1, "models/v1", 10, 3, 4, null));

        Evaluation e = Evaluation.of(List.of(), labels, List.of(CAT, DOG), new long[] {1, 2, 3, 4, 5, 6, 7, 8},
                predicted::get, versions);

        assertThat(e.confusion()).isDeepEqualTo(new long[][] {{1, 1, 0}, {0, 2, 1}}); // image 5: no prediction
        assertThat(e.confusionTotal()).isEqualTo(labels.size());
        assertThat(e.currentAccuracy()).isEqualTo(3.0 / 5);
        assertThat(e.counts()).containsExactly(
                new Evaluation.ClassCounts(CAT, 2, 1, 1),
                new Evaluation.ClassCounts(DOG, 3, 2, 2));
        assertThat(e.versions()).isEqualTo(versions);
    }
}
