package dev.loupe.cli;

import dev.loupe.bench.TeamBench;
import dev.loupe.team.ServerUrl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe bench team}: labels per second a team server takes from several clients (ADR 0034). */
@Command(name = "team", description = {"Labels/s a PostgreSQL team server sustains from N clients that label and sync",
        "through the real code paths (a scratch project on the server per run; its events stay there)."})
final class BenchTeamCmd implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--server", required = true, paramLabel = "URL", description = "postgresql://USER@HOST:PORT/DB (password: PGPASSWORD or ~/.pgpass)")
    String server;

    @Option(names = "--clients", split = ",", description = "Client counts to run (default: 3,10).")
    List<Integer> clients = List.of(3, 10);

    @Option(names = "--seconds", description = "Seconds per run (default: ${DEFAULT-VALUE}).")
    int seconds = 10;

    @Option(names = "--sync-every", split = ",", description = "Labels between syncs (default: 1,20).")
    List<Integer> syncEvery = List.of(1, 20);

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        ServerUrl url = ServerUrl.parse(server);
        Path work = Files.createTempDirectory("loupe-bench-team");
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> rows = new ArrayList<>();
        if (!json) {
            out.printf("%8s %10s %8s %8s %10s %10s %12s %12s%n", "clients", "sync every", "labels", "seconds",
                    "labels/s", "on server", "sync p50 ms", "sync p95 ms");
        }
        try {
            for (int every : syncEvery) {
                for (int n : clients) {
                    TeamBench.Result r = new TeamBench().run(url, work, n, seconds, every);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("clients", r.clients());
                    m.put("sync_every", r.syncEvery());
                    m.put("labels", r.labels());
                    m.put("seconds", r.seconds());
                    m.put("labels_per_second", r.labelsPerSecond());
                    m.put("server_label_events", r.serverLabelEvents());
                    m.put("sync_ms_p50", Json.number(r.syncMsP50()));
                    m.put("sync_ms_p95", Json.number(r.syncMsP95()));
                    rows.add(m);
                    if (!json) {
                        out.printf("%8d %10d %8d %8.1f %10.1f %10d %12.1f %12.1f%n", r.clients(), r.syncEvery(),
                                r.labels(), r.seconds(), r.labelsPerSecond(), r.serverLabelEvents(), r.syncMsP50(),
                                r.syncMsP95());
                        out.flush();
                    }
                }
            }
        } finally {
            deleteTree(work);
        }
        if (json) {
            Json.print(out, Map.of("runs", rows));
        }
        return 0;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
