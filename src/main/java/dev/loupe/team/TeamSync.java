package dev.loupe.team;

import dev.loupe.LoupeException;
import dev.loupe.project.ProjectStore;
import dev.loupe.project.TeamEvent;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Syncs a project's local journal with its team's server (docs/adr/0034-team-server.md): uploads the events written
 * here that the server has not acknowledged, then pulls the server's events by sequence number. Every step is safe to
 * interrupt anywhere: an upload is marked acknowledged only after the server committed it (sent again, it is not
 * doubled), and a pull's events and its new position are committed locally together.
 */
public final class TeamSync {

    /** Setting: the team server's address, without a password. */
    public static final String SERVER_SETTING = "team.server";
    /** Setting: the project's name on the server. */
    public static final String PROJECT_SETTING = "team.project";
    /** Setting: the newest local journal seq the server has acknowledged. */
    public static final String UPLOADED_SETTING = "team.uploaded_seq";

    static final int UPLOAD_BATCH = 500;
    static final int PULL_BATCH = 2000;

    /** Settings: the overlap for agreement, as the server's project has it (read at every sync). */
    public static final String OVERLAP_SHARE_SETTING = "team.overlap_share";
    public static final String OVERLAP_K_SETTING = "team.overlap_k";

    /**
     * What one sync did.
     *
     * @param heldForOverlap pulled labels of overlap images waiting for this annotator's own label (or k annotators')
     * @param modelShared    this instance's newest model version became the team's shared one
     */
    public record Report(String server, String project, int uploaded, int uploadedAlreadyThere, int pulled,
                         int pulledAlreadyHere, int waiting, int classEventsNotApplied, long serverSeq, int heldForOverlap,
                         boolean modelShared) {
    }

    /** The overlap this project keeps for agreement (none until a sync has read it from the server). */
    public static ProjectStore.Overlap overlap(ProjectStore store) {
        double share = store.setting(OVERLAP_SHARE_SETTING).map(Double::parseDouble).orElse(0.0);
        int k = store.setting(OVERLAP_K_SETTING).map(Integer::parseInt).orElse(2);
        return new ProjectStore.Overlap(share, k);
    }

    private TeamSync() {
    }

    /** Whether {@code store} is a shared project (it has a server). */
    public static boolean isShared(ProjectStore store) {
        return store.setting(SERVER_SETTING).isPresent();
    }

    /** The project's server, or a LoupeException saying the project is not shared. */
    public static ServerUrl server(ProjectStore store) {
        return ServerUrl.parse(store.setting(SERVER_SETTING).orElseThrow(() -> new LoupeException("Project "
                + store.dir() + " is not shared with a team. Share it with `loupe share PROJECT --server URL`.")));
    }

    /** The project's name on its server. */
    public static String projectName(ProjectStore store) {
        return store.setting(PROJECT_SETTING).orElseThrow(() -> new LoupeException("Project " + store.dir()
                + " has a server but no project name on it; share it again with `loupe share`."));
    }

    /** Records that {@code store} is project {@code name} on {@code url} (the address is stored without password). */
    public static void link(ProjectStore store, ServerUrl url, String name) {
        store.setSetting(PROJECT_SETTING, name);
        store.setSetting(SERVER_SETTING, url.stored());
    }

    /**
     * Shares {@code store} with a team as project {@code name} on {@code url} (registered with the overlap for agreement,
     * ADR 0034), then uploads its events. A LoupeException says why not: already shared, the name taken, the server
     * unreachable (nothing is lost).
     */
    public static Report share(ProjectStore store, ServerUrl url, String name, double overlap, int overlapK) {
        if (isShared(store)) {
            throw new LoupeException("Project " + store.dir() + " is already shared as '" + projectName(store) + "' on "
                    + store.setting(SERVER_SETTING).orElse("?") + ".");
        }
        try (TeamServer s = TeamServer.connect(url)) {
            if (!s.createProject(name, store.setting(dev.loupe.labelling.ProjectBackbone.SETTING).orElse(null), overlap, overlapK)) {
                throw new LoupeException("The server already has a project named '" + name + "'. Join it with `loupe join "
                        + url.stored() + " FOLDER --images DIR --name " + name + "`, or share under another name.");
            }
            link(store, url, name);
            return sync(store, s);
        }
    }

    /** Connects to the project's server, syncs, disconnects. */
    public static Report sync(ProjectStore store) {
        try (TeamServer server = TeamServer.connect(server(store))) {
            return sync(store, server);
        }
    }

    /** Syncs over an open connection. A LoupeException when the server fails midway; what was done so far holds. */
    public static Report sync(ProjectStore store, TeamServer server) {
        return sync(Local.of(store), server);
    }

    /**
     * Where a sync's local reads and writes run: at once on the command line; on the session thread in the app, so the
     * network waits happen off it and the store and the model are only touched there.
     */
    public interface Local {
        /** Runs {@code work} on the project's store and returns its result. */
        <T> T run(Function<ProjectStore, T> work);

        /** Applies pulled events ({@code work} calls {@link ProjectStore#applyRemote}); the app's session learns them. */
        default ProjectStore.RemoteApplied apply(boolean anyEvents, Function<ProjectStore, ProjectStore.RemoteApplied> work) {
            return run(work);
        }

        /** The store itself, in the caller's thread. */
        static Local of(ProjectStore store) {
            return new Local() {
                @Override
                public <T> T run(Function<ProjectStore, T> work) {
                    return work.apply(store);
                }
            };
        }
    }

    /**
     * Syncs over an open connection, the store reached through {@code local}: uploads, pulls, then offers this
     * instance's newest model version to the team when it has learned everything pulled ({@link SharedModels}).
     */
    public static Report sync(Local local, TeamServer server) {
        String project = local.run(TeamSync::projectName);
        int uploaded = 0;
        int sent = 0;
        try {
            while (true) {
                List<TeamEvent> batch = local.run(store -> store.localEvents(
                        store.setting(UPLOADED_SETTING).map(Long::parseLong).orElse(0L), UPLOAD_BATCH));
                if (batch.isEmpty()) {
                    break;
                }
                uploaded += server.upload(project, batch);
                sent += batch.size();
                // acknowledged: the server has committed the batch. A crash before this line sends it again, harmlessly.
                String ack = Long.toString(batch.get(batch.size() - 1).localSeq());
                local.run(store -> {
                    store.setSetting(UPLOADED_SETTING, ack);
                    return null;
                });
            }
            Optional<TeamServer.Project> p = server.project(project);
            ProjectStore.Overlap overlap = local.run(store -> {
                p.ifPresent(q -> {
                    store.setSetting(OVERLAP_SHARE_SETTING, Double.toString(q.overlapShare()));
                    store.setSetting(OVERLAP_K_SETTING, Integer.toString(q.overlapK()));
                });
                return overlap(store);
            });
            int pulled = 0;
            int here = 0;
            int waiting = 0;
            int held = 0;
            int classEvents = 0;
            long seq = local.run(TeamSync::pulledSeq);
            while (true) {
                List<TeamEvent> batch = server.pull(project, seq, PULL_BATCH);
                if (batch.isEmpty()) {
                    // still tries the inbox: an import since the last sync may have brought the images it waits for,
                    // and labels held for the overlap go in once this annotator has labelled their image
                    long through = seq;
                    ProjectStore.RemoteApplied r = local.apply(false, store -> store.applyRemote(List.of(), through, overlap));
                    pulled += r.applied();
                    waiting = r.waiting();
                    held = r.held();
                    break;
                }
                seq = batch.get(batch.size() - 1).serverSeq();
                long through = seq;
                ProjectStore.RemoteApplied r = local.apply(true, store -> store.applyRemote(batch, through, overlap));
                pulled += r.applied();
                here += r.alreadyHere();
                classEvents += r.ignored();
            }
            boolean shared = offerModel(local, server, project, seq);
            return new Report(server.url().stored(), project, uploaded, sent - uploaded, pulled, here, waiting,
                    classEvents, seq, held, shared);
        } catch (SQLException e) {
            throw server.failed("stopped during the sync", e);
        }
    }

    /** Offers this instance's newest model version to the team when it is current and better than the server's best. */
    private static boolean offerModel(Local local, TeamServer server, String project, long seq) throws SQLException {
        if (local.run(store -> SharedModels.candidate(store).isEmpty()) || seq <= server.bestModelSeq(project)) {
            return false; // the team has a version trained on as much of its log already
        }
        Optional<TeamServer.SharedModel> m = local.run(store -> SharedModels.current(store, seq));
        if (m.isEmpty()) {
            return false;
        }
        boolean stored = server.uploadModel(project, m.get());
        local.run(store -> {
            SharedModels.offered(store, m.get().id());
            return null;
        });
        return stored;
    }

    /**
     * Starts a joiner from the team's shared model version: checks it and installs it as the project's model version,
     * so the session opens on it and learns only what the team labelled after it. A LoupeException says why it could not be used (a damaged download, other classes): nothing was installed, and the
     * session trains from the team's labels instead.
     */
    public static dev.loupe.project.ModelVersion startFromShared(ProjectStore store, TeamServer.SharedModel m) {
        return SharedModels.install(store, m, SharedModels.verify(m));
    }

    /** The server sequence number this project has pulled up to. */
    public static long pulledSeq(ProjectStore store) {
        return store.setting(ProjectStore.PULLED_SETTING).map(Long::parseLong).orElse(0L);
    }

    /** The events written here that the server has not acknowledged yet. */
    public static int pendingUploads(ProjectStore store) {
        long after = store.setting(UPLOADED_SETTING).map(Long::parseLong).orElse(0L);
        return store.localEvents(after, Integer.MAX_VALUE).size();
    }

    /** The backbone setting a joiner's project starts from, if the sharer's was recorded. */
    static Optional<String> backboneOf(TeamServer server, String project) {
        return server.project(project).map(TeamServer.Project::backbone);
    }
}
