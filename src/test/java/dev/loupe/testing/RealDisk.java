package dev.loupe.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real, small file system (tmpfs) that can be filled up and emptied again, or remounted read-only: what SQLite and
 * the JDK really do on a full disk. Needs root (CI runs {@code .ci/run} as root); elsewhere {@link #mount} says why not.
 */
public final class RealDisk implements AutoCloseable {

    private final Path dir;
    private final Path filler;

    private RealDisk(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve("filler.bin");
    }

    /** Mounts a tmpfs of {@code megabytes} at {@code dir} (created); empty with the reason when that is not possible. */
    public static Optional<RealDisk> mount(Path dir, int megabytes, StringBuilder whyNot) throws IOException {
        if (!"root".equals(System.getProperty("user.name")) || !System.getProperty("os.name").startsWith("Linux")) {
            whyNot.append("mounting a small tmpfs needs root on Linux (.ci/run runs as root)");
            return Optional.empty();
        }
        Files.createDirectories(dir);
        String out = run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString());
        if (out != null) {
            whyNot.append("mount -t tmpfs failed (a container without CAP_SYS_ADMIN?): ").append(out);
            return Optional.empty();
        }
        return Optional.of(new RealDisk(dir));
    }

    public Path dir() {
        return dir;
    }

    /** Bytes free on it now. */
    public long free() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /** Bytes used on it now (the filler included). */
    public long used() throws IOException {
        return Files.getFileStore(dir).getTotalSpace() - free();
    }

    /** Fills it with a file of real blocks until about {@code leave} bytes are free. */
    public void fillLeaving(long leave) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (free() > leave + block.length) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            // already full: as asked
        }
    }

    /** Deletes the filler: the space is back. */
    public void spaceReturns() throws IOException {
        Files.deleteIfExists(filler);
    }

    /** Remounts it read-only ({@code true}) or writable again. */
    public void readOnly(boolean on) throws IOException {
        String out = run("mount", "-o", "remount," + (on ? "ro" : "rw"), dir.toString());
        if (out != null) {
            throw new IOException("remount failed: " + out);
        }
    }

    @Override
    public void close() throws IOException {
        if (run("umount", dir.toString()) != null) {
            run("umount", "-l", dir.toString()); // something still has a file open: detach it anyway
        }
    }

    /** Runs a command; null when it succeeded, else what it printed. */
    private static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        try {
            boolean done = p.waitFor(30, TimeUnit.SECONDS);
            String text = new String(p.getInputStream().readAllBytes()).strip();
            return done && p.exitValue() == 0 ? null : (text.isEmpty() ? "exit " + (done ? p.exitValue() : "timeout") : text);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
