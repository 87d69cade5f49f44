package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.evaluation.AccuracyEstimate;
import dev.loupe.project.ImageStatus;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStats;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.ModelVersionFile;
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

/** {@code loupe status}: what a project holds. */
@Command(name = "status", description = {"Show images, labels per class, backbone and model version of a project,",
        "and the model's estimated accuracy on the unlabelled images with what more labels would buy."})
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT", description = "The project folder.")
    Path project;

    @Option(names = "--json", description = "Print JSON on stdout.")
    boolean json;

    @Override
    public Integer call() {
        try (ProjectStore store = ProjectStore.openForGlance(project)) {
            Map<String, Object> status = status(store);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Json.print(out, status);
            } else {
                printText(out, store, status);
            }
        }
        return 0;
    }

    static Map<String, Object> status(ProjectStore store) {
        ProjectStats stats = store.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("project", store.dir().toAbsolutePath().toString());
        m.put("images", stats.images());
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (ImageStatus s : ImageStatus.values()) {
            byStatus.put(s.name().toLowerCase(), stats.imagesByStatus().getOrDefault(s, 0L));
        }
        m.put("images_by_status", byStatus);
        m.put("labelled", stats.labelled());
        List<Map<String, Object>> classes = new ArrayList<>();
        for (Map.Entry<LabelClass, Long> e : stats.labelsPerClass().entrySet()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", e.getKey().name());
            c.put("hotkey", e.getKey().hotkey() == null ? null : e.getKey().hotkey().toString());
            c.put("colour", e.getKey().colour());
            c.put("labels", e.getValue());
            classes.add(c);
        }
        m.put("classes", classes);
        m.put("backbone", store.setting("backbone").orElse(null));
        Optional<ModelVersion> latest = store.latestModelVersion();
        m.put("model_version", latest.map(ModelVersion::id).orElse(null));
        m.put("prequential_accuracy", Json.number(stats.prequential().rate()));
        m.put("prequential_labels", stats.prequential().total());
        m.put("prequential_accuracy_last50", Json.number(stats.prequentialLast50().rate()));
        AccuracyEstimate estimate = latest.map(v -> estimateOf(store, v)).orElse(null);
        m.put("accuracy_estimate", estimate == null ? null : estimate.toJson());
        return m;
    }

    /** The estimate saved with a model version; null for versions saved before estimates existed, or unreadable. */
    private static AccuracyEstimate estimateOf(ProjectStore store, ModelVersion v) {
        try {
            return ModelVersionFile.read(store.dir().resolve(v.file())).estimate();
        } catch (LoupeException e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static void printText(PrintWriter out, ProjectStore store, Map<String, Object> s) {
        out.printf("Project   %s%n", s.get("project"));
        out.printf("Images    %d (%s)%n", (Long) s.get("images"), s.get("images_by_status"));
        out.printf("Labelled  %d%n", (Long) s.get("labelled"));
        for (Map<String, Object> c : (List<Map<String, Object>>) s.get("classes")) {
            out.printf("  [%s] %-24s %d%n", c.get("hotkey") == null ? " " : c.get("hotkey"), c.get("name"), (Long) c.get("labels"));
        }
        out.printf("Backbone  %s%n", s.get("backbone") == null ? "(none yet)" : s.get("backbone"));
        out.printf("Model     %s%n", s.get("model_version") == null ? "(not trained yet)" : "version " + s.get("model_version"));
        Object acc = s.get("prequential_accuracy");
        out.printf("Accuracy  %s%n", acc == null ? "(no label checked yet: a label counts once the model could predict it, "
                + "on an image it had not learned)"
                : String.format("%.1f%% of %d labels were predicted right before labelling (last 50: %s)",
                100 * (Double) acc, (Integer) s.get("prequential_labels"),
                s.get("prequential_accuracy_last50") == null ? "-" : String.format("%.1f%%", 100 * (Double) s.get("prequential_accuracy_last50"))));
        Map<String, Object> e = (Map<String, Object>) s.get("accuracy_estimate");
        AccuracyEstimate a = AccuracyEstimate.fromJson(e);
        if (a != null) {
            out.printf("Estimate  ~%s right on the %d unlabelled images (model of %d labels)%n", a.percent(), a.unlabelled(), a.labels());
            out.printf("          %s%n", a.hint());
        }
        out.flush();
    }
}
