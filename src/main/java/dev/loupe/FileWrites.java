package dev.loupe;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where Loupe's own writes announce themselves before they touch the disk: every database commit, thumbnail,
 * model version and export file. In production nothing listens; the fault harness in the tests installs a
 * {@link Hook} that makes the disk full or read-only at any chosen write (docs/adr/0025-faults.md).
 */
public final class FileWrites {

    /** Called before a write to {@code target}; throws the {@link IOException} the disk would give. */
    @FunctionalInterface
    public interface Hook {
        void beforeWrite(Path target) throws IOException;
    }

    private static volatile Hook hook;

    private FileWrites() {
    }

    /** Announces a write to {@code target}; throws what an installed hook throws. */
    public static void check(Path target) throws IOException {
        Hook h = hook;
        if (h != null) {
            h.beforeWrite(target);
        }
    }

    /** An installed hook; closing it puts back the one before. */
    public interface Installed extends AutoCloseable {
        @Override
        void close();
    }

    /** Installs {@code h} (null: none) until the returned handle is closed. For tests. */
    public static Installed install(Hook h) {
        Hook before = hook;
        hook = h;
        return () -> hook = before;
    }
}
