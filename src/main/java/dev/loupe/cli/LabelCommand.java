package dev.loupe.cli;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.labelling.LabellingSession.LabelResult;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/** {@code loupe label}: labels images through the same per-label fine-tune path as the app. */
@Command(name = "label", description = {
        "Label an image (IMAGE CLASS), or many in order (--from-csv FILE with path,class lines).",
        "A label is acknowledged only after it is durably stored."})
final class LabelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT")
    Path project;

    @Parameters(index = "1", arity = "0..1", paramLabel = "IMAGE", description = "The image, as imported (absolute, or relative to the imported folder).")
    String image;

    @Parameters(index = "2", arity = "0..1", paramLabel = "CLASS")
    String className;

    @Option(names = "--from-csv", paramLabel = "FILE", description = "Label every path,class line of FILE in order; prints 'ok PATH CLASS' once each is stored.")
    Path csv;

    @Option(names = "--json", description = "Print {event, step_ms, rerank_ms, model_version} for a single label.")
    boolean json;

    @Option(names = "--annotator", paramLabel = "NAME", description = "Who gives these labels (default: the OS user name); see `loupe agreement`.")
    String annotator;

    @Override
    public Integer call() throws IOException {
        if ((csv == null) == (image == null || className == null)) {
            throw new LoupeException("Give either IMAGE CLASS or --from-csv FILE.");
        }
        String by = annotator == null ? null : ProjectStore.checkAnnotator(annotator);
        Projects.Failures failures = new Projects.Failures(spec.commandLine().getErr());
        int code;
        try (ProjectStore store = ProjectStore.open(project, false);
             LabellingSession session = Projects.session(store, spec.commandLine().getErr(), failures)) {
            if (by != null) {
                store.setAnnotator(by);
            }
            code = csv == null ? single(store, session) : fromCsv(store, session, failures);
        }
        return failures.exitCode(code); // after close: every model version has been saved or has failed
    }

    private int single(ProjectStore store, LabellingSession session) {
        ImageRecord img = Projects.image(store, image);
        LabelClass cls = Projects.cls(store, className);
        LabelResult r = session.label(img.id(), cls.id()).join();
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> m = result(r);
        m.put("image", img.path().toString());
        m.put("class", cls.name());
        if (json) {
            Json.print(out, m);
        } else {
            out.printf("%s %s as %s (%s, step %.1f ms)%n", m.get("event"), img.path(), cls.name(),
                    versionText(m), (Double) m.get("step_ms"));
            out.flush();
        }
        return 0;
    }

    /** "model version 12", or what happened when the step's model could not be saved (the label is kept anyway). */
    static String versionText(Map<String, Object> result) {
        Object v = result.get("model_version");
        return v == null ? "model version not saved" : "model version " + v;
    }

    static Map<String, Object> result(LabelResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", r.event() == null ? "unchanged" : r.event().kind().name().toLowerCase());
        m.put("step_ms", r.snapshot() == null ? 0.0 : r.snapshot().stepMillis());
        m.put("rerank_ms", r.snapshot() == null ? 0.0 : r.snapshot().rerankMillis());
        m.put("model_version", r.modelVersion() == null ? null : r.modelVersion().id());
        return m;
    }

    /**
     * Labels the CSV's lines in order. The first full or read-only disk stops the batch (docs/adr/0025-faults.md):
     * every later line would fail the same way, and the user is told once where it stopped and what to do.
     */
    private int fromCsv(ProjectStore store, LabellingSession session, Projects.Failures failures) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<CompletableFuture<LabelResult>> pending = new ArrayList<>();
        int errors = 0;
        int lineNo = 0;
        String stopped = null;
        try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String line;
            while (stopped == null && (line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                List<String> cells = CsvLine.parse(line);
                if (lineNo == 1 && cells.size() == 2 && cells.get(0).equalsIgnoreCase("path")) {
                    continue; // header
                }
                if (cells.size() != 2) {
                    err.printf("error line %d: expected path,class but got %d fields%n", lineNo, cells.size());
                    errors++;
                    continue;
                }
                if (failures.diskFull()) {
                    stopped = "a model version could not be saved (see above)";
                    break;
                }
                try {
                    ImageRecord img = Projects.image(store, cells.get(0));
                    LabelClass cls = Projects.cls(store, cells.get(1));
                    // label() returns once the journal entry is durable; training follows in the background.
                    pending.add(session.label(img.id(), cls.id()));
                    out.println("ok " + cells.get(0) + " " + cls.name());
                    out.flush();
                } catch (LoupeException e) {
                    if (Faults.isDiskFull(e) || Faults.isReadOnly(e)) {
                        err.println("loupe: " + e.getMessage());
                        stopped = "this line's label was not saved";
                        break;
                    }
                    err.printf("error line %d: %s%n", lineNo, e.getMessage());
                    err.flush();
                    errors++;
                }
            }
        }
        // a failed step was reported (stderr, exit code) by the session's onError; its labels are stored anyway
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(t -> null).join();
        session.drainPersister();
        if (stopped != null) {
            err.printf("Stopped at line %d of %s: %s. The %d labels printed 'ok' above are saved; line %d and after were "
                    + "not labelled. Once that is fixed, run the same command again: lines already labelled stay as "
                    + "they are.%n", lineNo, csv, stopped, pending.size(), lineNo);
            err.flush();
            return 1;
        }
        if (errors > 0) {
            err.printf("%d of %d lines could not be labelled (see above).%n", errors, errors + pending.size());
            err.flush();
            return 1;
        }
        return 0;
    }
}
