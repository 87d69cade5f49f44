package dev.loupe.team;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.ModelVersionFile;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The model version a team shares so that a new joiner starts from it instead of retraining (docs/adr/0034-team-server.md):
 * made from an instance's newest model version when that one has learned everything in its journal, and installed in a
 * joiner's project with its columns mapped to the joiner's classes by name. The bytes are checked against their SHA-256
 * before anything is written.
 */
public final class SharedModels {

    /** Setting: the local model version id this instance last offered to the server (not offered again). */
    public static final String OFFERED_SETTING = "team.shared_model_version";
    /** The note of a model version installed from the team's server. */
    public static final String NOTE_PREFIX = "shared by the team";

    /** Marks a deleted class's column; a tab is never part of a class name. */
    private static final String DELETED = "\t";

    private SharedModels() {
    }

    /**
     * This instance's newest model version as a shared one, trained on the team's log up to {@code serverSeq}: only when
     * it has learned every event of the journal (its journal position is the newest) and every local event is on the
     * server, so the server's events up to {@code serverSeq} are what it learned; not when it was offered before.
     */
    public static Optional<TeamServer.SharedModel> current(ProjectStore store, long serverSeq) {
        Optional<ModelVersion> candidate = candidate(store);
        if (candidate.isEmpty() || serverSeq <= 0) {
            return Optional.empty();
        }
        ModelVersion v = candidate.get();
        try {
            byte[] data = Files.readAllBytes(store.dir().resolve(v.file()));
            ModelVersionFile f = ModelVersionFile.read(new ByteArrayInputStream(data), v.file());
            List<String> columns = new ArrayList<>();
            for (long id : f.classIds()) {
                LabelClass c = store.classById(id).orElse(null);
                if (c == null) {
                    return Optional.empty();
                }
                columns.add((c.deleted() ? DELETED : "") + c.name());
            }
            return Optional.of(new TeamServer.SharedModel(v.id(), serverSeq, v.labelCount(), f.backboneId(), columns,
                    store.annotator(), sha256(data), data.length, data));
        } catch (IOException | LoupeException e) {
            org.slf4j.LoggerFactory.getLogger(SharedModels.class).warn("Model version {} not offered to the team: {}",
                    v.id(), Faults.describe(e));
            return Optional.empty();
        }
    }

    /**
     * The newest model version, when it could be offered: it has learned the whole journal, every local event is on
     * the server, it was not offered before and is not the team's own version installed here. Reads no file.
     */
    static Optional<ModelVersion> candidate(ProjectStore store) {
        Optional<ModelVersion> latest = store.latestModelVersion();
        if (latest.isEmpty() || latest.get().journalSeq() != store.lastSeq()
                || store.setting(OFFERED_SETTING).map(Long.toString(latest.get().id())::equals).orElse(false)
                || latest.get().note() != null && latest.get().note().startsWith(NOTE_PREFIX)
                || TeamSync.pendingUploads(store) > 0) {
            return Optional.empty();
        }
        return latest;
    }

    /** Remembers that local version {@code id} was offered, so the next sync does not read it again. */
    static void offered(ProjectStore store, long localVersionId) {
        store.setSetting(OFFERED_SETTING, Long.toString(localVersionId));
    }

    /**
     * The shared version's file, checked: its size and SHA-256 must be what the uploader recorded, and it must parse.
     * A LoupeException says what is wrong (then the joiner retrains from the team's labels instead).
     */
    public static ModelVersionFile verify(TeamServer.SharedModel m) {
        byte[] data = m.data();
        if (data == null || data.length != m.size() || !sha256(data).equals(m.sha256())) {
            throw new LoupeException("The team's shared model (version " + m.id() + ") is damaged on the server: "
                    + (data == null || data.length != m.size() ? (data == null ? 0 : data.length) + " bytes where "
                    + m.size() + " were stored" : "its SHA-256 does not match") + ".");
        }
        ModelVersionFile f = ModelVersionFile.read(new ByteArrayInputStream(data), "shared model version " + m.id());
        if (f.classIds().size() != m.columns().size()) {
            throw new LoupeException("The team's shared model (version " + m.id() + ") names " + m.columns().size()
                    + " classes for a head of " + f.classIds().size() + ".");
        }
        return f;
    }

    /**
     * Makes the shared version's classes in its column order in a project that has none yet (a joiner's, before its
     * first pull), so the joiner's columns are the sharer's; a class the sharer deleted is made and deleted. Returns
     * false (nothing done) when the project has classes already.
     */
    public static boolean prepareClasses(ProjectStore store, TeamServer.SharedModel m) {
        if (!store.allClasses().isEmpty()) {
            return false;
        }
        for (String col : m.columns()) {
            boolean deleted = col.startsWith(DELETED);
            LabelClass c = store.addClass(deleted ? col.substring(1) : col, null, null);
            if (deleted) {
                store.deleteClass(c.id());
            }
        }
        return true;
    }

    /**
     * Installs a checked shared version as this project's newest model version, its columns mapped to the project's
     * classes (which must be the version's, in its order: {@link #prepareClasses}) and its journal position the last
     * event that came from the server's log up to the version's sequence number, so a session opening on it learns
     * only what came after. Written to a temporary name and moved into place. A LoupeException when the classes differ.
     */
    public static ModelVersion install(ProjectStore store, TeamServer.SharedModel m, ModelVersionFile f) {
        List<LabelClass> classes = store.allClasses();
        List<Long> ids = new ArrayList<>();
        for (int k = 0; k < m.columns().size(); k++) {
            String col = m.columns().get(k);
            boolean deleted = col.startsWith(DELETED);
            String name = deleted ? col.substring(1) : col;
            if (k >= classes.size() || !classes.get(k).name().equalsIgnoreCase(name) || classes.get(k).deleted() != deleted) {
                throw new LoupeException("The team's shared model has the classes " + m.columns() + " in an order this "
                        + "project does not; the model is trained from the team's labels instead.");
            }
            ids.add(classes.get(k).id());
        }
        long journalSeq = store.lastSeqBeforeServerSeq(m.serverSeq());
        ModelVersionFile local = new ModelVersionFile(f.backboneId(), ids, journalSeq, m.labelCount(), f.state(), f.estimate());
        try {
            Files.createDirectories(store.modelsDir());
            Path file;
            int n = 1;
            do {
                file = store.modelsDir().resolve(String.format("v%06d.loupe-head", n++));
            } while (Files.exists(file));
            local.write(file);
            String rel = store.dir().relativize(file).toString().replace('\\', '/');
            try {
                return store.addModelVersion(rel, m.labelCount(), journalSeq, NOTE_PREFIX + " (" + (m.annotator() == null
                        ? "?" : m.annotator()) + ", server seq " + m.serverSeq() + ")");
            } catch (LoupeException e) {
                Files.deleteIfExists(file); // a version file without its row would only look like a saved model
                throw e;
            }
        } catch (IOException e) {
            throw new LoupeException("The team's shared model could not be saved in " + store.modelsDir() + " ("
                    + Faults.describe(e) + "); the model is trained from the team's labels instead.", e);
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
