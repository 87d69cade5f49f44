package dev.loupe.cli;

import dev.loupe.project.ProjectStore;
import dev.loupe.team.AgreementReport;
import dev.loupe.team.ProjectAgreement;
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

/** {@code loupe agreement}: how well a project's annotators agree (docs/adr/0032-annotator-agreement.md). */
@Command(name = "agreement", description = {
        "Agreement between the annotators who labelled the same images (each annotator's latest label per image):",
        "Krippendorff's alpha, Fleiss' kappa, Cohen's kappa per pair with its confusion table; overall and per class."})
final class AgreementCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT", description = "The project folder.")
    Path project;

    @Option(names = "--json", description = "Print JSON on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Map<String, Object> m;
        try (ProjectStore store = ProjectStore.open(project, false)) {
            m = agreement(store);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, m);
        } else {
            printText(out, m);
        }
        return 0;
    }

    static Map<String, Object> agreement(ProjectStore store) {
        ProjectAgreement pa = ProjectAgreement.of(store); // a reviewer's decisions (ADR 0034) are not votes
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("project", store.dir().toString());
        m.put("unattributed_label_events", pa.unattributed());
        m.put("annotators", pa.annotators());
        if (pa.report() == null) {
            m.put("message", pa.message());
            return m;
        }
        AgreementReport r = pa.report();
        List<String> classes = pa.classNames();
        m.put("classes", classes);
        m.put("images_compared", r.items());
        m.put("krippendorff_alpha", Json.number(r.alpha()));
        m.put("krippendorff_alpha_per_class", perClass(classes, r.alphaPerClass()));
        Map<String, Object> fleiss = new LinkedHashMap<>();
        fleiss.put("images", r.fleissItems());
        fleiss.put("kappa", r.fleiss() == null ? null : Json.number(r.fleiss().kappa()));
        fleiss.put("per_class", r.fleiss() == null ? null : perClass(classes, r.fleiss().perCategory()));
        m.put("fleiss", fleiss);
        List<Map<String, Object>> pairs = new ArrayList<>();
        for (AgreementReport.Pair p : r.pairs()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("annotators", List.of(p.first(), p.second()));
            pm.put("images", p.items());
            pm.put("observed_agreement", p.observed());
            pm.put("cohen_kappa", Json.number(p.kappa()));
            pm.put("cohen_kappa_per_class", perClass(classes, p.kappaPerClass()));
            pm.put("confusion", p.confusion()); // rows: the first annotator's class, columns: the second's
            pairs.add(pm);
        }
        m.put("pairs", pairs);
        return m;
    }

    private static Map<String, Double> perClass(List<String> classes, double[] values) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            out.put(classes.get(i), Json.number(values[i]));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void printText(PrintWriter out, Map<String, Object> m) {
        Map<String, Integer> counts = (Map<String, Integer>) m.get("annotators");
        out.println("Annotators: " + (counts.isEmpty() ? "none" : counts.entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue() + " images)").collect(Collectors.joining(", "))));
        int unattributed = (Integer) m.get("unattributed_label_events");
        if (unattributed > 0) {
            out.println(unattributed + " label events from before Loupe recorded annotators are left out.");
        }
        if (m.containsKey("message")) {
            out.println(m.get("message"));
            out.flush();
            return;
        }
        List<String> classes = (List<String>) m.get("classes");
        out.printf("Images labelled by two or more annotators: %d%n", (Integer) m.get("images_compared"));
        out.printf("Krippendorff's alpha: %s%n", fmt(m.get("krippendorff_alpha")));
        Map<String, Object> fleiss = (Map<String, Object>) m.get("fleiss");
        out.printf("Fleiss' kappa (%d images labelled by all): %s%n", (Integer) fleiss.get("images"),
                fmt(fleiss.get("kappa")));
        out.println("Per class          alpha   fleiss");
        Map<String, Double> alphas = (Map<String, Double>) m.get("krippendorff_alpha_per_class");
        Map<String, Double> fk = (Map<String, Double>) fleiss.get("per_class");
        for (String c : classes) {
            out.printf("  %-15s %6s %8s%n", c, fmt(alphas.get(c)), fk == null ? "-" : fmt(fk.get(c)));
        }
        for (Map<String, Object> p : (List<Map<String, Object>>) m.get("pairs")) {
            List<String> who = (List<String>) p.get("annotators");
            out.printf("%s vs %s: %d images, %.1f%% the same, Cohen's kappa %s%n", who.get(0), who.get(1),
                    (Integer) p.get("images"), 100 * (Double) p.get("observed_agreement"), fmt(p.get("cohen_kappa")));
            out.printf("  rows %s, columns %s:%n", who.get(0), who.get(1));
            long[][] t = (long[][]) p.get("confusion");
            out.printf("  %-15s%s%n", "", classes.stream().map(c -> String.format(" %8.8s", c)).collect(Collectors.joining()));
            for (int i = 0; i < t.length; i++) {
                StringBuilder row = new StringBuilder(String.format("  %-15.15s", classes.get(i)));
                for (long v : t[i]) {
                    row.append(String.format(" %8d", v));
                }
                out.println(row);
            }
        }
        out.flush();
    }

    private static String fmt(Object v) {
        return v == null ? "n/a" : String.format("%.3f", (Double) v);
    }
}
