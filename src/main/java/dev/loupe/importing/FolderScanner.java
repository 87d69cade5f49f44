package dev.loupe.importing;

import dev.loupe.Faults;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks a folder tree for image files. Follows symbolic links but enters each real directory only
 * once, leaves hidden entries alone, and reports every other file it cannot use with a reason
 * instead of throwing.
 */
public final class FolderScanner {
    private static final Logger LOG = LoggerFactory.getLogger(FolderScanner.class);

    /** Lower-case file extensions that are treated as image candidates. */
    public static final Set<String> IMAGE_EXTENSIONS =
            Set.of("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp");

    /**
     * Scans {@code root} recursively. Only a root that is missing or not a folder throws; anything
     * wrong below it becomes a {@link SkippedFile}.
     */
    public ScanResult scan(Path root) throws IOException {
        Path start = root.toAbsolutePath().normalize();
        if (!Files.exists(start)) {
            throw new NoSuchFileException(start.toString());
        }
        if (!Files.isDirectory(start)) {
            throw new NotDirectoryException(start.toString());
        }
        List<Path> candidates = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        int hidden = 0;
        // The real path of every directory entered: a symlink back to an ancestor (or to a folder
        // already seen through another link) is not entered again, so loops terminate.
        Set<Path> visited = new HashSet<>();
        // An explicit stack instead of recursion: very deep trees must not overflow the thread stack.
        Deque<Path> stack = new ArrayDeque<>();
        stack.push(start);
        while (!stack.isEmpty()) {
            Path dir = stack.pop();
            Path real;
            try {
                real = dir.toRealPath();
            } catch (IOException e) {
                skipped.add(new SkippedFile(dir, "unreadable folder: " + describe(e)));
                continue;
            }
            if (!visited.add(real)) {
                LOG.debug("Not entering {} again (it is {})", dir, real);
                continue;
            }
            List<Path> entries = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    entries.add(p);
                }
            } catch (IOException | RuntimeException e) {
                skipped.add(new SkippedFile(dir, "unreadable folder: " + describe(e)));
                continue;
            }
            entries.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            List<Path> subdirs = new ArrayList<>();
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.startsWith(".")) {
                    hidden++;
                    continue;
                }
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(entry, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    boolean link = Files.isSymbolicLink(entry);
                    skipped.add(new SkippedFile(entry, link ? "broken symbolic link" : "file disappeared during scan"));
                    continue;
                } catch (IOException e) {
                    skipped.add(new SkippedFile(entry, "unreadable: " + describe(e)));
                    continue;
                }
                if (attrs.isDirectory()) {
                    subdirs.add(entry);
                } else if (attrs.isRegularFile()) {
                    String notImage = notAnImageReason(name);
                    if (notImage == null) {
                        candidates.add(entry);
                    } else {
                        skipped.add(new SkippedFile(entry, notImage));
                    }
                } else {
                    // FIFOs, sockets, devices: opening a FIFO would block the import forever.
                    skipped.add(new SkippedFile(entry, "not a regular file"));
                }
            }
            for (int i = subdirs.size() - 1; i >= 0; i--) {
                stack.push(subdirs.get(i));
            }
        }
        return new ScanResult(candidates, skipped, hidden);
    }

    /** Why a file of this name is no image candidate ("not an image file (.txt)"), or null when it is one. */
    public static String notAnImageReason(String fileName) {
        String ext = extension(fileName);
        if (IMAGE_EXTENSIONS.contains(ext)) {
            return null;
        }
        return ext.isEmpty() ? "not an image file (no extension)" : "not an image file (." + ext + ")";
    }

    /** Whether a file name has one of the {@link #IMAGE_EXTENSIONS}, ignoring case. */
    public static boolean isImageName(String fileName) {
        return IMAGE_EXTENSIONS.contains(extension(fileName));
    }

    static String extension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot <= 0 || dot == fileName.length() - 1) {
            return "";
        }
        return fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** A short, user-facing description of a file system failure. */
    static String describe(Throwable e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        String msg = Faults.describe(e);
        return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
    }
}
