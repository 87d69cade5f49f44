package dev.loupe.datacheck;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.BiFunction;
import java.util.function.DoubleConsumer;
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
        return start(name, (cancel, progress) -> work.apply(cancel), p -> { });
    }

    /**
     * Starts {@code work} (given the cancel flag and a progress sink) on a thread named {@code name}; the share done
     * (0..1) reaches {@code progress} from that thread, at most once per whole percent.
     */
    public static <T> DataCheckJob<T> start(String name, BiFunction<BooleanSupplier, DoubleConsumer, T> work,
                                            DoubleConsumer progress) {
        DataCheckJob<T> j = new DataCheckJob<>();
        int[] last = {-1};
        DoubleConsumer percent = p -> {
            int now = (int) Math.floor(100 * Math.max(0, Math.min(1, p)));
            if (now != last[0]) {
                last[0] = now;
                progress.accept(now / 100.0);
            }
        };
        Thread t = new Thread(() -> {
            try {
                T r = work.apply(j.cancelled::get, percent);
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
