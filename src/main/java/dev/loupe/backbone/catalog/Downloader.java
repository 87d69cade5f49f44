package dev.loupe.backbone.catalog;

import dev.loupe.Faults;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one catalog file into place: mirrors in order, into a {@code .part} file that a later attempt resumes with
 * an HTTP Range request (a server that ignores it restarts the file), checked against the pinned size and SHA-256,
 * then moved into place atomically. A file that fails the check is deleted; nothing half-downloaded ever carries the
 * final name. One process downloads a file at a time (a lock file beside it).
 */
public final class Downloader {

    /** Progress of one file: {@code done} of {@code total} bytes ({@code total} −1 while unknown). */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (file, done, total) -> { };

        void progress(String file, long done, long total);
    }

    /** Times a connection may be cut and resumed before the next mirror is tried. */
    static final int RESUMES_PER_MIRROR = 3;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final int connectTimeoutMs;
    private final int readTimeoutMs;

    public Downloader() {
        this(15_000, 60_000);
    }

    public Downloader(int connectTimeoutMs, int readTimeoutMs) {
        this.connectTimeoutMs = connectTimeoutMs;
        this.readTimeoutMs = readTimeoutMs;
    }

    private static final class Unreachable extends IOException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final class HttpStatus extends IOException {
        private static final long serialVersionUID = 1L;

        HttpStatus(String message) {
            super(message);
        }
    }

    private static final class Cancelled extends IOException {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Downloads {@code file} to {@code target} through {@code part}; returns the SHA-256 (hex) of what was stored.
     *
     * @throws DownloadException with the kind of failure and every attempt's outcome
     */
    public String download(CatalogFile file, Path target, Path part, Listener listener, BooleanSupplier cancel)
            throws BackboneException {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new BackboneException("cannot create the model cache folder " + target.getParent() + ": " + Faults.describe(e), e);
        }
        Path lockFile = target.resolveSibling(target.getFileName() + ".lock");
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = tryLock(lockChannel)) {
            if (lock == null) {
                throw new DownloadException(DownloadException.Kind.FAILED, "another Loupe is downloading "
                        + file.file() + " right now; wait for it to finish, then try again", List.of());
            }
            return downloadLocked(file, target, part, listener, cancel);
        } catch (BackboneException e) {
            throw e;
        } catch (IOException e) {
            throw new BackboneException("cannot write to the model cache " + target.getParent() + ": " + Faults.describe(e), e);
        } finally {
            try {
                Files.deleteIfExists(lockFile);
            } catch (IOException ignored) {
                // a stale lock file is harmless: locks are held by the OS, not by the file's existence
            }
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // this JVM already downloads it
        }
    }

    private String downloadLocked(CatalogFile file, Path target, Path part, Listener listener, BooleanSupplier cancel)
            throws BackboneException {
        List<String> attempts = new ArrayList<>();
        boolean reached = false;
        boolean verifyFailed = false;
        for (String url : file.urls()) {
            for (int attempt = 0; attempt <= RESUMES_PER_MIRROR; attempt++) {
                long had = size(part);
                if (file.bytes() > 0 && had > file.bytes()) {
                    delete(part);
                    had = 0;
                }
                try {
                    fetch(url, part, had, file, listener, cancel);
                    reached = true;
                } catch (Cancelled e) {
                    throw new DownloadException(DownloadException.Kind.CANCELLED, "download of " + file.file()
                            + " cancelled; the " + size(part) + " bytes so far are kept in " + part
                            + " and the next attempt resumes from there", attempts);
                } catch (Unreachable e) {
                    attempts.add(url + ": " + Faults.describe(e));
                    break;
                } catch (HttpStatus e) {
                    reached = true;
                    attempts.add(url + ": " + Faults.describe(e));
                    break;
                } catch (IOException e) {
                    reached = true;
                    attempts.add(url + ": connection lost after " + size(part) + " bytes (" + Faults.describe(e) + ")");
                    continue; // resume from what arrived
                }
                String problem = check(part, file);
                if (problem == null) {
                    String sha = BackboneFiles.sha256(part);
                    moveIntoPlace(part, target);
                    return sha;
                }
                delete(part);
                attempts.add(url + ": " + problem + (had > 0 ? " (after resuming an earlier partial download:"
                        + " discarded, downloading it again from the start)" : "; discarded"));
                if (had == 0) {
                    verifyFailed = true;
                    break; // this mirror serves a wrong file: the next one may not
                }
            }
        }
        if (verifyFailed) {
            delete(part);
            throw new DownloadException(DownloadException.Kind.VERIFY_FAILED, file.file() + " was refused: no mirror"
                    + " served the expected file, and nothing was kept (" + String.join("; ", attempts) + ")", attempts);
        }
        if (!reached) {
            throw new DownloadException(DownloadException.Kind.UNREACHABLE, "no mirror of " + file.file()
                    + " could be reached (" + String.join("; ", attempts) + ")", attempts);
        }
        throw new DownloadException(DownloadException.Kind.FAILED, file.file() + " could not be downloaded ("
                + String.join("; ", attempts) + ")", attempts);
    }

    /** Null when {@code part} is the file the catalog describes, else what is wrong with it. */
    private static String check(Path part, CatalogFile file) throws BackboneException {
        long size = size(part);
        if (file.bytes() > 0 && size != file.bytes()) {
            return "got " + size + " bytes, expected " + file.bytes();
        }
        if (size == 0) {
            return "got an empty file";
        }
        if (file.sha256() != null) {
            String sha = BackboneFiles.sha256(part);
            if (!sha.equals(file.sha256())) {
                return "wrong SHA-256 " + sha + " (expected " + file.sha256() + ")";
            }
        }
        if (file.md5() != null) {
            String md5 = md5(part);
            if (!md5.equals(file.md5())) {
                return "wrong MD5 " + md5 + " (the publisher states " + file.md5() + ")";
            }
        }
        return null;
    }

    /** The MD5 (hex) of a file, for publishers that state nothing stronger. */
    static String md5(Path file) throws BackboneException {
        try (InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("MD5");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new BackboneException("cannot read " + file + ": " + Faults.describe(e), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One request: appends to {@code part} from {@code had} bytes on, or rewrites it when the server starts over. */
    private void fetch(String url, Path part, long had, CatalogFile file, Listener listener, BooleanSupplier cancel)
            throws IOException {
        if (cancel.getAsBoolean()) {
            throw new Cancelled();
        }
        HttpURLConnection conn;
        int code;
        try {
            conn = (HttpURLConnection) URI.create(url).toURL().openConnection();
            conn.setConnectTimeout(connectTimeoutMs);
            conn.setReadTimeout(readTimeoutMs);
            conn.setInstanceFollowRedirects(true);
            conn.setRequestProperty("User-Agent", "Loupe (model catalog)");
            conn.setRequestProperty("Accept-Encoding", "identity");
            if (had > 0) {
                conn.setRequestProperty("Range", "bytes=" + had + "-");
            }
            code = conn.getResponseCode();
        } catch (UnknownHostException e) {
            throw new Unreachable("unknown host " + Faults.describe(e) + " (offline?)", e);
        } catch (ConnectException | NoRouteToHostException e) {
            throw new Unreachable("cannot connect (" + Faults.describe(e) + ")", e);
        } catch (SocketTimeoutException e) {
            throw new Unreachable("no answer within " + connectTimeoutMs / 1000 + " s", e);
        } catch (IllegalArgumentException e) {
            throw new HttpStatus("not a valid URL (" + Faults.describe(e) + ")");
        }
        try {
            boolean append;
            long total;
            if (code == HttpURLConnection.HTTP_PARTIAL && had > 0) {
                Matcher m = CONTENT_RANGE.matcher(String.valueOf(conn.getHeaderField("Content-Range")));
                if (!m.matches() || Long.parseLong(m.group(1)) != had) {
                    delete(part);
                    throw new IOException("the server resumed at another offset (" + conn.getHeaderField("Content-Range") + ")");
                }
                append = true;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            } else if (code == HttpURLConnection.HTTP_OK) {
                append = false; // a fresh download, or a server that ignores Range: start over
                total = conn.getContentLengthLong();
            } else if (code == 416 && had > 0) {
                return; // nothing past what we have: the check decides whether it is complete
            } else {
                throw new HttpStatus("HTTP " + code + " " + String.valueOf(conn.getResponseMessage()).trim());
            }
            if (total < 0 && file.bytes() > 0) {
                total = file.bytes();
            }
            copy(conn, part, append ? had : 0, total, append, file.file(), listener, cancel);
        } finally {
            conn.disconnect();
        }
    }

    private static void copy(HttpURLConnection conn, Path part, long start, long total, boolean append, String name,
                             Listener listener, BooleanSupplier cancel) throws IOException {
        long expected = conn.getContentLengthLong();
        long received = 0;
        StandardOpenOption mode = append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        try (InputStream in = conn.getInputStream();
             FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
            byte[] buffer = new byte[1 << 16];
            long done = start;
            listener.progress(name, done, total);
            for (int n; (n = in.read(buffer)) >= 0; ) {
                ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                received += n;
                done += n;
                listener.progress(name, done, total);
                if (cancel.getAsBoolean()) {
                    out.force(true);
                    throw new Cancelled();
                }
            }
            out.force(true);
        }
        if (expected >= 0 && received < expected) {
            throw new IOException("the server sent " + received + " of " + expected + " bytes");
        }
    }

    private static void moveIntoPlace(Path part, Path target) throws BackboneException {
        try {
            BackboneFiles.moveIntoPlace(part, target);
        } catch (IOException e) {
            throw new BackboneException("cannot move the download into " + target + ": " + Faults.describe(e), e);
        }
    }

    static long size(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a leftover .part is resumed or replaced by the next attempt
        }
    }

    /** A status line for a download: {@code Downloading a.onnx: 4.2 MB of 13.9 MB}. */
    public static String progressText(String file, long done, long total) {
        return "Downloading " + file + ": " + size(done) + (total > 0 ? " of " + size(total) : "");
    }

    private static String size(long bytes) {
        return bytes < 1_000_000 ? String.format(Locale.ROOT, "%.0f kB", bytes / 1e3)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    /** A size for people: {@code 13.9 MB}. */
    public static String humanBytes(long bytes) {
        if (bytes <= 0) {
            return "size unknown";
        }
        if (bytes < 1_000_000) {
            return String.format(Locale.ROOT, "%.0f kB", bytes / 1e3);
        }
        return String.format(Locale.ROOT, bytes < 10_000_000_000L ? "%.1f MB" : "%.0f MB", bytes / 1e6);
    }
}
