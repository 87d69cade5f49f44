package dev.loupe.datacheck;

import java.util.List;
import java.util.Objects;

/**
 * What a label check looks at: the labelled images' embeddings (a snapshot taken from the project store, never the
 * trainer's arrays) and their given classes.
 *
 * @param imageIds   one id per labelled image (any stable key; the project's image ids in the app)
 * @param x          n×d embeddings, row-major
 * @param d          embedding width
 * @param labels     the given class of each row, an index into {@code classNames}
 * @param classNames names of the classes, for the "why" of each suspect
 */
public record LabelCheckInput(long[] imageIds, float[] x, int d, int[] labels, List<String> classNames) {
    public LabelCheckInput {
        Objects.requireNonNull(imageIds);
        Objects.requireNonNull(x);
        Objects.requireNonNull(labels);
        classNames = List.copyOf(classNames);
        if (d < 1 || imageIds.length != labels.length || x.length != (long) labels.length * d) {
            throw new IllegalArgumentException("need n ids, n labels and n*d embedding values");
        }
        for (int l : labels) {
            if (l < 0 || l >= classNames.size()) throw new IllegalArgumentException("label " + l + " is not a class index");
        }
    }

    public int n() { return labels.length; }

    public int classCount() { return classNames.size(); }

    /** Rows per class. */
    public int[] classCounts() {
        int[] c = new int[classNames.size()];
        for (int l : labels) c[l]++;
        return c;
    }
}
