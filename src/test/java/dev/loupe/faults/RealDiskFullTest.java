package dev.loupe.faults;

import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.FaultScenario;
import dev.loupe.testing.FaultScenario.Step;
import dev.loupe.testing.FaultScenario.Verdict;
import dev.loupe.testing.RealDisk;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fault harness on a real, small file system (a tmpfs; root only, so {@code .ci/run} runs it and a newcomer's
 * {@code mvn verify} skips it, saying why): SQLite and the JDK meet a really full disk at random moments of import,
 * labelling, undo, model-version saving and export, and a project folder really remounted read-only. {@code
 * -Dloupe.realdisk.trials=N} sets how many random fill levels (5 by default; .ci/run runs 30).
 */
@Timeout(value = 1800, unit = TimeUnit.SECONDS)
class RealDiskFullTest {

    private static final long SEED = 20_261_205L;

    @TempDir
    Path tmp;
    private RealDisk disk;

    @BeforeEach
    void mount() throws Exception {
        StringBuilder whyNot = new StringBuilder();
        Optional<RealDisk> d = RealDisk.mount(tmp.resolve("disk"), 8, whyNot);
        assumeTrue(d.isPresent(), () -> "Skipped: " + whyNot);
        disk = d.get();
    }

    @AfterEach
    void unmount() throws Exception {
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void aReallyFullDiskAtRandomMomentsLosesNoAcknowledgedLabelAndTheProjectOpensAgain() throws Exception {
        int trials = Integer.getInteger("loupe.realdisk.trials", 5);
        FaultScenario scenario = FaultScenario.prepare(tmp.resolve("data"));
        long[][] use = useByCommand(scenario);
        Random rnd = new Random(SEED);
        List<String> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        FaultScenario.Tally tally = new FaultScenario.Tally();
        for (int t = 0; t < trials; t++) {
            // a command at random, then a fill level at which it runs out of room (the rest have less room still)
            long[] u = use[rnd.nextInt(use.length)];
            long from = u[0] < u[1] ? u[0] : 0;
            long leave = from + (long) (rnd.nextDouble() * (u[1] - from));
            Path project = disk.dir().resolve("t" + t + ".loupe");
            Path exports = disk.dir().resolve("t" + t + "-out");
            disk.fillLeaving(leave);
            List<Step> steps = scenario.run(project, exports, 0);
            boolean failed = steps.stream().anyMatch(s -> s.result().exitCode() != 0);
            disk.spaceReturns();
            Verdict v = scenario.verify(project, exports, steps, steps);
            tally.add(v, failed);
            String firstFailed = steps.stream().filter(s -> s.result().exitCode() != 0).map(s -> s.args()[0]).findFirst()
                    .orElse("none");
            rows.add(String.format(Locale.ROOT, "%2d  %7d bytes free  first failed: %-7s %s", t, leave, firstFailed,
                    FaultScenario.Tally.row(v)));
            if (!v.good(failed)) {
                StringBuilder log = new StringBuilder();
                steps.forEach(s -> log.append("$ loupe ").append(String.join(" ", s.args())).append(" (exit ")
                        .append(s.result().exitCode()).append(")\n").append(s.result().out()).append(s.result().err()));
                failures.add("trial " + t + " (" + leave + " bytes free): " + v + "\n" + log);
            }
            DiskFaultHarnessTest.deleteTree(project);
            DiskFaultHarnessTest.deleteTree(exports);
            DiskFaultHarnessTest.deleteTree(exports.resolveSibling(exports.getFileName() + "-again"));
        }
        String summary = String.format(Locale.ROOT, "A real 8 MB tmpfs filled to a random level %d times (%d runs hit the"
                + " full disk): %s", trials, tally.fired(), tally.summary());
        DiskFaultHarnessTest.report("fault-harness-real-disk.txt", summary, rows);
        assertThat(failures).as(summary).isEmpty();
    }

    /**
     * For each command of the scenario, the disk use (bytes above the empty disk) when it starts and the most it reaches
     * while it runs (sampled every 2 ms), so fill levels can be chosen that run out of room in any command.
     */
    private long[][] useByCommand(FaultScenario scenario) throws Exception {
        long base = disk.used();
        AtomicLong peak = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    peak.accumulateAndGet(disk.used() - base, Math::max);
                    Thread.sleep(2);
                } catch (Exception e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        Path project = disk.dir().resolve("dry.loupe");
        Path exports = disk.dir().resolve("dry-out");
        List<String[]> commands = scenario.commands(project, exports);
        long[][] use = new long[commands.size()][];
        for (int c = 0; c < commands.size(); c++) {
            long start = disk.used() - base;
            peak.set(start);
            CliRun r = CliRun.run(commands.get(c));
            assertThat(r.exitCode()).as(String.join(" ", commands.get(c)) + ": " + r.err()).isZero();
            use[c] = new long[] {start, Math.max(start + 4096, peak.get())};
        }
        sampler.interrupt();
        sampler.join();
        DiskFaultHarnessTest.deleteTree(project);
        DiskFaultHarnessTest.deleteTree(exports);
        return use;
    }

    /**
     * The case: an import fills the disk. Loupe says the disk is full (not a database error), and the project
     * opens — while the disk is still full and after — with every image SQLite itself counts, never called damaged.
     */
    @Test
    void anImportThatFillsTheDiskLeavesAProjectThatOpensWhileFullAndAfter() throws Exception {
        Path images = tmp.resolve("many");
        for (int i = 0; i < 400; i++) {
            TestImages.png(images.resolve("c" + i % 4).resolve("img" + i + ".png"), i % 4, i);
        }
        Path project = disk.dir().resolve("full.loupe");
        disk.fillLeaving(2 << 20);
        CliRun imported = CliRun.run("import", project.toString(), images.toString(), "--labels-from-subfolders");
        assertThat(imported.exitCode()).as(imported.out() + imported.err()).isEqualTo(1);
        assertThat(imported.err()).contains("The disk holding " + project, " is full (", "Free at least ")
                .doesNotContain("SQLITE", "SQL error", "null", "damaged");
        assertThat(imported.out()).containsPattern("Found 400 files: \\d+ imported");

        CliRun whileFull = CliRun.run("status", project.toString());
        assertThat(whileFull.exitCode()).as(whileFull.err()).isZero();
        long countedByLoupe = imagesIn(whileFull.out());
        disk.spaceReturns();
        CliRun after = CliRun.run("status", project.toString());
        assertThat(after.exitCode()).as(after.err()).isZero();
        assertThat(after.err()).doesNotContain("damaged");
        assertThat(imagesIn(after.out())).isEqualTo(countedByLoupe).isPositive();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + project.resolve(ProjectStore.DB_FILE));
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("ok");
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM images")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(countedByLoupe);
            }
        }
        CliRun again = CliRun.run("import", project.toString(), images.toString(), "--labels-from-subfolders");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(CliRun.run("status", project.toString()).out()).contains("Images    400 ", "Labelled  400");
    }

    /** A project whose file system is remounted read-only while in use: labelling says so, loses nothing, goes on. */
    @Test
    void aProjectRemountedReadOnlySaysSoAndCarriesOnOnceWritable() throws Exception {
        FaultScenario scenario = FaultScenario.prepare(tmp.resolve("data"));
        Path project = disk.dir().resolve("ro.loupe");
        Path exports = disk.dir().resolve("ro-out");
        List<String[]> commands = scenario.commands(project, exports);
        CliRun imported = CliRun.run(commands.get(0));
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        disk.readOnly(true);
        CliRun label;
        try {
            label = CliRun.run(commands.get(1));
            CliRun status = CliRun.run("status", project.toString());
            assertThat(status.exitCode()).isEqualTo(1); // its lock cannot be taken on a read-only mount: it says so
            assertThat(status.err()).contains("read-only");
        } finally {
            disk.readOnly(false);
        }
        assertThat(label.exitCode()).isEqualTo(1);
        assertThat(label.err()).contains("read-only").doesNotContain("SQLITE", "SQL error", ": null", "damaged");
        Verdict v = scenario.verify(project, exports, List.of(new Step(commands.get(0), imported),
                new Step(commands.get(1), label)), List.of(new Step(commands.get(1), label)));
        assertThat(v.opened()).isTrue();
        assertThat(v.lost()).isZero();
        assertThat(v.badMessages()).isEmpty();
        assertThat(v.carriedOn()).as(v.detail()).isTrue();
    }

    private static long imagesIn(String status) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Images\\s+(\\d+)").matcher(status);
        assertThat(m.find()).as(status).isTrue();
        return Long.parseLong(m.group(1));
    }
}
