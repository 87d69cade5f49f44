package dev.loupe.backbone.catalog;

import dev.loupe.backbone.BackboneException;
import java.util.List;

/** A download that did not give a verified file; {@link #kind()} says why, {@link #attempts()} what each mirror did. */
public final class DownloadException extends BackboneException {
    private static final long serialVersionUID = 1L;

    /** Why no verified file came. */
    public enum Kind {
        /** No mirror could be connected to (offline, unknown host, refused, timed out). */
        UNREACHABLE,
        /** A mirror answered but did not serve the file (HTTP error, connection cut too often). */
        FAILED,
        /** Files came but none had the pinned size and SHA-256; nothing was kept. */
        VERIFY_FAILED,
        /** The user cancelled; the partial file is kept so the next attempt resumes. */
        CANCELLED
    }

    private final Kind kind;
    private final transient List<String> attempts;

    public DownloadException(Kind kind, String message, List<String> attempts) {
        super(message);
        this.kind = kind;
        this.attempts = List.copyOf(attempts);
    }

    public Kind kind() {
        return kind;
    }

    /** One line per attempt: the URL and what happened. */
    public List<String> attempts() {
        return attempts;
    }
}
