package dev.loupe.cli;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;

import dev.loupe.training.TrainingDivergedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** What the CLI verbs share: opening the learning loop with progress, finding images and classes by what users type. */
final class Projects {

    private Projects() {
    }

    /** Opens the labelling session, reporting embedding progress and background failures on {@code err}. */
    static LabellingSession session(ProjectStore store, PrintWriter err) {
        return session(store, err, new Failures(err));
    }

    /** Like {@link #session(ProjectStore, PrintWriter)}; {@code failures} counts what went wrong in the background. */
    static LabellingSession session(ProjectStore store, PrintWriter err, Failures failures) {
        Progress progress = new Progress(err, "embedding");
        LabellingSession s = LabellingSession.open(store, LabellingSession.Options.defaults()
                .withEmbedProgress(progress::update)
                .withPublishing(Runnable::run, snap -> { }, failures));
        progress.finish();
        return s;
    }

    /**
     * Failures on the training or saving threads: each is printed on stderr at once, and the verb's exit code
     * says there was one (no background failure passes silently).
     */
    static final class Failures implements Consumer<Throwable> {
        private static final Logger LOG = LoggerFactory.getLogger(Failures.class);
        private final PrintWriter err;
        private final AtomicInteger userErrors = new AtomicInteger();
        private final AtomicInteger internalErrors = new AtomicInteger();
        private volatile boolean diskFull;

        Failures(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void accept(Throwable t) {
            Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
            boolean expected = cause instanceof LoupeException || cause instanceof TrainingDivergedException;
            (expected ? userErrors : internalErrors).incrementAndGet();
            if (Faults.isDiskFull(cause)) {
                diskFull = true;
            }
            if (!expected) {
                LOG.error("Training failed", cause);
            }
            synchronized (err) {
                err.println("loupe: " + (expected ? Faults.describe(cause) : "training failed: " + Faults.describe(cause)));
                err.flush();
            }
        }

        /** Whether a background failure was a full disk: a batch stops at the first one. */
        boolean diskFull() {
            return diskFull;
        }

        /** {@code code}, or 1 (or 3 for an unexpected failure) if anything failed in the background. */
        int exitCode(int code) {
            if (internalErrors.get() > 0) {
                return Math.max(code, LoupeCli.EXIT_INTERNAL_ERROR);
            }
            return userErrors.get() > 0 ? Math.max(code, LoupeCli.EXIT_USER_ERROR) : code;
        }
    }

    /** An image by its path as imported: absolute, relative to the folder it was imported from, or relative to here. */
    static ImageRecord image(ProjectStore store, String ref) {
        Path p = Path.of(ref);
        Optional<ImageRecord> found = p.isAbsolute() ? store.findByPath(p.normalize()) : store.findByRelPath(ref);
        if (found.isEmpty() && !p.isAbsolute()) {
            found = store.findByPath(p.toAbsolutePath().normalize());
        }
        return found.orElseThrow(() -> new LoupeException("No image '" + ref + "' in this project. Give the path as "
                + "imported: absolute, or relative to the folder you imported."));
    }

    /** A live class by name (case-insensitive); an unknown name lists the known ones. */
    static LabelClass cls(ProjectStore store, String name) {
        return store.classByName(name).filter(c -> !c.deleted()).orElseThrow(() -> new LoupeException(
                "No class '" + name + "'. Classes: " + (store.classes().isEmpty() ? "(none; add one with `loupe classes PROJECT add NAME`)"
                        : store.classes().stream().map(LabelClass::name).collect(Collectors.joining(", "))) + "."));
    }
}
