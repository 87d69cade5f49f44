package dev.loupe.cli;

import dev.loupe.bench.OpenBench;
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

/** {@code loupe bench open PROJECT}: the app's open path on a (big) project, stamped from JVM start (issue 16). */
@Command(name = "open", description = {
        "Open a project the way the app does before its first screen and label --labels images: each step stamped in",
        "ms since the JVM started, with resident memory. It adds labels to PROJECT: use a bench project."})
final class BenchOpenCmd implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT", description = "The project folder (with classes).")
    Path project;

    @Option(names = "--labels", description = "Labels to give (default: ${DEFAULT-VALUE}).")
    int labels = 100;

    @Option(names = "--json", description = "Print the steps as JSON.")
    boolean json;

    @Override
    public Integer call() {
        List<OpenBench.Step> steps = new OpenBench().run(project, labels);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (OpenBench.Step s : steps) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("step", s.name());
                m.put("at_ms", s.atMs());
                m.put("rss_mib", s.rssMiB());
                m.put("peak_rss_mib", s.peakMiB());
                rows.add(m);
            }
            Json.print(out, Map.of("steps", rows));
        } else {
            out.printf("%-28s %8s %8s %8s%n", "step", "at ms", "RSS MiB", "peak MiB");
            for (OpenBench.Step s : steps) {
                out.printf("%-28s %8d %8d %8d%n", s.name(), s.atMs(), s.rssMiB(), s.peakMiB());
            }
        }
        out.flush();
        return 0;
    }
}
