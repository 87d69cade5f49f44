package dev.loupe.datacheck;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A label check running in the background on its own thread (never the trainer's): progress and the result are
 * delivered through {@code publishOn} ({@code Platform::runLater} in the app, a direct executor in tests), and
 * {@link #cancel()} stops it at the next step. The input is a snapshot, so labelling may go on meanwhile.
 */
public final class MislabelJob {
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final CompletableFuture<MislabelReport> result = new CompletableFuture<>();
    private final Thread thread;

    private MislabelJob(LabelCheckInput input, MislabelOptions options, Executor publishOn, MislabelFinder.Progress progress) {
        Objects.requireNonNull(input);
        Objects.requireNonNull(options);
        thread = new Thread(() -> {
            try {
                MislabelReport r = MislabelFinder.find(input, options,
                        (done, total, what) -> publishOn.execute(() -> progress.update(done, total, what)), cancelled::get);
                result.complete(r);
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "loupe-label-check");
        thread.setDaemon(true);
    }

    /** Starts a check; {@code progress} runs on {@code publishOn}. */
    public static MislabelJob start(LabelCheckInput input, MislabelOptions options, Executor publishOn,
                                    MislabelFinder.Progress progress) {
        MislabelJob j = new MislabelJob(input, options, publishOn, progress);
        j.thread.start();
        return j;
    }

    /** Completes with the report, or exceptionally (a {@link java.util.concurrent.CancellationException} when cancelled). */
    public CompletableFuture<MislabelReport> result() { return result; }

    /** Asks the check to stop at its next step. */
    public void cancel() { cancelled.set(true); }

    public boolean isCancelled() { return cancelled.get(); }
}
