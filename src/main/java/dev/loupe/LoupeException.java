package dev.loupe;

/**
 * A failure the user can act on: the message is shown as is, so it says what went wrong and what to do.
 */
public class LoupeException extends RuntimeException {

    public LoupeException(String message) {
        super(message);
    }

    public LoupeException(String message, Throwable cause) {
        super(message, cause);
    }
}
