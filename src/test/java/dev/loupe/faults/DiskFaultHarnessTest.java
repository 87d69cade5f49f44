package dev.loupe.faults;

import dev.loupe.testing.CliRun;
import dev.loupe.testing.FaultScenario;
import dev.loupe.testing.FaultScenario.Step;
import dev.loupe.testing.FaultScenario.Verdict;
import dev.loupe.testing.FaultyDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault harness on the write seam (runs anywhere, no root): the disk fills up, or the project turns read-only, at
 * random writes of import, labelling, undo, model-version saving and export; once space returns, the project opens, no
 * acknowledged label is lost, nothing half-written is left, every message named its cause, and labelling carries on.
 * {@code -Dloupe.faults=N} sets how many disk-full points (30 by default). The report goes to
 * {@code target/fault-harness.txt}; docs/GUARANTEES.md quotes it. The same on a real full file system:
 * {@link RealDiskFullTest}.
 */
@Timeout(value = 1200, unit = TimeUnit.SECONDS)
class DiskFaultHarnessTest {

    private static final long SEED = 20_261_204L;
    private static final String[] COMMANDS = {"import", "label", "undo", "export"};

    @TempDir
    Path tmp;

    /** A clean run of the scenario: the writes each command makes, and the project as it was before each. */
    private record DryRun(int[] writes, List<Step> steps, List<Path> before) {
        int total() {
            int n = 0;
            for (int w : writes) {
                n += w;
            }
            return n;
        }
    }

    @Test
    void diskFullAtRandomWritesLosesNoAcknowledgedLabelAndTheProjectOpensAgain() throws Exception {
        int points = Integer.getInteger("loupe.faults", 30);
        FaultScenario scenario = FaultScenario.prepare(tmp.resolve("data"));
        DryRun dry = cleanRun(scenario);
        Random rnd = new Random(SEED);
        List<String> rows = new ArrayList<>();
        FaultScenario.Tally tally = new FaultScenario.Tally();
        int[] perCommand = new int[COMMANDS.length];
        List<String> failures = new ArrayList<>();
        for (int t = 0; t < points; t++) {
            int k = 1 + rnd.nextInt(dry.total());
            int c = 0;
            while (k > dry.writes()[c]) {
                k -= dry.writes()[c];
                c++;
            }
            perCommand[c]++;
            Trial trial = runTrial(scenario, dry, t, c, k, FaultyDisk.Fault.FULL);
            Verdict v = trial.verdict();
            tally.add(v, trial.fired());
            rows.add(String.format(Locale.ROOT, "%2d  %-7s write %3d  first refused: %-22s %s", t, COMMANDS[c], k,
                    trial.firstRefused(), FaultScenario.Tally.row(v)));
            if (!v.good(trial.fired())) {
                failures.add("trial " + t + " (" + COMMANDS[c] + ", write " + k + "): " + v + "\n" + trial.log());
            }
        }
        String summary = String.format(Locale.ROOT, "Disk full at %d random writes (import %d, label %d, undo %d, export %d;"
                        + " %d of them hit a write): %s", points, perCommand[0], perCommand[1], perCommand[2], perCommand[3],
                tally.fired(), tally.summary());
        report("fault-harness.txt", summary, rows);
        assertThat(failures).as(summary).isEmpty();
        assertThat(tally.fired()).as("the random points must land on writes").isEqualTo(points);
    }

    @Test
    void theProjectFolderTurningReadOnlyMidwayLosesNothingAndSaysSo() throws Exception {
        FaultScenario scenario = FaultScenario.prepare(tmp.resolve("data"));
        DryRun dry = cleanRun(scenario);
        Random rnd = new Random(SEED + 1);
        List<String> failures = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (int t = 0; t < COMMANDS.length; t++) {
            int c = t;
            int k = 1 + rnd.nextInt(dry.writes()[c]);
            Trial trial = runTrial(scenario, dry, 100 + t, c, k, FaultyDisk.Fault.READ_ONLY);
            Verdict v = trial.verdict();
            boolean saidReadOnly = trial.log().toLowerCase(Locale.ROOT).contains("read-only");
            rows.add(COMMANDS[c] + " write " + k + ": " + v + " said read-only " + saidReadOnly);
            if (!v.opened() || v.saidDamaged() || v.lost() > 0 || !v.halfWritten().isEmpty() || !v.badMessages().isEmpty()
                    || !v.carriedOn() || !saidReadOnly) {
                failures.add("trial " + t + " (" + COMMANDS[c] + ", write " + k + "): " + v + "\n" + trial.log());
            }
        }
        report("fault-harness-read-only.txt", "Project folder turning read-only at a random write of each command", rows);
        assertThat(failures).isEmpty();
    }

    private record Trial(Verdict verdict, boolean fired, String firstRefused, String log) {
    }

    /** The scenario from command {@code c} on, on a copy of the project as it was before it, failing from write {@code k}. */
    private Trial runTrial(FaultScenario scenario, DryRun dry, int t, int c, int k, FaultyDisk.Fault fault)
            throws IOException {
        Path project = tmp.resolve("t" + t + ".loupe");
        Path exports = tmp.resolve("t" + t + "-out");
        if (c > 0) {
            copyTree(dry.before().get(c), project);
        }
        List<Step> faulty;
        List<Path> refused;
        try (FaultyDisk disk = FaultyDisk.install()) {
            disk.failFromWrite(k, fault);
            faulty = scenario.run(project, exports, c);
            refused = disk.refused();
            disk.spaceReturns();
        }
        List<Step> all = new ArrayList<>(dry.steps().subList(0, c));
        all.addAll(faulty);
        Verdict v = scenario.verify(project, exports, all, faulty);
        StringBuilder log = new StringBuilder();
        for (Step s : faulty) {
            log.append("$ loupe ").append(String.join(" ", s.args())).append("  (exit ").append(s.result().exitCode())
                    .append(")\n").append(s.result().out()).append(s.result().err());
        }
        String first = refused.isEmpty() ? "none" : kind(project, exports, refused.get(0));
        deleteTree(project);
        deleteTree(exports);
        deleteTree(exports.resolveSibling(exports.getFileName() + "-again"));
        return new Trial(v, !refused.isEmpty(), first, log.toString());
    }

    /** Which of Loupe's writes a path is, for the report. */
    private static String kind(Path project, Path exports, Path p) {
        String s = p.toString();
        if (s.endsWith("project.db")) {
            return "database commit";
        }
        if (s.contains("/thumbs/")) {
            return "thumbnail";
        }
        if (s.contains("/models/")) {
            return "model version";
        }
        return p.startsWith(exports) ? "export " + exports.relativize(p).getName(0) : s;
    }

    private DryRun cleanRun(FaultScenario scenario) throws IOException {
        Path project = tmp.resolve("dry.loupe");
        Path exports = tmp.resolve("dry-out");
        List<String[]> commands = scenario.commands(project, exports);
        int[] writes = new int[commands.size()];
        List<Step> steps = new ArrayList<>();
        List<Path> before = new ArrayList<>();
        try (FaultyDisk disk = FaultyDisk.install()) {
            for (int c = 0; c < commands.size(); c++) {
                Path snapshot = tmp.resolve("before-" + COMMANDS[c] + ".loupe");
                if (Files.exists(project)) {
                    copyTree(project, snapshot);
                }
                before.add(snapshot);
                int w0 = disk.writes();
                long t0 = System.nanoTime();
                CliRun r = CliRun.run(commands.get(c));
                System.out.printf("dry run: %s took %.1f s, %d writes%n", COMMANDS[c], (System.nanoTime() - t0) / 1e9,
                        disk.writes() - w0);
                assertThat(r.exitCode()).as(String.join(" ", commands.get(c)) + ": " + r.err()).isZero();
                steps.add(new Step(commands.get(c), r));
                writes[c] = disk.writes() - w0;
            }
        }
        return new DryRun(writes, steps, before);
    }

    static void report(String file, String summary, List<String> rows) throws IOException {
        String text = summary + "\n\n" + String.join("\n", rows) + "\n";
        System.out.println(text);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve(file), text);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
