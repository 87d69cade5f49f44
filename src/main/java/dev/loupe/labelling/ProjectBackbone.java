package dev.loupe.labelling;

import dev.loupe.LoupeException;
import dev.loupe.model.Backbone;
import dev.loupe.model.BackboneException;
import dev.loupe.model.BackboneLoader;
import dev.loupe.project.ProjectStore;

import java.nio.file.Path;

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

    static String resolve(Path projectDir, String spec) {
        String s = spec.trim();
        if (s.equalsIgnoreCase(BackboneLoader.MODEL_ZERO) || s.regionMatches(true, 0, "zoo:", 0, 4)) {
            return s;
        }
        int hash = s.lastIndexOf('#');
        String file = hash > 0 ? s.substring(0, hash) : s;
        String layer = hash > 0 ? s.substring(hash) : "";
        Path p = Path.of(file);
        return (p.isAbsolute() ? p : projectDir.resolve(p)).toString() + layer;
    }
}
