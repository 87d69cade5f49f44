package dev.loupe.project;

import dev.loupe.LoupeException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Creating a new project folder all or nothing: refuse an existing project, undo a half-made one. */
public final class ProjectFolders {

    private ProjectFolders() {
    }

    /**
     * The folder for a new project, absolute; refuses a file or a non-empty folder. Returns whether it existed (empty),
     * for {@link #removeQuietly}.
     */
    public static boolean requireNew(Path dir) {
        boolean existed = Files.exists(dir);
        if (existed && (!Files.isDirectory(dir) || !isEmpty(dir))) {
            throw new LoupeException(dir + " already exists; give a new folder for the new project.");
        }
        return existed;
    }

    /** Undoes a half-made project: the folder goes if this run made it, else only its contents. */
    public static void removeQuietly(Path dir, boolean keepFolder) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    if (!(keepFolder && d.equals(dir))) {
                        Files.delete(d);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: the user is told about the original failure
        }
    }

    private static boolean isEmpty(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }
}
