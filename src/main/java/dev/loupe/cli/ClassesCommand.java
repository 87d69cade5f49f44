package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStats;
import dev.loupe.project.ProjectStore;
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

/**
 * {@code loupe classes}: list, add, rename, merge and delete classes. Only the journal changes here;
 * the model follows the next time the project is opened for labelling (new columns start masked,
 * moved labels are learned).
 */
@Command(name = "classes", description = {
        "List or change a project's classes:",
        "  classes PROJECT list | add NAME | rename OLD NEW | merge FROM INTO | delete NAME"})
final class ClassesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT")
    Path project;

    @Parameters(index = "1", paramLabel = "ACTION", description = "list, add, rename, merge or delete")
    String action;

    @Parameters(index = "2..*", paramLabel = "ARG")
    List<String> args = new ArrayList<>();

    @Option(names = "--colour", description = "Colour of a new class, #rrggbb (default: from a palette).")
    String colour;

    @Option(names = "--hotkey", description = "Hotkey of a new class, one character (default: next free of 1-9, a-z).")
    Character hotkey;

    @Option(names = "--json", description = "Print the classes as JSON.")
    boolean json;

    @Override
    public Integer call() {
        try (ProjectStore store = ProjectStore.open(project, false)) {
            PrintWriter out = spec.commandLine().getOut();
            switch (action) {
                case "list" -> arity(0, "list");
                case "add" -> {
                    arity(1, "add NAME");
                    LabelClass c = store.addClass(args.get(0), colour, hotkey);
                    if (!json) {
                        out.printf("Added class %s (hotkey %s, colour %s).%n", c.name(), c.hotkey(), c.colour());
                    }
                }
                case "rename" -> {
                    arity(2, "rename OLD NEW");
                    store.renameClass(Projects.cls(store, args.get(0)).id(), args.get(1));
                }
                case "merge" -> {
                    arity(2, "merge FROM INTO");
                    store.mergeClass(Projects.cls(store, args.get(0)).id(), Projects.cls(store, args.get(1)).id());
                }
                case "delete" -> {
                    arity(1, "delete NAME");
                    store.deleteClass(Projects.cls(store, args.get(0)).id());
                }
                default -> throw new LoupeException("Unknown action '" + action + "': use list, add, rename, merge or delete.");
            }
            print(out, store);
        }
        return 0;
    }

    private void arity(int n, String usage) {
        if (args.size() != n) {
            throw new LoupeException("Usage: loupe classes PROJECT " + usage);
        }
    }

    private void print(PrintWriter out, ProjectStore store) {
        ProjectStats stats = store.stats();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<LabelClass, Long> e : stats.labelsPerClass().entrySet()) {
            LabelClass c = e.getKey();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("hotkey", c.hotkey() == null ? null : c.hotkey().toString());
            m.put("colour", c.colour());
            m.put("labels", e.getValue());
            rows.add(m);
        }
        if (json) {
            Json.print(out, rows);
        } else if (action.equals("list")) {
            for (Map<String, Object> m : rows) {
                out.printf("[%s] %-24s %s  %d labels%n", m.get("hotkey") == null ? " " : m.get("hotkey"), m.get("name"),
                        m.get("colour"), (Long) m.get("labels"));
            }
        }
        out.flush();
    }
}
