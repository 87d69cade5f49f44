package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.JournalEntry;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;
import dev.loupe.team.Consensus;
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
import java.util.stream.Collectors;

/** {@code loupe adjudicate}: the images a team's annotators disagree on, and a reviewer's decision (ADR 0034). */
@Command(name = "adjudicate", description = {
        "List the images whose annotators disagree (no class has 2 or more votes and more than half): they train on",
        "no label until a reviewer decides. --resolve IMAGE CLASS records your decision; it wins over the votes."})
final class AdjudicateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT")
    Path project;

    @Option(names = "--resolve", arity = "2", paramLabel = "IMAGE CLASS", description = "Decide IMAGE's class as reviewer.")
    List<String> resolve;

    @Option(names = "--reviewer", paramLabel = "NAME", description = "Who decides (default: the OS user name).")
    String reviewer;

    @Option(names = "--json", description = "Print JSON on stdout.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ProjectStore store = ProjectStore.open(project, false)) {
            if (reviewer != null) {
                store.setAnnotator(ProjectStore.checkAnnotator(reviewer));
            }
            if (resolve != null) {
                ImageRecord img = Projects.image(store, resolve.get(0));
                LabelClass cls = Projects.cls(store, resolve.get(1));
                JournalEntry e = store.adjudicate(img.id(), cls.id());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("image", img.relPath());
                m.put("class", cls.name());
                m.put("reviewer", store.annotator());
                m.put("event", e.seq());
                if (json) {
                    Json.print(out, m);
                } else {
                    out.printf("%s is %s, decided by %s; `loupe sync` shares the decision.%n", img.relPath(), cls.name(),
                            store.annotator());
                    out.flush();
                }
                return 0;
            }
            Map<Long, String> names = store.allClasses().stream().collect(Collectors.toMap(LabelClass::id, LabelClass::name));
            List<Map<String, Object>> conflicts = new ArrayList<>();
            Map<Long, Consensus.Decision> decisions = Consensus.of(store);
            decisions.forEach((image, d) -> {
                if (d.status() == Consensus.Status.CONFLICT) {
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put("image", store.image(image).map(ImageRecord::relPath).orElse("#" + image));
                    Map<String, String> votes = new LinkedHashMap<>();
                    d.votes().forEach((who, cls) -> votes.put(who, names.get(cls)));
                    c.put("votes", votes);
                    conflicts.add(c);
                }
            });
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("images_with_votes", decisions.size());
                m.put("adjudicated", decisions.values().stream().filter(d -> d.status() == Consensus.Status.ADJUDICATED).count());
                m.put("conflicts", conflicts);
                Json.print(out, m);
            } else {
                out.printf("%d image(s) in conflict%s%n", conflicts.size(), conflicts.isEmpty() ? "." : ":");
                for (Map<String, Object> c : conflicts) {
                    out.printf("  %s  %s%n", c.get("image"), c.get("votes"));
                }
                if (!conflicts.isEmpty()) {
                    out.println("Decide one with `loupe adjudicate PROJECT --resolve IMAGE CLASS`.");
                }
                out.flush();
            }
        } catch (IllegalStateException e) {
            throw new LoupeException("This project's schema is too old for adjudication; open it with this Loupe first.", e);
        }
        return 0;
    }
}
