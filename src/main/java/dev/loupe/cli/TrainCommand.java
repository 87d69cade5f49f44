package dev.loupe.cli;

import dev.loupe.labelling.LabellingSession;
import dev.loupe.project.ProjectStore;
import dev.loupe.training.RetrainResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe train}: retrain the head from scratch on every label (the batch alternative to per-click steps). */
@Command(name = "train", description = {
        "Retrain the model from scratch on all labels, holding some out to measure accuracy.",
        "Labelling continues from the retrained model."})
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT")
    Path project;

    @Option(names = "--epochs", description = "Passes over the labels (default: ${DEFAULT-VALUE}).")
    int epochs = 30;

    @Option(names = "--held-out", description = "Fraction of each class held out for accuracy (default: ${DEFAULT-VALUE}).")
    double heldOut = 0.2;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        Projects.Failures failures = new Projects.Failures(spec.commandLine().getErr());
        try (ProjectStore store = ProjectStore.open(project, false);
             LabellingSession session = Projects.session(store, spec.commandLine().getErr(), failures)) {
            RetrainResult r = session.retrain(epochs, heldOut);
            session.drainPersister();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("held_out_accuracy", Json.number(r.heldOutAccuracy()));
            m.put("trained_on", r.trainCount());
            m.put("held_out", r.heldOutCount());
            m.put("millis", r.millis());
            m.put("model_version", store.latestModelVersion().map(v -> v.id()).orElse(null));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Json.print(out, m);
            } else {
                out.printf("Retrained on %d labels in %d ms; held-out accuracy %s on %d labels (model version %s).%n",
                        r.trainCount(), r.millis(), Double.isNaN(r.heldOutAccuracy()) ? "-" : String.format("%.1f%%", 100 * r.heldOutAccuracy()),
                        r.heldOutCount(), m.get("model_version"));
                out.flush();
            }
        }
        return failures.exitCode(0);
    }
}
