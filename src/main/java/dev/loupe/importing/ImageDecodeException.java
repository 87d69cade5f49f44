package dev.loupe.importing;

/**
 * Why one file could not be decoded. {@link #getMessage()} is the short, user-facing skip reason;
 * {@link #kind()} lets code tell the cases apart.
 */
public final class ImageDecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The families of failure, each with its standard user-facing reason. */
    public enum Kind {
        EMPTY("empty file"),
        NOT_AN_IMAGE("not an image (content is not a known image format)"),
        CORRUPT("truncated or corrupt image"),
        UNSUPPORTED("unsupported image format"),
        TOO_LARGE("image too large"),
        UNREADABLE("unreadable");

        private final String reason;

        Kind(String reason) {
            this.reason = reason;
        }

        /** The standard reason text for this kind. */
        public String reason() {
            return reason;
        }
    }

    private final Kind kind;

    public ImageDecodeException(Kind kind) {
        this(kind, kind.reason(), null);
    }

    public ImageDecodeException(Kind kind, String reason) {
        this(kind, reason, null);
    }

    public ImageDecodeException(Kind kind, String reason, Throwable cause) {
        super(reason, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The short user-facing reason, e.g. "truncated or corrupt image". */
    public String reason() {
        return getMessage();
    }
}
