package dev.loupe;

/**
 * A failure the user can act on: the message is shown as is, so it says what went wrong and what to do. It is never
 * null (docs/adr/0025-faults.md): a missing one becomes the cause's description.
 */
public class LoupeException extends RuntimeException {

    public LoupeException(String message) {
        super(message == null ? "an unexpected error" : message);
    }

    public LoupeException(String message, Throwable cause) {
        super(message == null ? Faults.describe(cause) : message, cause);
    }
}
