package dev.loupe.team;

import dev.loupe.LoupeException;

import java.util.concurrent.CancellationException;

/**
 * Syncs a shared project with its team's server by itself, on a thread of its own (docs/adr/0034-team-server.md): a
 * while after labels were given ({@link #nudge}, debounced), when the server NOTIFYs that a teammate uploaded (a
 * wake-up only: it pulls by sequence number), and every {@code periodMs} anyway. The network waits happen here; the
 * project's store is reached only through {@link TeamSync.Local}. An unreachable server is reported and tried again
 * at the next period or nudge; nothing is lost meanwhile, the labels being in the local project.
 */
public final class BackgroundSync implements AutoCloseable {

    /** What the syncer tells its owner, on the syncer's thread. */
    public interface Listener {
        void synced(TeamSync.Report report);

        /** The server could not be reached or failed midway; {@code why} says so, in the user's words. */
        void failed(String why);
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BackgroundSync.class);
    /** How long one wait for a notification lasts, so that a nudge or a stop is seen soon. */
    private static final int SLICE_MS = 250;

    private final TeamSync.Local local;
    private final ServerUrl url;
    private final String project;
    private final Listener listener;
    private final long periodMs;
    private final long debounceMs;
    private final Thread thread;
    private final Object lock = new Object();
    private volatile boolean stopped;
    /** When a nudge wants a sync (0: none wanted). Guarded by {@link #lock}. */
    private long dueAt;

    /**
     * @param periodMs   the longest time between two syncs (and between two tries while the server is down)
     * @param debounceMs how long after the last nudge a sync starts (labels given in a burst go up together)
     */
    public BackgroundSync(TeamSync.Local local, ServerUrl url, String project, Listener listener, long periodMs,
                          long debounceMs) {
        this.local = local;
        this.url = url;
        this.project = project;
        this.listener = listener;
        this.periodMs = periodMs;
        this.debounceMs = debounceMs;
        this.thread = new Thread(this::loop, "loupe-team-sync");
        thread.setDaemon(true);
    }

    /** Starts syncing: the first sync runs at once. */
    public BackgroundSync start() {
        thread.start();
        return this;
    }

    /** Labels were given: sync {@code debounceMs} after the last of a burst. */
    public void nudge() {
        synchronized (lock) {
            dueAt = System.currentTimeMillis() + debounceMs;
        }
    }

    /** Stops the syncer; a sync in progress ends at its next step. Does not wait. */
    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }

    /** The syncer's thread (tests wait for it to end). */
    public Thread thread() {
        return thread;
    }

    private void loop() {
        TeamServer server = null;
        while (!stopped) {
            long next = System.currentTimeMillis() + periodMs;
            synchronized (lock) {
                dueAt = 0;
            }
            try {
                if (server == null) {
                    server = TeamServer.connect(url);
                    server.listen();
                }
                TeamSync.Report r = TeamSync.sync(local, server);
                if (!stopped) {
                    listener.synced(r);
                }
            } catch (CancellationException | Stopped e) {
                break;
            } catch (RuntimeException e) {
                if (stopped) {
                    break;
                }
                LOG.info("Background sync failed: {}", dev.loupe.Faults.describe(e));
                listener.failed(e instanceof LoupeException told ? told.getMessage() : "The team sync failed: "
                        + dev.loupe.Faults.describe(e) + ". Nothing is lost: labels stay in the project.");
                if (server != null) {
                    server.close();
                    server = null;
                }
            }
            try {
                while (!stopped && !due(next)) {
                    if (server == null) {
                        Thread.sleep(SLICE_MS);
                    } else if (server.awaitChange(project, SLICE_MS)) {
                        break; // a teammate uploaded
                    }
                }
            } catch (InterruptedException e) {
                break;
            } catch (LoupeException e) {
                if (stopped) {
                    break;
                }
                server.close(); // the connection broke while waiting: the next turn reconnects (and reports)
                server = null;
            }
        }
        if (server != null) {
            server.close();
        }
    }

    private boolean due(long periodic) {
        long now = System.currentTimeMillis();
        synchronized (lock) {
            return now >= periodic || dueAt != 0 && now >= dueAt;
        }
    }

    /** Thrown by a {@link TeamSync.Local} when the project it syncs was closed: the syncer ends quietly. */
    public static final class Stopped extends RuntimeException {
        public Stopped() {
            super("the project was closed", null, false, false);
        }
    }
}
