package dev.loupe.ui;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A long background job as the status bar shows it: a message, progress (−1 while unknown) and a cancel flag the
 * job polls. {@link #update} may be called from any thread; updates are coalesced onto the FX thread.
 */
public final class ProgressJob {

    private record Update(String message, double progress) {
    }

    private final Executor fx;
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(-1);
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicReference<Update> pending = new AtomicReference<>();

    public ProgressJob(Executor fx) {
        this.fx = fx;
    }

    /** Starts showing the job (FX thread). */
    public void start(String text) {
        cancelled.set(false);
        message.set(text);
        progress.set(-1);
        running.set(true);
    }

    /** Reports progress from any thread; {@code total} 0 means unknown. */
    public void update(String text, int done, int total) {
        if (pending.getAndSet(new Update(text, total <= 0 ? -1 : (double) done / total)) == null) {
            fx.execute(() -> {
                Update u = pending.getAndSet(null);
                if (u != null && running.get()) {
                    message.set(u.message());
                    progress.set(u.progress());
                }
            });
        }
    }

    /** Stops showing the job (FX thread). */
    public void finish() {
        pending.set(null);
        running.set(false);
        message.set("");
    }

    /** Asks the job to stop; it finishes what it must and reports what it did. */
    public void cancel() {
        cancelled.set(true);
        message.set(message.get() + " (cancelling…)");
    }

    public boolean isCancelled() {
        return cancelled.get();
    }

    public ReadOnlyStringProperty messageProperty() {
        return message.getReadOnlyProperty();
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }
}
