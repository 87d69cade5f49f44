package dev.loupe.ui;

import dev.loupe.Faults;

import java.util.List;
import java.util.Optional;

/** The one way the UI reports errors and asks the user things; call it on the FX thread. */
public interface DialogService {

    /** Shows a short plain message with the details (stack trace) expandable; logs the failure once. */
    void showError(String message, Throwable details);

    /** Asks for one line of text; empty when cancelled. */
    Optional<String> askText(String title, String prompt, String initial);

    /** Asks to pick one of {@code choices}; empty when cancelled. */
    <T> Optional<T> choose(String title, String prompt, List<T> choices);

    /** Asks a yes/no question about something that cannot be taken back. */
    boolean confirm(String title, String message);

    /** The text a user should see for a failure: a Loupe message as it is, anything else as a short summary. */
    static String userMessage(Throwable t) {
        Throwable e = t;
        while ((e instanceof java.util.concurrent.CompletionException
                || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof dev.loupe.LoupeException || e instanceof dev.loupe.backbone.BackboneException) {
            return Faults.describe(e);
        }
        return "Something went wrong: " + (Faults.describe(e) == null ? e.getClass().getSimpleName() : Faults.describe(e))
                + ". The details below say where; please report them.";
    }
}
