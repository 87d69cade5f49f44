package dev.loupe.datacheck;

import dev.loupe.project.EmbeddingSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;

/**
 * Does a batch of new images look like the project? Runs {@link DriftTest} on the new images' embeddings against
 * the project's earlier ones, and compares the model's confidence on the new images with what the labelled images
 * got. Works on copies (an {@link EmbeddingSet} and confidences computed from a saved head), never on the trainer.
 */
public final class DriftCheck {

    /** Labelled images' confidence quantile that counts as "low". */
    public static final double LOW_CONFIDENCE_QUANTILE = 0.10;
    /** Typical examples reported. */
    public static final int TYPICAL = 6;

    /**
     * Predicted-class confidences by image id, from one head; images without one are left out.
     *
     * @param labelled ids of the labelled images (their confidences set the cut)
     */
    public record Confidences(java.util.Map<Long, Float> byImage, java.util.Set<Long> labelled) {
    }

    private DriftCheck() {
    }

    /**
     * Compares the rows of {@code set} whose id passes {@code isNew} with the others ({@code isNew} false and
     * {@code inProject} true). Null when either side is too small to test or when cancelled.
     *
     * @param confidences null when the project has no model yet
     */
    public static DriftReport check(EmbeddingSet set, LongPredicate isNew, LongPredicate inProject, Confidences confidences,
                                    DriftTest.Config config, BooleanSupplier cancel) {
        List<Integer> newRows = new ArrayList<>();
        List<Integer> oldRows = new ArrayList<>();
        for (int r = 0; r < set.size(); r++) {
            long id = set.ids()[r];
            if (isNew.test(id)) newRows.add(r);
            else if (inProject.test(id)) oldRows.add(r);
        }
        if (newRows.size() < config.minCandidate() || oldRows.size() < config.minCandidate()) {
            return null;
        }
        float[][] ref = rows(set, oldRows);
        float[][] cand = rows(set, newRows);
        DriftTest.Result t = DriftTest.test(ref, cand, config, cancel);
        if (t == null) return null;

        Integer[] byWitness = new Integer[t.candidateCount()];
        for (int j = 0; j < byWitness.length; j++) byWitness[j] = j;
        Arrays.sort(byWitness, Comparator.comparingDouble((Integer j) -> -t.witness()[j]));
        List<Long> order = new ArrayList<>(newRows.size());
        boolean[] placed = new boolean[newRows.size()];
        for (int j : byWitness) {
            int c = t.candidateRows()[j];
            order.add(set.ids()[newRows.get(c)]);
            placed[c] = true;
        }
        for (int c = 0; c < placed.length; c++) if (!placed[c]) order.add(set.ids()[newRows.get(c)]);
        List<Long> typical = order.subList(0, Math.min(TYPICAL, order.size()));

        double cut = Double.NaN;
        double lowNew = Double.NaN;
        double lowProject = Double.NaN;
        if (confidences != null) {
            float[] labelled = new float[confidences.labelled().size()];
            int count = 0;
            for (long id : confidences.labelled()) {
                Float v = confidences.byImage().get(id);
                if (v != null) labelled[count++] = v;
            }
            labelled = Arrays.copyOf(labelled, count);
            if (labelled.length > 0) {
                float[] s = labelled.clone();
                Arrays.sort(s);
                cut = s[(int) Math.floor(LOW_CONFIDENCE_QUANTILE * (s.length - 1))];
                lowNew = shareBelow(confidences, newRows, set, cut, id -> true);
                lowProject = shareBelow(confidences, oldRows, set, cut, id -> !confidences.labelled().contains(id));
            }
        }
        return new DriftReport(newRows.size(), oldRows.size(), t, t.farShare(), cut, lowNew, lowProject, typical, order);
    }

    private static double shareBelow(Confidences c, List<Integer> rows, EmbeddingSet set, double cut, LongPredicate counted) {
        int n = 0;
        int below = 0;
        for (int r : rows) {
            long id = set.ids()[r];
            Float v = c.byImage().get(id);
            if (v == null || !counted.test(id)) continue;
            n++;
            if (v < cut) below++;
        }
        return n == 0 ? Double.NaN : (double) below / n;
    }

    private static float[][] rows(EmbeddingSet set, List<Integer> rows) {
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < out.length; i++) out[i] = set.vectors()[rows.get(i)];
        return out;
    }
}
