package dev.loupe.cli;

import dev.loupe.labelling.LabellingSession;
import dev.loupe.labelling.LabellingSession.LabelResult;
import dev.loupe.project.ProjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe undo} and {@code loupe redo}: take back or re-apply the last label, model included. */
final class UndoCommand {

    private UndoCommand() {
    }

    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "PROJECT")
        Path project;

        @Option(names = "--json", description = "Print {event, model_version} as JSON.")
        boolean json;

        abstract LabelResult apply(LabellingSession session);

        @Override
        public Integer call() {
            Projects.Failures failures = new Projects.Failures(spec.commandLine().getErr());
            try (ProjectStore store = ProjectStore.open(project, false);
                 LabellingSession session = Projects.session(store, spec.commandLine().getErr(), failures)) {
                LabelResult r = apply(session);
                PrintWriter out = spec.commandLine().getOut();
                Map<String, Object> m = LabelCommand.result(r);
                store.image(r.event().imageId()).ifPresent(i -> m.put("image", i.path().toString()));
                m.put("class", r.event().classId() == null ? null
                        : store.classById(r.event().classId()).map(c -> c.name()).orElse(null));
                if (json) {
                    Json.print(out, m);
                } else {
                    out.printf("%s: %s is now %s (%s)%n", spec.name(), m.get("image"),
                            m.get("class") == null ? "unlabelled" : m.get("class"), LabelCommand.versionText(m));
                    out.flush();
                }
            }
            return failures.exitCode(0);
        }
    }

    @Command(name = "undo", description = "Take back the last label; the model returns to its state before it.")
    static final class Undo extends Base {
        @Override
        LabelResult apply(LabellingSession session) {
            return session.undo().join();
        }
    }

    @Command(name = "redo", description = "Re-apply the last undone label, with the model it had.")
    static final class Redo extends Base {
        @Override
        LabelResult apply(LabellingSession session) {
            return session.redo().join();
        }
    }
}
