package dev.loupe.training;

/**
 * One change to the labels: row {@code row} now has class {@code classIndex}, or no label when it is
 * {@link #UNLABELLED}. Relabelling is a label with another class.
 */
public record LabelUpdate(int row, int classIndex) {
    public static final int UNLABELLED = -1;

    public LabelUpdate {
        if (row < 0) throw new IllegalArgumentException("row must be >= 0: " + row);
        if (classIndex < UNLABELLED) throw new IllegalArgumentException("bad class index: " + classIndex);
    }

    public static LabelUpdate label(int row, int classIndex) {
        if (classIndex < 0) throw new IllegalArgumentException("class index must be >= 0: " + classIndex);
        return new LabelUpdate(row, classIndex);
    }

    public static LabelUpdate unlabel(int row) { return new LabelUpdate(row, UNLABELLED); }

    public boolean isUnlabel() { return classIndex == UNLABELLED; }
}
