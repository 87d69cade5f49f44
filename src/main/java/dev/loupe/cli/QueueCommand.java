package dev.loupe.cli;

import dev.loupe.labelling.LabellingSession;
import dev.loupe.project.ProjectStore;
import dev.loupe.ranking.QueryStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe queue}: the unlabelled images in the order a user would see them. */
@Command(name = "queue", description = "Show the unlabelled images, most worth labelling first.")
final class QueueCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT")
    Path project;

    @Option(names = "--strategy", description = "margin (default), least-confidence, entropy or random.")
    String strategy = "margin";

    @Option(names = "--limit", description = "At most this many images (default: ${DEFAULT-VALUE}).")
    int limit = 20;

    @Option(names = "--json", description = "Print [{path, predicted, confidence, score}] on stdout.")
    boolean json;

    @Override
    public Integer call() {
        QueryStrategy s = Strategies.parse(strategy);
        try (ProjectStore store = ProjectStore.open(project, false);
             LabellingSession session = Projects.session(store, spec.commandLine().getErr())) {
            List<LabellingSession.QueueItem> items = session.queue(s, Math.max(0, limit));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (LabellingSession.QueueItem i : items) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("path", i.path().toString());
                    m.put("predicted", i.predicted());
                    m.put("confidence", i.confidence());
                    m.put("score", i.score());
                    rows.add(m);
                }
                Json.print(out, rows);
            } else {
                for (LabellingSession.QueueItem i : items) {
                    out.printf("%-16s %5.1f%%  %s%n", i.predicted() == null ? "-" : i.predicted(), 100 * i.confidence(), i.path());
                }
                out.flush();
            }
        }
        return 0;
    }
}
