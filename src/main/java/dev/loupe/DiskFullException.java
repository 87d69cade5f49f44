package dev.loupe;

import java.nio.file.FileStore;
import java.nio.file.Path;

/**
 * The disk a write needed is full. The message names the disk, how much is free, how much more the operation
 * needs when that is known, and what to do; nothing that Loupe reported as done before it was lost.
 */
public final class DiskFullException extends LoupeException {

    private final Path where;
    private final long neededBytes;

    private DiskFullException(String message, Path where, long neededBytes, Throwable cause) {
        super(message, cause);
        this.where = where;
        this.neededBytes = neededBytes;
    }

    /**
     * @param where       the file or folder being written
     * @param what        what happened, as a clause: "the label was not saved"
     * @param neededBytes about how much more the operation needs, or -1 when unknown
     * @param then        what the user does after freeing space, e.g. "run the command again"
     */
    public static DiskFullException of(Path where, String what, long neededBytes, String then, Throwable cause) {
        FileStore fs = Faults.fileStore(where);
        long free = Faults.usableSpace(where);
        String disk = fs == null ? "" : fs + ", ";
        String message = "The disk holding " + where + " is full (" + disk + (free < 0 ? "free space unknown"
                : Faults.bytes(free) + " free") + "): " + what + ". Free "
                + (neededBytes > 0 ? "at least " + Faults.bytes(neededBytes) : "some space") + " on it, then " + then + ".";
        return new DiskFullException(message, where, neededBytes, cause);
    }

    /** The file or folder whose write failed. */
    public Path where() {
        return where;
    }

    /** About how many bytes the operation still needs; -1 when unknown. */
    public long neededBytes() {
        return neededBytes;
    }

    /** {@code t} as a {@link DiskFullException} when it is one or was caused by a full disk, else null. */
    public static DiskFullException find(Throwable t) {
        for (Throwable e = t; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof DiskFullException d) {
                return d;
            }
        }
        return null;
    }
}
