package dev.loupe.testing;

import dev.loupe.FileWrites;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A disk that fills up (or turns read-only) at a chosen write, through Loupe's write seam ({@link FileWrites}): every
 * database commit, thumbnail, model version and export file counts as one write. From write {@code k} on, every write
 * fails the way the JDK reports the real thing (ENOSPC, EROFS), until {@link #spaceReturns()}. Runs anywhere, no root.
 */
public final class FaultyDisk implements FileWrites.Hook, AutoCloseable {

    /** What the disk does once it fails. */
    public enum Fault {
        FULL("No space left on device"), READ_ONLY("Read-only file system");

        final String reason;

        Fault(String reason) {
            this.reason = reason;
        }
    }

    private final AtomicInteger writes = new AtomicInteger();
    private final List<Path> refused = new CopyOnWriteArrayList<>();
    private volatile int failFrom = Integer.MAX_VALUE;
    private volatile Fault fault = Fault.FULL;
    private final FileWrites.Installed installed;

    private FaultyDisk() {
        installed = FileWrites.install(this);
    }

    /** Installs a disk that works until told otherwise; close it to take it out again. */
    public static FaultyDisk install() {
        return new FaultyDisk();
    }

    @Override
    public void beforeWrite(Path target) throws IOException {
        if (writes.incrementAndGet() >= failFrom) {
            refused.add(target);
            throw new FileSystemException(target.toString(), null, fault.reason);
        }
    }

    /** Fails the {@code k}-th write from now (1: the next) and every one after it. */
    public FaultyDisk failFromWrite(int k, Fault f) {
        fault = f;
        failFrom = writes.get() + Math.max(1, k);
        return this;
    }

    /** Every write from now on fails. */
    public FaultyDisk failNow(Fault f) {
        return failFromWrite(1, f);
    }

    /** Space is back (or the folder writable again): writes go through. */
    public void spaceReturns() {
        failFrom = Integer.MAX_VALUE;
    }

    /** Writes announced so far (refused ones included). */
    public int writes() {
        return writes.get();
    }

    /** The files whose writes were refused, in order. */
    public List<Path> refused() {
        return List.copyOf(refused);
    }

    @Override
    public void close() {
        installed.close();
    }
}
