package dev.loupe.export;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectFolders;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.ModelVersionFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Starts a new project from an exported {@link LoupeModel}: the nested backbone becomes the project's base model
 * ({@value #BACKBONE_FILE}), the classes are created in column order, and the head becomes model version 1, so
 * labelling continues fine-tuning where the exported model stopped.
 */
public final class ProjectFromModel {

    /** The backbone's file name inside the new project folder (an ONNX one: {@link LoupeModel#ONNX_ENTRY}). */
    public static final String BACKBONE_FILE = LoupeModel.BACKBONE_ENTRY;
    /** The first model version's file, relative to the project folder. */
    public static final String FIRST_VERSION_FILE = ProjectStore.MODELS_DIR + "/v000001.loupe-head";

    /**
     * The new project.
     *
     * @param classIds project class id of each head column (deleted ones included)
     * @param classes  the classes' names in column order
     */
    public record Created(Path dir, List<Long> classIds, List<String> classes, String backboneId,
                          ModelVersion modelVersion) {
    }

    private ProjectFromModel() {
    }

    /** Creates the project at {@code projectDir}; refuses an existing project (any non-empty folder or a file). */
    public static Created create(Path projectDir, Path modelFile) {
        Path dir = projectDir.toAbsolutePath().normalize();
        boolean existed = ProjectFolders.requireNew(dir);
        try (LoupeModel model = LoupeModel.load(modelFile)) {
            try {
                return create(dir, model, modelFile);
            } catch (RuntimeException e) {
                ProjectFolders.removeQuietly(dir, existed);
                throw e;
            }
        }
    }

    private static Created create(Path dir, LoupeModel model, Path modelFile) {
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            store.setSetting(ProjectBackbone.SETTING, model.installBackbone(dir));
            // Column k must map to the k-th class made, so deleted columns are made too and deleted at once.
            List<Long> ids = new ArrayList<>();
            List<String> names = new ArrayList<>();
            Set<String> live = new HashSet<>();
            for (ClassColumn column : model.columns()) {
                String name = freeName(column.name(), live);
                LabelClass c = store.addClass(name, null, null);
                if (column.deleted()) {
                    store.deleteClass(c.id());
                } else {
                    live.add(name.toLowerCase(Locale.ROOT));
                }
                ids.add(c.id());
                names.add(name);
            }
            long seq = store.lastSeq();
            try {
                new ModelVersionFile(model.backbone().id(), ids, seq, 0, model.headState())
                        .write(store.dir().resolve(FIRST_VERSION_FILE));
            } catch (IOException e) {
                throw new LoupeException("Cannot write the first model version of " + dir + ": " + Faults.describe(e), e);
            }
            ModelVersion mv = store.addModelVersion(FIRST_VERSION_FILE, 0, seq, "from " + modelFile.getFileName());
            return new Created(dir, ids, names, model.backbone().id(), mv);
        }
    }

    /** The name itself, or "name (2)", "name (3)"... when a live class already has it (names ignore case). */
    private static String freeName(String name, Set<String> live) {
        String base = name == null || name.isBlank() ? "class" : name.strip();
        String candidate = base;
        for (int n = 2; live.contains(candidate.toLowerCase(Locale.ROOT)); n++) {
            candidate = base + " (" + n + ")";
        }
        return candidate;
    }
}
