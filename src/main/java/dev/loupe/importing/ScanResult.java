package dev.loupe.importing;

import java.util.List;

/**
 * What {@link FolderScanner} found: image candidates, everything else with a reason, and how many
 * hidden entries (names starting with '.') were left alone.
 */
public record ScanResult(List<java.nio.file.Path> candidates, List<SkippedFile> skipped, int hiddenIgnored) {
    public ScanResult {
        candidates = List.copyOf(candidates);
        skipped = List.copyOf(skipped);
    }

    /** Every file the scan accounted for: candidates plus skipped entries. */
    public int found() {
        return candidates.size() + skipped.size();
    }
}
