package dev.loupe.labelling;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.project.ProjectFolders;
import dev.loupe.project.ProjectStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Which backbone a project uses: the {@value #SETTING} setting holds a {@link BackboneLoader} spec
 * ({@code model-zero}, {@code zoo:…}, or a file, relative paths being relative to the project
 * folder); a new project gets Model Zero.
 */
public final class ProjectBackbone {

    /** Settings key of the backbone spec. */
    public static final String SETTING = "backbone";

    private ProjectBackbone() {
    }

    /** The project's backbone spec, recording Model Zero as the default on first use. */
    public static String spec(ProjectStore store) {
        return store.setting(SETTING).orElseGet(() -> {
            store.setSetting(SETTING, BackboneLoader.MODEL_ZERO);
            return BackboneLoader.MODEL_ZERO;
        });
    }

    /** Loads the project's backbone; a failure says which base model could not be loaded and why. */
    public static Backbone load(ProjectStore store) {
        String spec = spec(store);
        String resolved = resolve(store.dir(), spec);
        try {
            return BackboneLoader.load(resolved);
        } catch (BackboneException e) {
            throw new LoupeException("Cannot load the project's base model '" + spec + "': " + e.getMessage(), e);
        }
    }

    /** A project made by {@link #createProject}: its folder, the stored spec, and the loaded backbone's id and dimension. */
    public record Created(Path dir, String spec, String backboneId, int dim) {
    }

    /**
     * Creates an empty project at {@code projectDir} whose base model is {@code spec} (any {@link BackboneLoader}
     * spec). A file is copied into the project as {@code backbone.zip} / {@code backbone.h5} (with its
     * {@code #layer}), so the project stays self-contained; {@code model-zero} and {@code zoo:} are stored as they
     * are. The backbone is loaded once to check it; on any failure nothing of the project is left behind.
     */
    public static Created createProject(Path projectDir, String spec) {
        if (spec == null || spec.isBlank()) {
            throw new LoupeException("No base model given; use model-zero, a .zip/.h5 file or zoo:<name>.");
        }
        Path dir = projectDir.toAbsolutePath().normalize();
        boolean existed = ProjectFolders.requireNew(dir);
        String s = spec.trim();
        boolean named = named(s);
        int hash = named ? -1 : s.lastIndexOf('#');
        Path source = named ? null : Path.of(hash > 0 ? s.substring(0, hash) : s);
        if (source != null && !Files.isRegularFile(source)) {
            throw new LoupeException("Base model " + source + ": file not found.");
        }
        if (source != null) {
            // Check the user's file itself first, so a refusal names it (not the project's copy) and leaves nothing.
            try (Backbone backbone = BackboneLoader.load(s)) {
                backbone.dim();
            } catch (BackboneException e) {
                throw new LoupeException("Cannot use " + source + " as a base model: " + e.getMessage(), e);
            }
        }
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            String stored = s;
            if (source != null) {
                String lower = source.getFileName().toString().toLowerCase(Locale.ROOT);
                String copy = lower.endsWith(".h5") || lower.endsWith(".hdf5") ? "backbone.h5" : "backbone.zip";
                Files.copy(source, dir.resolve(copy), StandardCopyOption.REPLACE_EXISTING);
                stored = copy + (hash > 0 ? s.substring(hash) : "");
            }
            store.setSetting(SETTING, stored);
            try (Backbone backbone = load(store)) {
                return new Created(dir, stored, backbone.id(), backbone.dim());
            }
        } catch (IOException e) {
            ProjectFolders.removeQuietly(dir, existed);
            throw new LoupeException("Cannot copy the base model into " + dir + ": " + Faults.describe(e), e);
        } catch (RuntimeException e) {
            ProjectFolders.removeQuietly(dir, existed);
            throw e;
        }
    }

    /** Whether a (trimmed) spec names a backbone ({@code model-zero}, {@code zoo:…}) rather than a file. */
    private static boolean named(String s) {
        return s.equalsIgnoreCase(BackboneLoader.MODEL_ZERO) || s.regionMatches(true, 0, "zoo:", 0, 4);
    }

    static String resolve(Path projectDir, String spec) {
        String s = spec.trim();
        if (named(s)) {
            return s;
        }
        int hash = s.lastIndexOf('#');
        String file = hash > 0 ? s.substring(0, hash) : s;
        String layer = hash > 0 ? s.substring(hash) : "";
        Path p = Path.of(file);
        return (p.isAbsolute() ? p : projectDir.resolve(p)).toString() + layer;
    }
}
