package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.labelling.ClassTexts;
import dev.loupe.project.ClassText;
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
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code loupe classes}: list, add, rename, merge and delete classes. Only the journal changes here;
 * the model follows the next time the project is opened for labelling (new columns start masked,
 * moved labels are learned). When the base model has a text model (CLIP), add and rename also store the
 * class's text embedding, from which the class then predicts before its first label.
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
        try (ProjectStore store = ProjectStore.open(project, false); ClassTexts texts = new ClassTexts(store)) {
            PrintWriter out = spec.commandLine().getOut();
            switch (action) {
                case "list" -> arity(0, "list");
                case "add" -> {
                    arity(1, "add NAME");
                    Optional<ClassText> text = texts.forName(args.get(0));
                    LabelClass c = store.addClass(args.get(0), colour, hotkey, text.orElse(null));
                    if (!json) {
                        out.printf("Added class %s (hotkey %s, colour %s%s).%n", c.name(), c.hotkey(), c.colour(),
                                text.isPresent() ? "; it predicts from its name until it has labels" : "");
                    }
                }
                case "rename" -> {
                    arity(2, "rename OLD NEW");
                    long id = Projects.cls(store, args.get(0)).id();
                    store.renameClass(id, args.get(1), texts.forName(args.get(1)).orElse(null));
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
        Map<Long, ClassText> texts = store.classTexts();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<LabelClass, Long> e : stats.labelsPerClass().entrySet()) {
            LabelClass c = e.getKey();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("hotkey", c.hotkey() == null ? null : c.hotkey().toString());
            m.put("colour", c.colour());
            m.put("labels", e.getValue());
            m.put("from_text", texts.containsKey(c.id())); // starts from its name's text embedding (a CLIP pair)
            rows.add(m);
        }
        if (json) {
            Json.print(out, rows);
        } else if (action.equals("list")) {
            for (Map<String, Object> m : rows) {
                out.printf("[%s] %-24s %s  %d labels%s%n", m.get("hotkey") == null ? " " : m.get("hotkey"), m.get("name"),
                        m.get("colour"), (Long) m.get("labels"), (Boolean) m.get("from_text") ? "  (from its name)" : "");
            }
        }
        out.flush();
    }
}
