package dev.loupe.ui;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The one background thread ({@value #THREAD_NAME}) that talks to the project store and the labelling session,
 * so the FX thread never does. Work runs in submission order; results and failures come back on the FX executor.
 */
public final class SessionExecutor implements AutoCloseable {

    public static final String THREAD_NAME = "loupe-session";

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, THREAD_NAME);
        t.setDaemon(true);
        return t;
    });
    private final Executor fx;
    private final DialogService dialogs;
    private volatile Thread worker;
    private volatile Predicate<Throwable> handled = t -> false;

    /** @param fx where results are delivered: {@code Platform::runLater} */
    public SessionExecutor(Executor fx, DialogService dialogs) {
        this.fx = fx;
        this.dialogs = dialogs;
        thread.execute(() -> worker = Thread.currentThread());
    }

    /**
     * Failures {@code handler} takes (it returns true, on the FX thread) are not shown as a dialog: the project model
     * shows a full or read-only disk in its banner instead of one dialog per attempt.
     */
    public void setFailureHandler(Predicate<Throwable> handler) {
        handled = handler == null ? t -> false : handler;
    }

    private void fail(Throwable e) {
        if (!handled.test(e)) {
            dialogs.showError(DialogService.userMessage(e), e);
        }
    }

    /** Runs {@code work} on the session thread, then {@code onFx} with its result on the FX thread; failures go to the dialog. */
    public <T> CompletableFuture<T> submit(Callable<T> work, Consumer<T> onFx) {
        CompletableFuture<T> f = new CompletableFuture<>();
        thread.execute(() -> {
            try {
                T result = work.call();
                fx.execute(() -> {
                    try {
                        onFx.accept(result);
                        f.complete(result);
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                        fail(e);
                    }
                });
            } catch (Exception | Error e) {
                f.completeExceptionally(e);
                fx.execute(() -> fail(e));
            }
        });
        return f;
    }

    /**
     * Runs {@code work} on the session thread; its result or failure only completes the future: no dialog, no FX hop.
     * For background work that reports by itself (the team sync); a closed executor fails the future.
     */
    public <T> CompletableFuture<T> call(Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    f.complete(work.call());
                } catch (Exception | Error e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /** Whether the caller runs on the session thread. */
    public boolean onSessionThread() {
        return Thread.currentThread() == worker;
    }

    /** The FX executor results are delivered on. */
    public Executor fx() {
        return fx;
    }

    /** Runs what is queued, then stops the thread (waiting up to {@code seconds}). */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
