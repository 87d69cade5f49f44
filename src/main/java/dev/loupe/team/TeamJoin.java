package dev.loupe.team;

import dev.loupe.LoupeException;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.ModelVersionFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Joining a team's shared project (docs/adr/0034-team-server.md), for `loupe join` and the app: {@link #prepare} makes
 * the local project on the sharer's base model and fetches the team's shared model version; the caller imports the
 * images; {@link #finish} takes the team's labels in and starts the model from the shared version, or, when there is
 * none or it cannot be used, leaves the session to train from the team's labels.
 */
public final class TeamJoin {

    /**
     * A joined project before its images are in.
     *
     * @param model   the team's shared model version, checked; null when there is none or it could not be used
     * @param problem why the shared version could not be used (null: none)
     */
    public record Prepared(Path dir, ServerUrl url, String name, String backbone, TeamServer.SharedModel model,
                           ModelVersionFile file, String problem) {
    }

    /**
     * What joining did.
     *
     * @param startedFrom the model version installed from the team's (null: the session trains from the labels)
     * @param problem     why the team's shared version was not used (null: it was, or there is none)
     */
    public record Result(TeamSync.Report report, ModelVersion startedFrom, String problem) {
    }

    private TeamJoin() {
    }

    /**
     * Checks the server's project, creates {@code dir} on its base model (or {@code backbone} when given), links it,
     * and fetches the shared model version (its classes made in its column order). A LoupeException, and no project
     * made, when the server cannot be reached or has no such project.
     */
    public static Prepared prepare(ServerUrl url, String name, String backbone, Path dir) {
        return prepare(url, name, backbone, dir, "");
    }

    /** The same; {@code howToName} follows the list of the server's projects when it has none of that name. */
    public static Prepared prepare(ServerUrl url, String name, String backbone, Path dir, String howToName) {
        if (Files.exists(dir)) {
            throw new LoupeException(dir + " exists already: join into a new folder.");
        }
        String base;
        TeamServer.SharedModel model = null;
        ModelVersionFile file = null;
        String problem = null;
        try (TeamServer s = TeamServer.connect(url)) {
            TeamServer.Project p = s.project(name).orElseThrow(() -> new LoupeException("The server has no project '"
                    + name + "'. Its projects: " + names(s.projectNames()) + "." + howToName));
            base = backbone != null ? backbone : p.backbone() != null ? p.backbone() : "model-zero";
            TeamServer.SharedModel m = s.latestModel(name).orElse(null);
            if (m != null && backbone != null && !backbone.equals(p.backbone())) {
                problem = "The team's shared model was made on another base model (" + p.backbone() + "); the model is "
                        + "trained from the team's labels instead.";
            } else if (m != null) {
                try {
                    file = SharedModels.verify(m);
                    model = m;
                } catch (LoupeException e) {
                    problem = e.getMessage() + " The model is trained from the team's labels instead.";
                }
            }
        }
        ProjectBackbone.createProject(dir, base);
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            TeamSync.link(store, url, name);
            if (model != null) {
                SharedModels.prepareClasses(store, model);
            }
        }
        return new Prepared(dir, url, name, base, model, file, problem);
    }

    /** Takes in the team's labels (after the import) and installs the shared model version, when there is one. */
    public static Result finish(ProjectStore store, Prepared p) {
        TeamSync.Report r = TeamSync.sync(store);
        if (p.model() == null) {
            return new Result(r, null, p.problem());
        }
        try {
            return new Result(r, SharedModels.install(store, p.model(), p.file()), null);
        } catch (LoupeException e) {
            return new Result(r, null, e.getMessage());
        }
    }

    static String names(List<String> all) {
        if (all.isEmpty()) {
            return "none";
        }
        int shown = Math.min(all.size(), 20);
        return String.join(", ", all.subList(0, shown)) + (all.size() > shown ? " and " + (all.size() - shown) + " more" : "");
    }
}
