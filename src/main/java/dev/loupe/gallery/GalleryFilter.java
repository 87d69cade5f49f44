package dev.loupe.gallery;

import java.util.Objects;

/** Which images the gallery shows: a kind, and for the per-class kinds the class. */
public record GalleryFilter(Kind kind, Long classId) {

    /** What a filter selects. */
    public enum Kind { UNLABELLED, LABELLED, ALL, PREDICTED_AS, LABELLED_AS, SUSPECTS, OUTLIERS, DUPLICATES }

    public static final GalleryFilter UNLABELLED = new GalleryFilter(Kind.UNLABELLED, null);
    public static final GalleryFilter LABELLED = new GalleryFilter(Kind.LABELLED, null);
    public static final GalleryFilter ALL = new GalleryFilter(Kind.ALL, null);
    /** "Check my labels": the likely mislabelled images of the last label check, in its order (ADR 0026). */
    public static final GalleryFilter SUSPECTS = new GalleryFilter(Kind.SUSPECTS, null);
    /** The outliers of the last outlier search, farthest first, excluded ones left out (ADR 0027). */
    public static final GalleryFilter OUTLIERS = new GalleryFilter(Kind.OUTLIERS, null);
    /** The near-duplicate groups still listed, group after group, excluded images left out (ADR 0027). */
    public static final GalleryFilter DUPLICATES = new GalleryFilter(Kind.DUPLICATES, null);

    public GalleryFilter {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.PREDICTED_AS || kind == Kind.LABELLED_AS) != (classId != null)) {
            throw new IllegalArgumentException(kind + (classId == null ? " needs a class" : " takes no class"));
        }
    }

    public static GalleryFilter predictedAs(long classId) {
        return new GalleryFilter(Kind.PREDICTED_AS, classId);
    }

    public static GalleryFilter labelledAs(long classId) {
        return new GalleryFilter(Kind.LABELLED_AS, classId);
    }

    /** Whether a labelled image can be in this filter (if not, labelling an image takes it out). */
    public boolean admitsLabelled() {
        return kind != Kind.UNLABELLED;
    }
}
