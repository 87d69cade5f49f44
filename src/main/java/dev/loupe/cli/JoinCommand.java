package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.project.ProjectStore;
import dev.loupe.team.ServerUrl;
import dev.loupe.team.TeamJoin;
import dev.loupe.team.TeamSync;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code loupe join}: a local working copy of a team's shared project (docs/adr/0034-team-server.md). */
@Command(name = "join", description = {
        "Join a project shared on a team server: creates PROJECT_DIR on the project's base model, imports the",
        "images (on a shared disk: --images), takes in the team's labels and starts the model from the team's",
        "shared model version (checked by SHA-256; without one, the model trains from the labels). Then label,",
        "and `loupe sync`."})
final class JoinCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URL", description = "postgresql://USER@HOST:PORT/DATABASE")
    String server;

    @Parameters(index = "1", paramLabel = "PROJECT_DIR", description = "The new local project folder.")
    Path project;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "The project's images (a shared folder).")
    Path images;

    @Option(names = "--name", paramLabel = "NAME", description = "The project's name on the server (default: PROJECT_DIR's name).")
    String name;

    @Option(names = "--backbone", paramLabel = "SPEC",
            description = "The base model, when the one the project was shared with is not at hand here (default: the sharer's).")
    String backbone;

    @Option(names = "--no-embed", description = "Do not compute embeddings during the import.")
    boolean noEmbed;

    @Override
    public Integer call() {
        ServerUrl url = ServerUrl.parse(server);
        String n = name != null ? name.strip() : ShareCommand.defaultName(project.toAbsolutePath().normalize());
        if (Files.exists(project)) {
            throw new LoupeException(project + " exists already: join into a new folder.");
        }
        if (!Files.isDirectory(images)) {
            throw new LoupeException("--images " + images + " is not a folder: give the folder of the project's images.");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TeamJoin.Prepared prepared = TeamJoin.prepare(url, n, backbone, project, " Give one with --name.");
        List<String> args = new ArrayList<>(List.of("import", project.toString(), images.toString()));
        if (noEmbed) {
            args.add("--no-embed");
        }
        int code = spec.commandLine().getParent().execute(args.toArray(String[]::new));
        if (code != 0) {
            throw new LoupeException("The import of " + images + " failed (above). The project is joined; import again"
                    + " with `loupe import " + project + " " + images + "`, then `loupe sync " + project + "`.");
        }
        try (ProjectStore store = ProjectStore.open(project, false)) {
            TeamJoin.Result j = TeamJoin.finish(store, prepared);
            TeamSync.Report r = j.report();
            if (j.problem() != null) {
                err.println("loupe: " + j.problem());
                err.flush();
            }
            out.printf("Joined '%s' on %s in %s: %d labels taken in%s; %s.%n", n, url.stored(), store.dir(), r.pulled(),
                    r.waiting() == 0 ? "" : ", " + r.waiting() + " waiting for images not imported here",
                    j.startedFrom() != null ? "the model starts from the team's shared version (trained on "
                            + j.startedFrom().labelCount() + " labels)" : "the model is trained from the team's labels");
            out.flush();
        }
        return 0;
    }
}
