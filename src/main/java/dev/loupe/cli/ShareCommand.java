package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.project.ProjectStore;
import dev.loupe.team.ServerUrl;
import dev.loupe.team.TeamSync;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code loupe share}: puts an existing project on a team's PostgreSQL server (docs/adr/0034-team-server.md). */
@Command(name = "share", description = {
        "Share PROJECT with a team through a PostgreSQL server: registers it there and uploads its journal.",
        "Others join with `loupe join URL FOLDER --images DIR`. The password is never stored:",
        "give it in PGPASSWORD or ~/.pgpass."})
final class ShareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT")
    Path project;

    @Option(names = "--server", required = true, paramLabel = "URL", description = "postgresql://USER@HOST:PORT/DATABASE")
    String server;

    @Option(names = "--name", paramLabel = "NAME", description = "The project's name on the server (default: the folder's name).")
    String name;

    @Option(names = "--overlap", paramLabel = "SHARE", description = "Share of the images (0 to 1, chosen by content) "
            + "that several annotators each label, so their agreement can be measured (default: ${DEFAULT-VALUE}).")
    double overlap;

    @Option(names = "--overlap-k", paramLabel = "K", description = "Annotators per overlap image (default: ${DEFAULT-VALUE}).")
    int overlapK = 2;

    @Override
    public Integer call() {
        try (ProjectStore store = ProjectStore.open(project, false)) {
            share(store, server, name, overlap, overlapK, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
        return 0;
    }

    /** Checks an overlap given on the command line, with a message that says what is allowed. */
    static void checkOverlap(double share, int k) {
        if (!(share >= 0 && share <= 1)) {
            throw new LoupeException("--overlap must be a share from 0 to 1 (e.g. 0.1 for one image in ten), not " + share + ".");
        }
        if (k < 2) {
            throw new LoupeException("--overlap-k must be at least 2: agreement needs two annotators on an image.");
        }
    }

    static void share(ProjectStore store, String serverUrl, String name, PrintWriter out, PrintWriter err) {
        share(store, serverUrl, name, 0, 2, out, err);
    }

    static void share(ProjectStore store, String serverUrl, String name, double overlap, int overlapK, PrintWriter out,
                      PrintWriter err) {
        checkOverlap(overlap, overlapK);
        ServerUrl url = ServerUrl.parse(serverUrl);
        if (url.password() != null) {
            err.println("loupe: the password in the address is used now but not stored; later syncs read it from "
                    + "PGPASSWORD or ~/.pgpass.");
            err.flush();
        }
        String n = name != null ? name.strip() : defaultName(store.dir());
        TeamSync.Report r = TeamSync.share(store, url, n, overlap, overlapK);
        out.printf("Shared %s as '%s' on %s: %d events uploaded%s.%n", store.dir(), n, url.stored(), r.uploaded(),
                overlap > 0 ? String.format(java.util.Locale.ROOT, "; %.0f%% of the images will be labelled by %d "
                        + "annotators each, for agreement", 100 * overlap, overlapK) : "");
        out.flush();
    }

    static String defaultName(Path dir) {
        String f = dir.getFileName().toString();
        return f.endsWith(".loupe") ? f.substring(0, f.length() - ".loupe".length()) : f;
    }
}
