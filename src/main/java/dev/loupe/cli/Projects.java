package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Collectors;

/** What the CLI verbs share: opening the learning loop with progress, finding images and classes by what users type. */
final class Projects {

    private Projects() {
    }

    /** Opens the labelling session, reporting embedding progress on {@code err}. */
    static LabellingSession session(ProjectStore store, PrintWriter err) {
        Progress progress = new Progress(err, "embedding");
        LabellingSession s = LabellingSession.open(store, LabellingSession.Options.defaults()
                .withEmbedProgress(progress::update));
        progress.finish();
        return s;
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
