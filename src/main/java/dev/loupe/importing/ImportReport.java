package dev.loupe.importing;

import java.util.List;

/**
 * The outcome of one import. Every file found is counted once: {@code found == imported +
 * duplicates + skipped.size()}. {@code alreadyInProject} is the part of {@code duplicates} that was
 * the very same file (path, size, mtime) as before; {@code hiddenIgnored} counts entries whose names
 * start with '.', which are not part of {@code found}.
 */
public record ImportReport(int found, int imported, int duplicates, int alreadyInProject,
                           List<SkippedFile> skipped, int labelled, double seconds, boolean cancelled,
                           int hiddenIgnored) {
    public ImportReport {
        skipped = List.copyOf(skipped);
    }

    /** Whether the counts add up; always true for a report made by {@link Importer}. */
    public boolean accountsForEveryFile() {
        return found == imported + duplicates + skipped.size();
    }
}
