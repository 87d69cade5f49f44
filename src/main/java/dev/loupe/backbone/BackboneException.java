package dev.loupe.backbone;

import java.io.IOException;

/** A backbone could not be loaded or run; the message is short and fit to show to a user. */
public class BackboneException extends IOException {
    private static final long serialVersionUID = 1L;

    public BackboneException(String message) {
        super(message);
    }

    public BackboneException(String message, Throwable cause) {
        super(message, cause);
    }
}
