package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.ProjectStore;
import dev.loupe.team.ServerUrl;
import dev.loupe.team.TeamServer;
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

    @Override
    public Integer call() {
        try (ProjectStore store = ProjectStore.open(project, false)) {
            share(store, server, name, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
        return 0;
    }

    static void share(ProjectStore store, String serverUrl, String name, PrintWriter out, PrintWriter err) {
        ServerUrl url = ServerUrl.parse(serverUrl);
        if (url.password() != null) {
            err.println("loupe: the password in the address is used now but not stored; later syncs read it from "
                    + "PGPASSWORD or ~/.pgpass.");
            err.flush();
        }
        String n = name != null ? name.strip() : defaultName(store.dir());
        if (TeamSync.isShared(store)) {
            throw new LoupeException("Project " + store.dir() + " is already shared as '" + TeamSync.projectName(store)
                    + "' on " + store.setting(TeamSync.SERVER_SETTING).orElse("?") + ".");
        }
        try (TeamServer s = TeamServer.connect(url)) {
            if (!s.createProject(n, store.setting(ProjectBackbone.SETTING).orElse(null))) {
                throw new LoupeException("The server already has a project named '" + n + "'. Join it with `loupe join "
                        + url.stored() + " FOLDER --images DIR --name " + n + "`, or share under another --name.");
            }
            TeamSync.link(store, url, n);
            TeamSync.Report r = TeamSync.sync(store, s);
            out.printf("Shared %s as '%s' on %s: %d events uploaded.%n", store.dir(), n, url.stored(), r.uploaded());
            out.flush();
        }
    }

    static String defaultName(Path dir) {
        String f = dir.getFileName().toString();
        return f.endsWith(".loupe") ? f.substring(0, f.length() - ".loupe".length()) : f;
    }
}
