package dev.loupe.testing;

import dev.loupe.ui.DialogService;

import java.util.List;
import java.util.Optional;

/**
 * Dialogs for UI tests: every error shown is recorded (a test fails on any it did not expect, with the stack trace
 * printed), text questions take the next of {@code textAnswers} (none left: cancelled), and every other question is
 * answered no.
 */
public record RecordingDialogs(List<String> errors, List<String> textAnswers) implements DialogService {

    /** Answers no to everything, text questions included. */
    public RecordingDialogs(List<String> errors) {
        this(errors, new java.util.ArrayList<>());
    }

    @Override
    public void showError(String message, Throwable details) {
        errors.add(message);
        if (details != null) {
            details.printStackTrace();
        }
    }

    @Override
    public Optional<String> askText(String title, String prompt, String initial) {
        return textAnswers.isEmpty() ? Optional.empty() : Optional.of(textAnswers.remove(0));
    }

    @Override
    public <T> Optional<T> choose(String title, String prompt, List<T> choices) {
        return Optional.empty();
    }

    @Override
    public boolean confirm(String title, String message) {
        return false;
    }
}
