package dev.loupe.team;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.LoupeException;
import dev.loupe.project.JournalEntry;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;
import dev.loupe.project.TeamEvent;
import dev.loupe.testing.CliRun;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's reliability goal: three clients label one project concurrently through the real code paths (store, sync,
 * the CLI in a child JVM) while the server is stopped and restarted (as root with pg_ctlcluster; otherwise every
 * client connection is cut) and the child is killed with kill -9. Afterwards every acknowledged label is on the server
 * exactly once, and `loupe agreement` matches a recomputation from the server's raw events.
 */
class TeamReliabilityTest {

    static final int IMAGES = 40;
    static final int LABELS_PER_CLIENT = 120;
    static final List<String> CLASSES = List.of("cat", "dog", "bird");

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void nothingAcknowledgedIsLostOrDoubledThroughARestartAndAKill() throws Exception {
        String url = TeamPg.url();
        String name = TeamPg.projectName("reliability");
        List<Path> dirs = new ArrayList<>();
        for (String who : List.of("ann", "bob", "cyd", "kid")) {
            Path dir = tmp.resolve(who + ".loupe");
            try (ProjectStore s = ProjectStore.open(dir, true)) {
                TeamPg.addImages(s, tmp.resolve("images-" + who), IMAGES);
                CLASSES.forEach(c -> s.addClass(c, null, null));
                if (dirs.isEmpty()) {
                    try (TeamServer server = TeamServer.connect(ServerUrl.parse(url))) {
                        assertThat(server.createProject(name, null)).isTrue();
                    }
                }
                TeamSync.link(s, ServerUrl.parse(url), name);
            }
            dirs.add(dir);
        }

        // the child: labels and runs `loupe sync` in its own JVM until killed
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path childErr = tmp.resolve("child.err");
        Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                TeamClientMain.class.getName(), dirs.get(3).toString(), "kid", "7", Integer.toString(IMAGES))
                .redirectError(childErr.toFile()).start();
        AtomicInteger childSyncs = new AtomicInteger();
        AtomicInteger childLabels = new AtomicInteger();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals("synced 0")) {
                        childSyncs.incrementAndGet();
                    } else if (line.startsWith("labelled")) {
                        childLabels.incrementAndGet();
                    }
                }
            } catch (java.io.IOException ignored) {
                // the child was killed
            }
        });
        reader.start();

        // three clients in this JVM, each its own project and store
        AtomicInteger failedSyncs = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger progress = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Path dir = dirs.get(k);
            String who = List.of("ann", "bob", "cyd").get(k);
            long seed = k;
            clients.add(new Thread(() -> {
                Random rnd = new Random(seed);
                try (ProjectStore s = ProjectStore.open(dir, false)) {
                    s.setAnnotator(who);
                    for (int i = 0; i < LABELS_PER_CLIENT; i++) {
                        List<LabelClass> classes = s.classes();
                        long img = s.findByRelPath("img" + rnd.nextInt(IMAGES) + ".png").orElseThrow().id();
                        s.label(img, classes.get(rnd.nextInt(classes.size())).id(), null, null);
                        progress.incrementAndGet();
                        if (i % 4 == 3) {
                            try {
                                TeamSync.sync(s);
                            } catch (LoupeException e) {
                                failedSyncs.incrementAndGet(); // server down: the labels wait in the project
                            }
                        }
                        Thread.sleep(rnd.nextInt(15));
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "client-" + who));
        }
        clients.forEach(Thread::start);

        // the server goes away and comes back while everyone labels
        waitFor(() -> progress.get() >= 90 && childSyncs.get() >= 1, 120);
        String how = interruptServer(url);
        waitFor(() -> progress.get() >= 200 && childLabels.get() >= 30, 120);
        // kill -9 in the middle of the child's work
        child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        reader.join(10_000);
        for (Thread t : clients) {
            t.join(120_000);
        }
        assertThat(failure.get()).as("a client failed").isNull();

        // what the killed child had acknowledged (the server committed it) before it died
        Map<Long, String> childEventIds;
        long childAcked;
        try (ProjectStore s = ProjectStore.open(dirs.get(3), false)) {
            childAcked = Long.parseLong(s.setting(TeamSync.UPLOADED_SETTING).orElse("0"));
            childEventIds = s.journalEventIds();
        }
        List<TeamEvent> serverNow;
        try (TeamServer server = TeamServer.connect(ServerUrl.parse(url))) {
            serverNow = server.events(name);
        }
        Set<String> onServer = new HashSet<>();
        serverNow.forEach(e -> onServer.add(e.eventId()));
        childEventIds.forEach((seq, id) -> {
            if (seq <= childAcked) {
                assertThat(onServer).as("acknowledged event %d of the killed client", seq).contains(id);
            }
        });
        assertThat(childAcked).as("the child acknowledged some labels before it was killed").isPositive();

        // everyone (the killed client restarted) syncs until the server has it all, then once more to pull
        for (int round = 0; round < 2; round++) {
            for (Path dir : dirs) {
                JsonNode r = retrySync(dir);
                assertThat(r.get("waiting_for_images").asInt()).isZero();
            }
        }

        List<TeamEvent> all;
        try (TeamServer server = TeamServer.connect(ServerUrl.parse(url))) {
            all = server.events(name);
        }
        Set<String> ids = new HashSet<>();
        all.forEach(e -> assertThat(ids.add(e.eventId())).as("event %s once on the server", e.eventId()).isTrue());
        // every event written in any project is on the server, and every project holds every server label event once
        for (Path dir : dirs) {
            try (ProjectStore s = ProjectStore.open(dir, false)) {
                Map<Long, String> local = s.journalEventIds();
                assertThat(new HashSet<>(local.values())).hasSize(local.size());
                for (TeamEvent e : s.localEvents(0, Integer.MAX_VALUE)) {
                    assertThat(ids).as("%s's event %d", dir.getFileName(), e.localSeq()).contains(e.eventId());
                }
                Set<String> here = new HashSet<>(local.values());
                all.stream().filter(e -> e.kind().isLabelEvent())
                        .forEach(e -> assertThat(here).as("server event in %s", dir.getFileName()).contains(e.eventId()));
            }
        }
        long labelEvents = all.stream().filter(e -> e.kind().isLabelEvent()).count();
        assertThat(labelEvents).isGreaterThanOrEqualTo(3L * LABELS_PER_CLIENT / 2);

        // agreement from the raw server events: each annotator's newest label per image (by content hash)
        Map<String, Map<Long, Long>> byAnnotator = new TreeMap<>();
        Map<String, Long> classIds = new HashMap<>();
        for (TeamEvent e : all) {
            if (!e.kind().isLabelEvent()) {
                continue;
            }
            Map<Long, Long> own = byAnnotator.computeIfAbsent(e.annotator(), k -> new HashMap<>());
            long image = Long.parseLong(e.imageSha256(), 16);
            if (e.kind() == dev.loupe.project.EventKind.UNLABEL) {
                own.remove(image);
            } else {
                own.put(image, classIds.computeIfAbsent(e.className(), k -> (long) classIds.size()));
            }
        }
        AgreementReport expected = AgreementReport.of(byAnnotator);
        for (Path dir : dirs) {
            JsonNode got = CliRun.run("agreement", dir.toString(), "--json").json();
            assertThat(got.get("images_compared").asInt()).isEqualTo(expected.items());
            assertThat(got.get("krippendorff_alpha").asDouble()).isCloseTo(expected.alpha(),
                    org.assertj.core.data.Offset.offset(1e-12));
            for (String who : byAnnotator.keySet()) {
                assertThat(got.get("annotators").get(who).asInt()).isEqualTo(byAnnotator.get(who).size());
            }
        }
        System.out.printf("reliability: %d label events on the server, %d syncs failed while it was down (%s),"
                + " child killed after %d labels and %d syncs%n", labelEvents, failedSyncs.get(), how,
                childLabels.get(), childSyncs.get());
        if (Files.size(childErr) > 0) {
            System.out.println("child stderr:\n" + Files.readString(childErr));
        }
    }

    /** Stops and restarts the server when this test may (root, pg_ctlcluster, a local server); else cuts connections. */
    private static String interruptServer(String url) throws Exception {
        String cluster = System.getProperty("loupe.pg.cluster", "15 main");
        ServerUrl u = ServerUrl.parse(url);
        boolean local = u.host().equals("127.0.0.1") || u.host().equals("localhost");
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean known = Files.isDirectory(Path.of("/etc/postgresql", cluster.split(" ")));
        if (local && root && known && Files.isExecutable(Path.of("/usr/bin/pg_ctlcluster"))) {
            run("pg_ctlcluster " + cluster + " stop -m fast");
            Thread.sleep(1500); // clients keep labelling; their syncs fail and nothing is lost
            run("pg_ctlcluster " + cluster + " start");
            return "server stopped and restarted";
        }
        try (Connection c = DriverManager.getConnection(u.jdbcUrl(), u.properties()); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = current_user"
                    + " AND pid <> pg_backend_pid()");
        }
        return "client connections cut";
    }

    private static void run(String command) throws Exception {
        Process p = new ProcessBuilder(List.of("sh", "-c", command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(command + ": " + out).isZero();
    }

    private static JsonNode retrySync(Path dir) throws InterruptedException {
        for (int i = 0; ; i++) {
            CliRun r = CliRun.run("sync", dir.toString(), "--json");
            if (r.exitCode() == 0) {
                return r.json();
            }
            assertThat(i).as("sync of %s kept failing: %s", dir, r.err()).isLessThan(60);
            Thread.sleep(1000);
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, int seconds) throws InterruptedException {
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (!cond.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("timed out waiting").isLessThan(end);
            Thread.sleep(50);
        }
    }
}
