package dev.loupe.labelling;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.backbone.catalog.CatalogEntry;
import dev.loupe.backbone.catalog.CatalogModels;
import dev.loupe.backbone.catalog.Downloader;
import dev.loupe.backbone.clip.ClipPair;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.OnnxBackboneFiles;
import dev.loupe.backbone.onnx.OnnxBackboneMetadata;
import dev.loupe.project.ProjectFolders;
import dev.loupe.project.ProjectStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which backbone a project uses: the {@value #SETTING} setting holds a {@link BackboneLoader} spec
 * ({@code model-zero}, {@code zoo:…}, or a file, relative paths being relative to the project
 * folder); a new project gets Model Zero. A project on an ONNX model holds {@value #ONNX_FILE} and its settings
 * file beside it ({@link OnnxBackboneFiles}), and any companion files the model has.
 */
public final class ProjectBackbone {

    /** Settings key of the backbone spec. */
    public static final String SETTING = "backbone";
    /** The name an ONNX base model gets inside the project folder. */
    public static final String ONNX_FILE = "backbone.onnx";

    private ProjectBackbone() {
    }

    /** The project's backbone spec, recording Model Zero as the default on first use. */
    public static String spec(ProjectStore store) {
        return store.setting(SETTING).orElseGet(() -> {
            store.setSetting(SETTING, BackboneLoader.MODEL_ZERO);
            return BackboneLoader.MODEL_ZERO;
        });
    }

    /**
     * The project's backbone spec with a file made absolute (the project folder holds it), as {@link BackboneLoader}
     * takes it: what a job outside the app (the Spark job) loads.
     */
    public static String resolvedSpec(ProjectStore store) {
        return resolve(store.dir(), spec(store));
    }

    /** Loads the project's backbone; a failure says which base model could not be loaded and why. */
    public static Backbone load(ProjectStore store) {
        return loader(store).get();
    }

    /**
     * What loads the project's backbone, with the spec read from the store now: calling it touches the store no more,
     * so the app runs it on a thread of its own while the store is read on the session thread (ADR 0031).
     */
    public static java.util.function.Supplier<Backbone> loader(ProjectStore store) {
        String spec = spec(store);
        String resolved = resolve(store.dir(), spec);
        return () -> {
            try {
                return BackboneLoader.load(resolved);
            } catch (BackboneException e) {
                throw new LoupeException("Cannot load the project's base model '" + spec + "': " + e.getMessage(), e);
            }
        };
    }

    /**
     * The project's CLIP pair, when its base model is an ONNX image model whose settings name a text model and
     * vocabulary ({@link ClipPair}); found without loading either model.
     */
    public static Optional<ClipPair> clipPair(ProjectStore store) {
        String resolved = resolve(store.dir(), spec(store));
        int hash = resolved.lastIndexOf('#');
        String file = hash > 0 ? resolved.substring(0, hash) : resolved;
        if (!file.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            return Optional.empty();
        }
        try {
            return ClipPair.of(Path.of(file));
        } catch (BackboneException e) {
            throw new LoupeException("The project's text model cannot be used: " + e.getMessage(), e);
        }
    }

    /**
     * A project made by {@link #createProject}: its folder, the stored spec, the loaded backbone's id and dimension, and
     * whether it has a text model (classes start from their names).
     */
    public record Created(Path dir, String spec, String backboneId, int dim, boolean textModel) {
    }

    /**
     * Creates an empty project at {@code projectDir} whose base model is {@code spec} (any {@link BackboneLoader}
     * spec). A file is copied into the project as {@code backbone.zip} / {@code backbone.h5} (with its
     * {@code #layer}), so the project stays self-contained; {@code model-zero} and {@code zoo:} are stored as they
     * are. The backbone is loaded once to check it; on any failure nothing of the project is left behind.
     */
    public static Created createProject(Path projectDir, String spec) {
        if (spec == null || spec.isBlank()) {
            throw new LoupeException("No base model given; use model-zero, a .zip/.h5/.onnx file, a catalog name"
                    + " (loupe models list) or zoo:<name>.");
        }
        String s = spec.trim();
        Optional<CatalogEntry> entry = catalogEntry(s);
        if (entry.isPresent()) {
            return createFromCatalog(projectDir, entry.get(), Downloader.Listener.NONE, () -> false);
        }
        int at = s.lastIndexOf('#');
        String path = at > 0 ? s.substring(0, at) : s;
        if (path.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            return createOnnxProject(projectDir, Path.of(path),
                    OnnxBackbone.Options.defaults().withEmbeddingTensor(at > 0 ? s.substring(at + 1) : null), false);
        }
        Path dir = projectDir.toAbsolutePath().normalize();
        boolean existed = ProjectFolders.requireNew(dir);
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
        return create(dir, existed, into -> {
            if (source == null) {
                return s;
            }
            String lower = source.getFileName().toString().toLowerCase(Locale.ROOT);
            String copy = lower.endsWith(".h5") || lower.endsWith(".hdf5") ? "backbone.h5" : "backbone.zip";
            Files.copy(source, into.resolve(copy), StandardCopyOption.REPLACE_EXISTING);
            return copy + (hash > 0 ? s.substring(hash) : "");
        });
    }

    /** Puts a checked base model's files into a new project folder; returns the spec to store. */
    @FunctionalInterface
    private interface Install {
        String into(Path dir) throws IOException;
    }

    /** Opens the new project, installs the base model, records it and loads it once; on failure leaves nothing. */
    private static Created create(Path dir, boolean existed, Install install) {
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            String stored = install.into(dir);
            store.setSetting(SETTING, stored);
            try (Backbone backbone = load(store)) {
                return new Created(dir, stored, backbone.id(), backbone.dim(), clipPair(store).isPresent());
            }
        } catch (IOException e) {
            ProjectFolders.removeQuietly(dir, existed);
            throw new LoupeException("Cannot copy the base model into " + dir + ": " + Faults.describe(e), e);
        } catch (RuntimeException e) {
            ProjectFolders.removeQuietly(dir, existed);
            throw e;
        }
    }

    /**
     * The catalog entry a spec names, when it is no file: a bare name such as {@code mobilenetv2}. A catalog that
     * cannot be read names nothing (the spec is then treated as a file, whose absence is the clearer error).
     */
    public static Optional<CatalogEntry> catalogEntry(String spec) {
        String s = spec.trim();
        if (named(s) || s.contains("/") || s.contains("\\") || s.contains("#") || Files.exists(Path.of(s))) {
            return Optional.empty();
        }
        try {
            return CatalogModels.standard().catalog().find(s);
        } catch (BackboneException e) {
            return Optional.empty();
        }
    }

    /**
     * Creates an empty project on a catalog model, downloading its files into the user's cache first if needed
     * (progress to {@code listener}; {@code cancel} is polled).
     */
    public static Created createFromCatalog(Path projectDir, CatalogEntry entry, Downloader.Listener listener,
                                            java.util.function.BooleanSupplier cancel) {
        ProjectFolders.requireNew(projectDir.toAbsolutePath().normalize());
        CatalogModels.Fetched fetched;
        try {
            fetched = CatalogModels.standard().fetch(entry, listener, cancel);
        } catch (BackboneException e) {
            throw new LoupeException(e.getMessage(), e);
        }
        return createOnnxProject(projectDir, fetched.imageModel(), fetched.options(), true);
    }

    /**
     * Creates an empty project on the ONNX image model {@code modelFile} opened with {@code options}: the model is
     * checked first (a file that is not a usable image model leaves nothing behind), then copied into the project as
     * {@value #ONNX_FILE} (hard-linked when {@code fromCache}, as cache files are never changed in place) with its
     * companions, and the settings it was opened with are written beside it, so every later use embeds the same way.
     */
    public static Created createOnnxProject(Path projectDir, Path modelFile, OnnxBackbone.Options options,
                                            boolean fromCache) {
        Path dir = projectDir.toAbsolutePath().normalize();
        boolean existed = ProjectFolders.requireNew(dir);
        if (!Files.isRegularFile(modelFile)) {
            throw new LoupeException("Base model " + modelFile + ": file not found.");
        }
        OnnxBackboneMetadata metadata;
        try (OnnxBackbone backbone = OnnxBackbone.open(modelFile, options)) {
            metadata = backbone.metadata();
            Optional<ClipPair> pair = ClipPair.of(modelFile, metadata);
            if (pair.isPresent()) {
                pair.get().check(backbone.dim()); // a text model that does not load or fit leaves no project
            }
        } catch (BackboneException e) {
            throw new LoupeException("Cannot use " + modelFile + " as a base model: " + e.getMessage(), e);
        }
        Path sourceDir = modelFile.toAbsolutePath().getParent();
        return create(dir, existed, into -> {
            Map<String, String> companions = new LinkedHashMap<>();
            for (Map.Entry<String, String> c : metadata.companions().entrySet()) {
                Path from = sourceDir.resolve(c.getValue());
                if (!Files.isRegularFile(from)) {
                    throw new LoupeException("The base model " + modelFile.getFileName() + " needs its " + c.getKey()
                            + " file " + from + ", which is missing.");
                }
                String name = from.getFileName().toString();
                place(from, into.resolve(name), fromCache);
                companions.put(c.getKey(), name);
            }
            place(modelFile, into.resolve(ONNX_FILE), fromCache);
            OnnxBackboneFiles.write(OnnxBackboneFiles.metadataFile(into.resolve(ONNX_FILE)),
                    metadata.withModelFile(ONNX_FILE).withCompanions(companions));
            return ONNX_FILE;
        });
    }

    /** A hard link where allowed (same file system, a file never changed in place), else a copy. */
    private static void place(Path from, Path to, boolean link) throws IOException {
        if (link) {
            try {
                Files.createLink(to, from);
                return;
            } catch (IOException | UnsupportedOperationException e) {
                // another file system, or links not supported: copy
            }
        }
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
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
