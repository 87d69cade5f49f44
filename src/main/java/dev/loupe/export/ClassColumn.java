package dev.loupe.export;

import java.util.Objects;

/**
 * One output column of an exported head: the class name, whether the model may predict it, and whether
 * the class had been deleted in the project it came from.
 *
 * @param name    class name (deleted classes keep their last name)
 * @param active  true when the column may be predicted: a live class that has examples
 * @param deleted the class was deleted in the source project (a deleted column is never active)
 */
public record ClassColumn(String name, boolean active, boolean deleted) {

    public ClassColumn {
        Objects.requireNonNull(name, "name");
        if (deleted && active) {
            throw new IllegalArgumentException("a deleted class cannot be active: " + name);
        }
    }

    /** A live class column. */
    public static ClassColumn live(String name, boolean active) {
        return new ClassColumn(name, active, false);
    }

    /** The column of a class deleted in the project. */
    public static ClassColumn deleted(String name) {
        return new ClassColumn(name, false, true);
    }
}
