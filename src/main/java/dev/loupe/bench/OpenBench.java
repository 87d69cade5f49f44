package dev.loupe.bench;

import dev.loupe.LoupeException;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;
import dev.loupe.ranking.QueryStrategy;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code loupe bench open}: what opening a big project costs on the path the app takes before its first screen, each
 * step stamped in milliseconds since the JVM started (so JVM start is included) with the process's resident size:
 * the store opened, the labelling session opened (embeddings, trainer), the image list the gallery indexes, the first
 * screen's thumbnails read from the cache, the first label accepted, then {@code labels} labels in all. It labels
 * the images it is given: run it on a bench project (scripts/bench/big_project.py), not on one whose labels matter.
 */
public final class OpenBench {

    /** One stamped step: milliseconds since JVM start and resident/peak size in MiB (from /proc; -1 elsewhere). */
    public record Step(String name, long atMs, long rssMiB, long peakMiB) {
    }

    /** Thumbnails of the first screen read (a 1080p window shows about this many tiles). */
    public static final int FIRST_SCREEN_TILES = 60;

    private final long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    private final List<Step> steps = new ArrayList<>();

    public List<Step> run(Path project, int labels) {
        stamp("main");
        try (ProjectStore store = ProjectStore.open(project, false)) {
            stamp("store open");
            List<LabelClass> classes = store.classes();
            if (classes.isEmpty()) {
                throw new LoupeException("Project " + project + " has no classes: add some first (loupe classes "
                        + project + " add NAME...); the bench labels images with them.");
            }
            LabellingSession session = LabellingSession.open(store, LabellingSession.Options.defaults());
            try {
                stamp("session open");
                List<ImageRecord> images = store.images();
                if (session.latest() == null) {
                    session.varietyOrder();
                }
                stamp("image list (" + images.size() + ")");
                int read = 0;
                for (ImageRecord im : images) {
                    if (read == FIRST_SCREEN_TILES) {
                        break;
                    }
                    Optional<Path> thumb = thumbnail(store, im);
                    if (thumb.isPresent() && ImageIO.read(thumb.get().toFile()) != null) {
                        read++;
                    }
                }
                stamp("first " + read + " thumbnails read");
                for (int i = 0; i < labels; i++) {
                    List<LabellingSession.QueueItem> top = session.queue(QueryStrategy.MARGIN, 1);
                    if (top.isEmpty()) {
                        break;
                    }
                    session.label(top.get(0).imageId(), classes.get(i % classes.size()).id()).join();
                    if (i == 0) {
                        stamp("first label accepted");
                    }
                }
                session.drainPersister();
                stamp(labels + " labels accepted");
            } finally {
                session.close();
            }
        } catch (IOException e) {
            throw new LoupeException("Reading a thumbnail failed: " + dev.loupe.Faults.describe(e), e);
        }
        return steps;
    }

    private static Optional<Path> thumbnail(ProjectStore store, ImageRecord im) {
        if (im.sha256() == null) {
            return Optional.empty();
        }
        Path dir = store.dir().resolve(ProjectStore.THUMBS_DIR);
        Path p = new dev.loupe.importing.ThumbnailCache(dir).pathFor(im.sha256());
        return Files.exists(p) ? Optional.of(p) : Optional.empty();
    }

    private void stamp(String name) {
        long[] mem = memoryMiB();
        steps.add(new Step(name, System.currentTimeMillis() - jvmStart, mem[0], mem[1]));
    }

    /** VmRSS and VmHWM of this process in MiB, -1 where /proc is not there. */
    static long[] memoryMiB() {
        long rss = -1;
        long hwm = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                } else if (line.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return new long[]{-1, -1};
        }
        return new long[]{rss, hwm};
    }
}
