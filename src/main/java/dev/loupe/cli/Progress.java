package dev.loupe.cli;

import java.io.PrintWriter;

/** Progress of a long CLI job on stderr: a rewritten line on a terminal, a line every few seconds otherwise. */
final class Progress {

    private final PrintWriter err;
    private final String what;
    private final boolean bytes;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private long lastPrint;
    private String last = "";

    Progress(PrintWriter err, String what) {
        this(err, what, false);
    }

    /** With {@code bytes}, counts are shown in MB (a download). */
    Progress(PrintWriter err, String what, boolean bytes) {
        this.err = err;
        this.what = what;
        this.bytes = bytes;
    }

    synchronized void update(long done, long total) {
        long now = System.nanoTime();
        long interval = terminal ? 100_000_000L : 5_000_000_000L;
        if (now - lastPrint < interval && (done < total || total < 0)) {
            return;
        }
        lastPrint = now;
        double secs = (now - start) / 1e9;
        if (bytes) {
            last = total > 0
                    ? String.format("%s: %.1f/%.1f MB (%.0f%%), %.1f s", what, done / 1e6, total / 1e6, 100.0 * done / total, secs)
                    : String.format("%s: %.1f MB, %.1f s", what, done / 1e6, secs);
        } else {
            last = String.format("%s: %d/%d (%.0f%%), %.1f s", what, done, total, total == 0 ? 100.0 : 100.0 * done / total, secs);
        }
        err.print(terminal ? "\r" + last : last + System.lineSeparator());
        err.flush();
    }

    synchronized void finish() {
        if (terminal && !last.isEmpty()) {
            err.println();
            err.flush();
        }
    }
}
