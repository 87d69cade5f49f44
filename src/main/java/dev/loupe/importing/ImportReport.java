package dev.loupe.importing;

import java.util.List;

/**
 * The outcome of one import. Every file found is counted once: {@code found == imported + relinked +
 * duplicates + skipped.size()}. {@code alreadyInProject} is the part of {@code duplicates} that was
 * the very same file (path, size, mtime) as before; {@code hiddenIgnored} counts entries whose names
 * start with '.', which are not part of {@code found}. {@code relinked} files are images the project
 * had lost (moved or renamed since import) and now points at again ("found again"). {@code stopped}
 * says why the import stopped early (a full or read-only disk), or is null; {@code diskFull} whether that was a full disk.
 */
public record ImportReport(int found, int imported, int duplicates, int alreadyInProject,
                           List<SkippedFile> skipped, int labelled, double seconds, boolean cancelled,
                           int hiddenIgnored, int relinked, String stopped, boolean diskFull) {
    public ImportReport {
        skipped = List.copyOf(skipped);
    }

    /** "Found 9 files: 5 imported, found again: 2 (moved since import), 1 duplicates (0 already in the project), 1 skipped." */
    public String summary() {
        return String.format("Found %d files: %d imported, %s%d duplicates (%d already in the project), %d skipped.", found,
                imported, relinked == 0 ? "" : "found again: " + relinked + " (moved since import), ", duplicates,
                alreadyInProject, skipped.size());
    }

    /** Whether the counts add up; always true for a report made by {@link Importer}. */
    public boolean accountsForEveryFile() {
        return found == imported + relinked + duplicates + skipped.size();
    }
}
