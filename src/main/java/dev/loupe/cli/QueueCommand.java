package dev.loupe.cli;

import dev.loupe.datacheck.ProjectDrift;
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

    @Option(names = "--new-first", description = "Show first the images of the last import that looked unlike the rest "
            + "of the project (the drift check of `loupe import`), most unlike first.")
    boolean newFirst;

    @Override
    public Integer call() {
        QueryStrategy s = Strategies.parse(strategy);
        try (ProjectStore store = ProjectStore.open(project, false);
             LabellingSession session = Projects.session(store, spec.commandLine().getErr())) {
            List<LabellingSession.QueueItem> items = newFirst ? newFirst(store, session.queue(s, Integer.MAX_VALUE))
                    : session.queue(s, Math.max(0, limit));
            items = items.subList(0, Math.min(items.size(), Math.max(0, limit)));
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

    /** The queue with the last drifted import's images moved to the front, in the drift check's order. */
    private static List<LabellingSession.QueueItem> newFirst(ProjectStore store, List<LabellingSession.QueueItem> queue) {
        Map<Long, Integer> rank = new java.util.HashMap<>();
        List<Long> first = ProjectDrift.showFirst(store);
        for (int i = 0; i < first.size(); i++) rank.put(first.get(i), i);
        List<LabellingSession.QueueItem> out = new ArrayList<>(queue);
        // a stable sort: the rest keep the strategy's order
        out.sort(java.util.Comparator.comparingInt(i -> rank.getOrDefault(i.imageId(), Integer.MAX_VALUE)));
        return out;
    }
}
