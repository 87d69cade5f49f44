package dev.loupe.project;

/** A label class; ids are stable and never reused, deleted classes keep their row. */
public record LabelClass(long id, String name, String colour, Character hotkey, int ord, boolean deleted) {
}
