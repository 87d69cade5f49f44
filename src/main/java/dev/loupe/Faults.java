package dev.loupe;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a failure underneath Loupe (an {@link IOException}, a database error) means for the user: whether the disk is
 * full or read-only, which disk that is, and a short cause in plain words that is never {@code null} and never a
 * database's raw error text (docs/adr/0025-faults.md).
 */
public final class Faults {

    private static final int SQLITE_FULL = 13;
    private static final int SQLITE_READONLY = 8;
    /** "java.io.EOFException: " and the like, which wrapping exceptions put in front of their cause's message. */
    private static final Pattern CLASS_PREFIX = Pattern.compile("^(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::\\s*|$)");

    private Faults() {
    }

    /** Whether {@code t}, or anything that caused it, says the disk (or the user's quota on it) is full. */
    public static boolean isDiskFull(Throwable t) {
        return anyCause(t, e -> {
            if (e instanceof DiskFullException) {
                return true;
            }
            if (e instanceof SQLException s && (s.getErrorCode() & 0xff) == SQLITE_FULL) {
                return true;
            }
            if (e instanceof IOException) {
                String m = reason(e).toLowerCase(Locale.ROOT);
                return m.contains("no space left") || m.contains("not enough space") || m.contains("disk quota exceeded")
                        || m.contains("disk is full");
            }
            return false;
        });
    }

    /** Whether {@code t}, or anything that caused it, says a file or folder cannot be written (permissions, read-only mount). */
    public static boolean isReadOnly(Throwable t) {
        return anyCause(t, e -> e instanceof AccessDeniedException
                || e instanceof SQLException s && (s.getErrorCode() & 0xff) == SQLITE_READONLY
                || e instanceof FileSystemException f && reason(f).toLowerCase(Locale.ROOT).contains("read-only"));
    }

    /**
     * The cause of {@code t} in a few plain words, for the end of a message ("…: file not found: /a/b.png"). Never null
     * or empty; database errors become a plain sentence with their code, never SQLite's own text.
     */
    public static String describe(Throwable t) {
        if (t == null) {
            return "an unknown error";
        }
        if (t instanceof LoupeException && t.getMessage() != null) {
            return t.getMessage(); // written for the user already
        }
        if (isDiskFull(t)) {
            return "the disk is full";
        }
        Throwable e = t;
        for (int depth = 0; depth < 10 && e != null; depth++) {
            String known = known(e);
            if (known != null) {
                return known;
            }
            String m = e.getMessage();
            if (m != null) {
                m = m.strip();
                for (java.util.regex.Matcher x = CLASS_PREFIX.matcher(m); x.find(); x = CLASS_PREFIX.matcher(m)) {
                    m = m.substring(x.end()).strip();
                }
                if (!m.isEmpty() && !m.equals("null")) {
                    return m;
                }
            }
            e = e.getCause() == e ? null : e.getCause();
        }
        return "an unexpected " + words(t.getClass().getSimpleName());
    }

    /** Whether the raw message of {@code t} contains {@code text}: for telling failures apart, never for showing. */
    public static boolean mentions(Throwable t, String text) {
        return t != null && t.getMessage() != null && t.getMessage().contains(text);
    }

    private static String known(Throwable e) {
        if (e instanceof SQLException s && s.getClass().getName().startsWith("org.postgresql.")) {
            // PostgreSQL's own messages are written for people ("Connection to host:5432 refused. Check that…");
            // the SQL state tells connection trouble (08…) from the rest
            String m = s.getMessage() == null ? "" : s.getMessage().strip().lines().findFirst().orElse("");
            return "the PostgreSQL server " + ("08".equals(sqlClass(s)) ? "could not be reached" : "refused")
                    + (m.isEmpty() ? "" : ": " + m) + (s.getSQLState() == null ? "" : " (SQL state " + s.getSQLState() + ")");
        }
        if (e instanceof SQLException s) {
            if ((s.getErrorCode() & 0xff) == SQLITE_READONLY) {
                return "the database cannot be written (read-only)";
            }
            return "the database could not complete the operation (error code " + s.getErrorCode() + ")";
        }
        if (e instanceof EOFException) {
            return "the file ends too early: it is truncated";
        }
        if (e instanceof NoSuchFileException f) {
            return "file not found: " + f.getFile();
        }
        if (e instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof FileAlreadyExistsException f) {
            return "already exists: " + f.getFile();
        }
        if (e instanceof NotDirectoryException f) {
            return "not a folder: " + f.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getFile() == null ? f.getReason() : f.getFile() + ": " + f.getReason();
        }
        if (e instanceof OutOfMemoryError) {
            return "not enough memory";
        }
        if (e instanceof NullPointerException && e.getMessage() == null) {
            return "an internal error (a value was missing)";
        }
        return null;
    }

    private static String sqlClass(SQLException s) {
        return s.getSQLState() == null || s.getSQLState().length() < 2 ? "" : s.getSQLState().substring(0, 2);
    }

    /** "NegativeArraySizeException" → "negative array size exception". */
    private static String words(String simpleName) {
        return simpleName.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    }

    private static String reason(Throwable e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? "" : e.getMessage();
    }

    private static boolean anyCause(Throwable t, java.util.function.Predicate<Throwable> test) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
        if (t != null) {
            todo.add(t);
        }
        while (!todo.isEmpty()) {
            Throwable e = todo.poll();
            if (seen.put(e, Boolean.TRUE) != null) {
                continue;
            }
            if (test.test(e)) {
                return true;
            }
            if (e.getCause() != null) {
                todo.add(e.getCause());
            }
            for (Throwable s : e.getSuppressed()) {
                todo.add(s);
            }
        }
        return false;
    }

    /** The file system holding {@code path} (or its nearest existing ancestor), or null when none can be found. */
    public static FileStore fileStore(Path path) {
        Path p = path.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            return p == null ? null : Files.getFileStore(p);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** Bytes the current user may still write on the disk holding {@code path}; -1 when unknown. */
    public static long usableSpace(Path path) {
        FileStore fs = fileStore(path);
        try {
            return fs == null ? -1 : fs.getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** "3.2 MB", "512 bytes". */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " bytes";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.0f KB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MB", n / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.1f GB", n / (1024.0 * 1024 * 1024));
    }
}
