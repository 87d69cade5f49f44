package dev.loupe.project;

/**
 * The kinds of journal event and how their columns are used.
 * <ul>
 * <li>LABEL: image_id, class_id (the image had no label).</li>
 * <li>RELABEL: image_id, class_id (new), other_class_id (previous).</li>
 * <li>UNLABEL: image_id, other_class_id (previous).</li>
 * <li>CLASS_ADD: class_id, text (name).</li>
 * <li>CLASS_RENAME: class_id, text (new name; the old one is the previous ADD/RENAME text).</li>
 * <li>CLASS_MERGE: class_id (merged away, now deleted), other_class_id (kept; receives the labels).</li>
 * <li>CLASS_DELETE: class_id; its images become unlabelled.</li>
 * </ul>
 */
public enum EventKind {
    LABEL, RELABEL, UNLABEL, CLASS_ADD, CLASS_RENAME, CLASS_MERGE, CLASS_DELETE;

    /** True for the events that concern one image's label. */
    public boolean isLabelEvent() {
        return this == LABEL || this == RELABEL || this == UNLABEL;
    }
}
