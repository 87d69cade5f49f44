package dev.loupe.datacheck;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A near-duplicate or outlier search on its own daemon thread (never the trainer's or the session's), on vectors read
 * beforehand: {@link #cancel()} stops it at the next block. The work returns null when it saw the cancel flag.
 */
public final class DataCheckJob<T> {
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final CompletableFuture<T> result = new CompletableFuture<>();

    private DataCheckJob() {
    }

    /** Starts {@code work} (given the cancel flag) on a thread named {@code name}. */
    public static <T> DataCheckJob<T> start(String name, Function<BooleanSupplier, T> work) {
        DataCheckJob<T> j = new DataCheckJob<>();
        Thread t = new Thread(() -> {
            try {
                T r = work.apply(j.cancelled::get);
                if (r == null || j.cancelled.get()) j.result.completeExceptionally(new CancellationException("cancelled"));
                else j.result.complete(r);
            } catch (Throwable e) {
                j.result.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return j;
    }

    /** Completes with the result, or exceptionally (a {@link CancellationException} when cancelled). */
    public CompletableFuture<T> result() { return result; }

    public void cancel() { cancelled.set(true); }
}
