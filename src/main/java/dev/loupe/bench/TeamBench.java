package dev.loupe.bench;

import dev.loupe.project.LabelClass;
import dev.loupe.project.NewImage;
import dev.loupe.project.ProjectStore;
import dev.loupe.team.ServerUrl;
import dev.loupe.team.TeamServer;
import dev.loupe.team.TeamSync;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code loupe bench team}: how many labels per second one team server takes from N clients that label and sync
 * through the real code paths (each client its own local project, one server connection, a sync every few labels).
 * Images are stand-in rows (the store never reads the files), so the cost is the journals and the server.
 */
public final class TeamBench {

    /** One run's numbers. */
    public record Result(int clients, int syncEvery, int labels, double seconds, double labelsPerSecond,
                         long serverLabelEvents, double syncMsP50, double syncMsP95) {
    }

    private static final int IMAGES = 500;
    private static final List<String> CLASSES = List.of("cat", "dog", "bird", "fish");

    /** Runs {@code clients} clients for {@code seconds}, each syncing after every {@code syncEvery} labels. */
    public Result run(ServerUrl url, Path workDir, int clients, int seconds, int syncEvery) {
        String name = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        try (TeamServer s = TeamServer.connect(url)) {
            s.createProject(name, null);
        }
        List<ProjectStore> stores = new ArrayList<>();
        try {
            for (int k = 0; k < clients; k++) {
                ProjectStore store = ProjectStore.open(workDir.resolve(name + "-client" + k), true);
                stores.add(store);
                List<NewImage> images = new ArrayList<>();
                Path root = workDir.resolve("images");
                for (int i = 0; i < IMAGES; i++) {
                    images.add(new NewImage(root.resolve("img" + i + ".png"), root, String.format("%064x", i + 1), 1000,
                            0, 8, 8));
                }
                store.addImages(images);
                CLASSES.forEach(c -> store.addClass(c, null, null));
                store.setAnnotator("annotator" + k);
                TeamSync.link(store, url, name);
                TeamSync.sync(store);
            }
            int[] labels = new int[clients];
            List<List<Double>> syncMs = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long start = System.nanoTime();
            long deadline = start + seconds * 1_000_000_000L;
            List<Thread> threads = new ArrayList<>();
            for (int k = 0; k < clients; k++) {
                int client = k;
                List<Double> times = new ArrayList<>();
                syncMs.add(times);
                threads.add(new Thread(() -> {
                    ProjectStore store = stores.get(client);
                    Random rnd = new Random(client);
                    List<LabelClass> classes = store.classes();
                    long first = store.images().get(0).id();
                    try (TeamServer server = TeamServer.connect(url)) {
                        while (System.nanoTime() < deadline) {
                            store.label(first + rnd.nextInt(IMAGES), classes.get(rnd.nextInt(classes.size())).id(),
                                    null, null).ifPresent(e -> labels[client]++);
                            if (labels[client] % syncEvery == 0) {
                                long t = System.nanoTime();
                                TeamSync.sync(store, server);
                                times.add((System.nanoTime() - t) / 1e6);
                            }
                        }
                        TeamSync.sync(store, server); // everything given is acknowledged before the clock stops
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "team-bench-" + k));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            double secs = (System.nanoTime() - start) / 1e9;
            if (failure.get() != null) {
                throw new IllegalStateException("a bench client failed", failure.get());
            }
            long onServer;
            try (TeamServer s = TeamServer.connect(url)) {
                onServer = s.events(name).stream().filter(e -> e.kind().isLabelEvent()).count();
            }
            int total = Arrays.stream(labels).sum();
            double[] all = syncMs.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).sorted().toArray();
            return new Result(clients, syncEvery, total, secs, total / secs, onServer, pct(all, 0.5), pct(all, 0.95));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            stores.forEach(ProjectStore::close);
        }
    }

    private static double pct(double[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }
}
