package dev.loupe.project;

/** A saved model file; {@code file} is relative to the project folder (e.g. models/v0007.zip). */
public record ModelVersion(long id, String file, long createdMs, int labelCount, long journalSeq, String note) {
}
