package dev.loupe.importing;

import java.nio.file.Path;

/**
 * Progress of an import: {@code done} of {@code total} files settled, the last one being
 * {@code current}. Called on the importing thread; a UI hands it on to its own thread.
 */
@FunctionalInterface
public interface ImportListener {
    ImportListener NONE = (done, total, current) -> { };

    void progress(int done, int total, Path current);
}
