package dev.loupe.gallery.ui;

import dev.loupe.importing.ThumbnailCache;
import javafx.application.Platform;
import javafx.scene.image.Image;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thumbnail images for tiles, read off the FX thread and kept in a bounded LRU so memory stays flat however many
 * images the project has. Two daemon threads read the newest requests first (the tiles on screen now, not those
 * scrolled past), a JPEG thumbnail through libjpeg-turbo at half size ({@link ThumbnailCache#readForDisplay}), and
 * hand what they read to the FX thread in batches, so the first screen's pictures arrive in one or two frames
 * (JavaFX's own background loader delivered 30 of them over ~1.5 s on a 100,000-image project, issue 16). A tile
 * that shows another image before its picture came cancels its request. Call from the FX thread only.
 */
public final class ThumbnailImages {

    /** Who waits for a picture: called on the FX thread with the image, or null when it could not be read. */
    @FunctionalInterface
    public interface Target {
        void show(long imageId, Image image);
    }

    private record Request(long imageId, Path thumbnail, Path original) {
    }

    private record Read(long imageId, Image image) {
    }

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final int capacity;
    private final int side;
    /** Image id → picture, or null for one that could not be read (not tried again while it stays here). */
    private final Map<Long, Image> lru;
    private final Map<Long, List<Target>> waiting = new HashMap<>();
    /** The ids still wanted, read by the loader threads to skip cancelled requests. */
    private final Set<Long> wanted = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Read> done = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final ExecutorService loader;
    private int loaded;

    public ThumbnailImages(int capacity, double size) {
        this.capacity = capacity;
        this.side = (int) Math.ceil(size);
        this.lru = new LinkedHashMap<>(capacity * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Image> eldest) {
                return size() > ThumbnailImages.this.capacity;
            }
        };
        // Newest first: a deque whose offer puts the task at the head.
        LinkedBlockingDeque<Runnable> newestFirst = new LinkedBlockingDeque<>() {
            @Override
            public boolean offer(Runnable r) {
                return offerFirst(r);
            }
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 10, TimeUnit.SECONDS, newestFirst, r -> {
            Thread t = new Thread(r, "loupe-thumbnails-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        this.loader = pool;
        loader.execute(ThumbnailCache::prepareReader); // before the first tile asks, not when it does
    }

    /**
     * Shows the picture of {@code imageId} through {@code target}: at once when it is in memory, else once read (its
     * thumbnail file, or when that is missing or unreadable the original file, which JavaFX may or may not be able to
     * read: then {@code target} gets null). Returns whether it was shown at once.
     */
    public boolean request(long imageId, Path thumbnail, Path original, Target target) {
        if (lru.containsKey(imageId)) {
            target.show(imageId, lru.get(imageId));
            return true;
        }
        List<Target> targets = waiting.get(imageId);
        if (targets == null) {
            targets = new ArrayList<>(1);
            waiting.put(imageId, targets);
            wanted.add(imageId);
            Request r = new Request(imageId, thumbnail, original);
            loader.execute(() -> read(r));
        }
        if (!targets.contains(target)) {
            targets.add(target);
        }
        return false;
    }

    /** {@code target} no longer wants the picture of {@code imageId} (its tile shows another image now). */
    public void cancel(long imageId, Target target) {
        List<Target> targets = waiting.get(imageId);
        if (targets != null && targets.remove(target) && targets.isEmpty()) {
            waiting.remove(imageId);
            wanted.remove(imageId);
        }
    }

    private void read(Request r) {
        if (!wanted.contains(r.imageId())) {
            return; // cancelled before its turn: scrolled past
        }
        Image img = null;
        if (r.thumbnail() != null) {
            try {
                ThumbnailCache.Pixels p = ThumbnailCache.readForDisplay(r.thumbnail(), side);
                WritableImage w = new WritableImage(p.width(), p.height());
                w.getPixelWriter().setPixels(0, 0, p.width(), p.height(), PixelFormat.getIntArgbInstance(), p.argb(), 0,
                        p.width());
                img = w;
            } catch (IOException | RuntimeException e) {
                img = null; // missing or damaged: the original next
            }
        }
        if (img == null && r.original() != null) {
            Image original = new Image(r.original().toUri().toString(), side, side, true, true, false);
            img = original.isError() ? null : original;
        }
        done.add(new Read(r.imageId(), img));
        if (drainScheduled.compareAndSet(false, true)) {
            Platform.runLater(this::drain);
        }
    }

    /** On the FX thread: everything read since the last drain, in one go (one frame for a screenful). */
    private void drain() {
        drainScheduled.set(false);
        for (Read r; (r = done.poll()) != null; ) {
            List<Target> targets = waiting.remove(r.imageId());
            wanted.remove(r.imageId());
            if (targets == null) {
                continue; // cancelled meanwhile: not cached, so it does not push out a picture on screen
            }
            lru.put(r.imageId(), r.image());
            if (r.image() != null) {
                countLoaded();
            }
            for (Target t : targets) {
                t.show(r.imageId(), r.image());
            }
        }
    }

    private void countLoaded() {
        if (dev.loupe.Stamps.on()) { // start-up measuring (ADR 0031): when the first screen's pictures are in
            loaded++;
            if (loaded == 1 || loaded == FIRST_SCREEN) {
                dev.loupe.Stamps.once("thumbnails " + loaded + " loaded");
            }
        }
    }

    /** Tiles a 1280×820 window shows at first (6 columns, 5 rows), for the start-up stamp. */
    private static final int FIRST_SCREEN = 30;

    public int cachedCount() {
        return lru.size();
    }

    /** Requests being read or waiting to be (for tests). */
    int pendingCount() {
        return waiting.size();
    }
}
