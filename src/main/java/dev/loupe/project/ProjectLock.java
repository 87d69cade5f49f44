package dev.loupe.project;

import dev.loupe.Faults;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The OS-level lock that keeps a project open in one place only. The file stays after close:
 * deleting it would let two openers lock two different files of the same name.
 */
final class ProjectLock implements AutoCloseable {

    static final String FILE_NAME = "project.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private ProjectLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static ProjectLock acquire(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new ProjectException(ProjectException.Kind.READ_ONLY,
                    "Project " + dir + " cannot be opened: the folder is read-only.", e);
        } catch (java.nio.file.FileSystemException e) {
            // a read-only mount gives EROFS, which Java reports as a plain FileSystemException
            if (e.getReason() != null && e.getReason().toLowerCase(java.util.Locale.ROOT).contains("read-only")) {
                throw new ProjectException(ProjectException.Kind.READ_ONLY,
                        "Project " + dir + " cannot be opened: the folder is read-only.", e);
            }
            throw new ProjectException(ProjectException.Kind.IO,
                    "Project " + dir + " cannot be opened: " + Faults.describe(e), e);
        } catch (IOException e) {
            throw new ProjectException(ProjectException.Kind.IO,
                    "Project " + dir + " cannot be opened: " + Faults.describe(e), e);
        }
        try {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                // this JVM already holds it: same story for the user as another process
                throw locked(dir, Long.toString(ProcessHandle.current().pid()));
            }
            if (lock == null) {
                throw locked(dir, readPid(ch));
            }
            byte[] pid = Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(pid), 0);
            ch.force(false);
            return new ProjectLock(ch, lock);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ProjectException(ProjectException.Kind.IO,
                    "Project " + dir + " cannot be locked: " + Faults.describe(e), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static ProjectException locked(Path dir, String pid) {
        return new ProjectException(ProjectException.Kind.LOCKED, "Project " + dir
                + " is already open in another Loupe process (pid " + pid + "). Close it there first.");
    }

    private static String readPid(FileChannel ch) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(32);
            int n = ch.read(buf, 0);
            String s = n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.US_ASCII).trim();
            return s.matches("\\d+") ? s : "unknown";
        } catch (IOException e) {
            return "unknown"; // Windows forbids reading a region another process locked
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it anyway
        }
        closeQuietly(channel);
    }
}
