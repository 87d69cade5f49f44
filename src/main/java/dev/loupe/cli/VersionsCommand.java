package dev.loupe.cli;

import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe versions}: the saved model versions, any of which can be exported. */
@Command(name = "versions", description = "List the model versions of a project (export one with `loupe export --version ID`).")
final class VersionsCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT")
    Path project;

    @Option(names = "--json", description = "Print [{id, created, labels, journal_seq, note, file}].")
    boolean json;

    @Override
    public Integer call() {
        try (ProjectStore store = ProjectStore.open(project, false)) {
            List<ModelVersion> versions = store.modelVersions();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (ModelVersion v : versions) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", v.id());
                    m.put("created", Instant.ofEpochMilli(v.createdMs()).toString());
                    m.put("labels", v.labelCount());
                    m.put("journal_seq", v.journalSeq());
                    m.put("note", v.note());
                    m.put("file", v.file());
                    rows.add(m);
                }
                Json.print(out, rows);
            } else {
                for (ModelVersion v : versions) {
                    out.printf("%5d  %s  %6d labels  %s%n", v.id(), TIME.format(Instant.ofEpochMilli(v.createdMs())),
                            v.labelCount(), v.note() == null ? "" : v.note());
                }
                if (versions.isEmpty()) {
                    out.println("No model versions yet: label some images first.");
                }
                out.flush();
            }
        }
        return 0;
    }
}
