package dev.loupe.cli;

import dev.loupe.project.ProjectStore;
import dev.loupe.team.TeamServer;
import dev.loupe.team.TeamSync;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe sync}: exchanges a shared project's events with its team server (docs/adr/0034-team-server.md). */
@Command(name = "sync", description = {
        "Upload this project's labels the team server has not acknowledged, then take in the others' labels.",
        "Safe to interrupt and to repeat: nothing is lost or doubled. When the server cannot be reached,",
        "nothing changes and the labels go up at the next sync."})
final class SyncCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT")
    Path project;

    @Option(names = "--json", description = "Print the counts as JSON.")
    boolean json;

    @Option(names = "--watch", paramLabel = "SECONDS",
            description = "Keep syncing for SECONDS, woken by the server's notifications (LISTEN/NOTIFY).")
    int watch;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ProjectStore store = ProjectStore.open(project, false)) {
            TeamSync.Report r;
            try (TeamServer server = TeamServer.connect(TeamSync.server(store))) {
                server.listen();
                r = TeamSync.sync(store, server);
                long until = System.currentTimeMillis() + 1000L * watch;
                while (System.currentTimeMillis() < until) {
                    print(out, r);
                    server.awaitChange(r.project(), (int) Math.max(1, Math.min(5000, until - System.currentTimeMillis())));
                    r = TeamSync.sync(store, server);
                }
            }
            print(out, r);
        }
        return 0;
    }

    private void print(PrintWriter out, TeamSync.Report r) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("server", r.server());
            m.put("project", r.project());
            m.put("uploaded", r.uploaded());
            m.put("uploaded_already_there", r.uploadedAlreadyThere());
            m.put("pulled", r.pulled());
            m.put("waiting_for_images", r.waiting());
            m.put("held_for_overlap", r.heldForOverlap());
            m.put("class_events_not_applied", r.classEventsNotApplied());
            m.put("server_seq", r.serverSeq());
            m.put("model_shared", r.modelShared());
            Json.print(out, m);
        } else {
            out.printf("Synced '%s' with %s: %d uploaded, %d pulled%s%s%s.%n", r.project(), r.server(), r.uploaded(),
                    r.pulled(), r.waiting() == 0 ? "" : ", " + r.waiting() + " waiting for images not imported here",
                    r.heldForOverlap() == 0 ? "" : ", " + r.heldForOverlap() + " held until you label their image too "
                            + "(the overlap for agreement)", r.modelShared() ? "; this model version is now the team's "
                            + "shared one, that new joiners start from" : "");
            out.flush();
        }
    }
}
