package dev.loupe.cli;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.datacheck.MislabelFinder;
import dev.loupe.datacheck.MislabelOptions;
import dev.loupe.datacheck.MislabelReport;
import dev.loupe.datacheck.MislabelReview;
import dev.loupe.datacheck.Suspect;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.LabelCheckMark;
import dev.loupe.project.ProjectStore;
import picocli.CommandLine.ArgGroup;
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
 * {@code loupe review}: look over the project's labels and data. The label check (likely mislabels: accept a
 * suggestion or keep a label) is here; near-duplicates, outliers and exclusions go to {@link ReviewDataCommand}.
 */
@Command(name = "review", description = {
        "Check the labels: --suspects lists the labelled images whose label is likely wrong (each judged by a model",
        "that never saw it), with the suggested class and why. --accept relabels an image to its suggestion (undo",
        "with `loupe undo`); --keep keeps its label and marks it checked, so it leaves the list until relabelled.",
        "Look over the data: --duplicates (near-identical images), --outliers (unlike every other image, to the model or to the eye);",
        "excluded images leave the queue and the exports; --undo-exclusion reverses the last change."})
final class ReviewCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT")
    Path project;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--suspects", required = true, description = "List the likely mislabelled images, most likely first.")
        boolean suspects;

        @Option(names = "--accept", required = true, paramLabel = "IMAGE", description = "Relabel IMAGE to the class the check suggests.")
        String accept;

        @Option(names = "--keep", required = true, paramLabel = "IMAGE", description = "Keep IMAGE's label and mark it checked.")
        String keep;

        @Option(names = "--unkeep", required = true, paramLabel = "IMAGE", description = "Take back the checked mark of IMAGE.")
        String unkeep;

        @ArgGroup(exclusive = true, multiplicity = "1")
        ReviewDataCommand.Action data;
    }

    @picocli.CommandLine.Mixin
    ReviewDataCommand.Options dataOptions = new ReviewDataCommand.Options();

    @Option(names = "--limit", description = "At most this many suspects (default: ${DEFAULT-VALUE}).")
    int limit = 50;

    @Option(names = "--json", description = "Print JSON on stdout: the suspects [{path, label, suggested, p_label, p_suggested, score, why}], or what was done.")
    boolean json;

    @Override
    public Integer call() {
        if (action.data != null) {
            ReviewDataCommand data = new ReviewDataCommand();
            data.spec = spec;
            data.project = project;
            data.action = action.data;
            data.options = dataOptions;
            data.json = json;
            return data.call();
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (ProjectStore store = ProjectStore.open(project, false)) {
            if (action.keep != null || action.unkeep != null) {
                return mark(store, out);
            }
            Projects.Failures failures = new Projects.Failures(err);
            try (LabellingSession session = Projects.session(store, err, failures)) {
                MislabelReview.Snapshot snap = MislabelReview.snapshot(store, session.backbone().id());
                MislabelReport report = check(store, snap, err);
                if (action.suspects) {
                    print(store, snap, report, out);
                    return failures.exitCode(0);
                }
                ImageRecord image = Projects.image(store, action.accept);
                Suspect s = report.suspects().stream().filter(x -> x.imageId() == image.id()).findFirst()
                        .orElseThrow(() -> new LoupeException("'" + action.accept + "' is not among the suspects; nothing changed."
                                + " Relabel it with `loupe label` if you want another class."));
                String from = snap.input().classNames().get(s.givenClass());
                String to = snap.input().classNames().get(s.suggestedClass());
                session.label(image.id(), snap.suggestedClassId(s)).join();
                session.drainPersister();
                done(out, "accepted", image, from, to, "relabelled " + image.path() + ": " + from + " -> " + to
                        + " (undo with `loupe undo " + project + "`)");
                return failures.exitCode(0);
            }
        }
    }

    private MislabelReport check(ProjectStore store, MislabelReview.Snapshot snap, PrintWriter err) {
        Progress progress = new Progress(err, "checking labels");
        try {
            MislabelReport r = MislabelReview.check(store, snap, MislabelOptions.DEFAULTS,
                    (done, total, what) -> progress.update(done, total), () -> false);
            progress.finish();
            return r;
        } catch (IllegalArgumentException e) {
            throw new LoupeException("Cannot check the labels yet: " + Faults.describe(e) + ".");
        }
    }

    private int mark(ProjectStore store, PrintWriter out) {
        String ref = action.keep != null ? action.keep : action.unkeep;
        ImageRecord image = Projects.image(store, ref);
        String label = store.labelOf(image.id()).flatMap(store::classById).map(c -> c.name())
                .orElseThrow(() -> new LoupeException("'" + ref + "' has no label to keep. Label it with `loupe label` first."));
        if (action.keep != null) {
            MislabelReview.keep(store, image.id());
            done(out, "kept", image, label, label, "kept " + image.path() + " as " + label + "; marked checked (take back with --unkeep)");
        } else {
            LabelCheckMark m = MislabelReview.currentMark(store, image.id())
                    .orElseThrow(() -> new LoupeException("'" + ref + "' is not marked checked; nothing changed."));
            MislabelReview.undoKeep(store, m);
            done(out, "unkept", image, label, label, "took back the checked mark of " + image.path());
        }
        return 0;
    }

    private void done(PrintWriter out, String what, ImageRecord image, String from, String to, String text) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("action", what);
            m.put("path", image.path().toString());
            m.put("label_before", from);
            m.put("label", to);
            Json.print(out, m);
        } else {
            out.println(text);
            out.flush();
        }
    }

    private void print(ProjectStore store, MislabelReview.Snapshot snap, MislabelReport report, PrintWriter out) {
        List<String> names = snap.input().classNames();
        List<Suspect> shown = report.suspects().subList(0, Math.min(Math.max(0, limit), report.suspects().size()));
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Suspect s : shown) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("path", store.image(s.imageId()).map(i -> i.path().toString()).orElse(null));
                m.put("label", names.get(s.givenClass()));
                m.put("suggested", names.get(s.suggestedClass()));
                m.put("p_label", s.pGiven());
                m.put("p_suggested", s.pSuggested());
                m.put("neighbours_agreeing", s.neighboursAgreeing());
                m.put("neighbours", s.neighbours());
                m.put("score", s.score());
                m.put("why", s.why());
                rows.add(m);
            }
            Json.print(out, rows);
            return;
        }
        if (shown.isEmpty()) {
            out.printf("No likely mislabels among %d labelled images.%n", report.checked());
        } else {
            out.printf("%d likely mislabels among %d labelled images%s:%n", report.suspects().size(), report.checked(),
                    shown.size() < report.suspects().size() ? " (the first " + shown.size() + ")" : "");
            for (Suspect s : shown) {
                out.printf("%-16s -> %-16s %s%n    %s%n", names.get(s.givenClass()), names.get(s.suggestedClass()),
                        store.image(s.imageId()).map(i -> i.path().toString()).orElse("?"), s.why());
            }
        }
        out.flush();
    }
}
