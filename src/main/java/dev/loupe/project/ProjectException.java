package dev.loupe.project;

import dev.loupe.LoupeException;

/** A project-store failure whose message is written for the user (no stack-trace jargon). */
public final class ProjectException extends LoupeException {

    /** What went wrong, so callers (CLI exit codes, dialogs) can react without parsing text. */
    public enum Kind {
        /** The folder or its project.db does not exist. */
        NOT_FOUND,
        /** The path exists but is not a Loupe project (not a folder, not SQLite, another app's db). */
        NOT_A_PROJECT,
        /** Another Loupe process (or this one) has the project open. */
        LOCKED,
        /** The project was written by a newer Loupe whose schema this build does not know. */
        NEWER_SCHEMA,
        /** project.db is damaged (truncated, garbled pages); nothing was changed, the message says how to recover. */
        DAMAGED,
        /** The project folder cannot be written. */
        READ_ONLY,
        /** A request the store refuses (unknown id, duplicate class name, ambiguous path...). */
        INVALID,
        /** The database or file system failed underneath us. */
        IO
    }

    private final Kind kind;

    public ProjectException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ProjectException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
