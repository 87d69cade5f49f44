package dev.loupe.importing;

import dev.loupe.project.ImageRecord;
import dev.loupe.project.ImageRelink;
import dev.loupe.project.ProjectStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Finds a project's lost images again ("Locate missing images…", {@code loupe locate}): searches a folder the user
 * picks for files with the same content as images whose files are gone, and points the project at them. Only files
 * of a size some lost image has are read, so a large folder with few matches is quick; nothing new is imported.
 */
public final class MissingImages {

    /** What a search did: images found again, images still missing, and files read to find them. */
    public record Result(int relinked, int stillMissing, int filesHashed, boolean cancelled) {
    }

    private MissingImages() {
    }

    /** The images whose files are gone (whatever their status says: it is updated only when a session opens). */
    public static List<ImageRecord> lost(ProjectStore store) {
        List<ImageRecord> out = new ArrayList<>();
        for (ImageRecord r : store.images()) {
            if (r.sha256() != null && !Files.exists(r.path())) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * The import folder of a file found again: where its old path relative to its import folder still fits (a moved or
     * renamed folder), the same relative path is kept, so CSV lines and labels written against it still name it.
     */
    static Path rootFor(Path file, String oldRelPath, Path searched) {
        Path rel = Path.of(oldRelPath);
        Path root = file;
        for (int i = 0; i < rel.getNameCount() && root != null; i++) {
            root = root.getParent();
        }
        return root != null && file.endsWith(rel) ? root : searched;
    }

    /** Searches {@code folder} (recursively) for the lost images; progress is files looked at of files found. */
    public static Result locate(ProjectStore store, Path folder, ImportListener listener, BooleanSupplier cancel)
            throws IOException {
        List<ImageRecord> lost = lost(store);
        Map<Long, List<ImageRecord>> bySize = new HashMap<>();
        for (ImageRecord r : lost) {
            bySize.computeIfAbsent(r.sizeBytes(), k -> new ArrayList<>()).add(r);
        }
        ScanResult scan = new FolderScanner().scan(folder.toAbsolutePath().normalize());
        Path root = folder.toAbsolutePath().normalize();
        List<ImageRelink> moves = new ArrayList<>();
        Set<Long> found = new HashSet<>();
        int hashed = 0;
        int done = 0;
        boolean cancelled = false;
        for (Path file : scan.candidates()) {
            if (found.size() == lost.size()) {
                break;
            }
            if (cancel.getAsBoolean()) {
                cancelled = true;
                break;
            }
            listener.progress(++done, scan.candidates().size(), file);
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (IOException e) {
                continue; // unreadable here: it cannot be the lost image either
            }
            List<ImageRecord> sameSize = bySize.get(attrs.size());
            if (sameSize == null) {
                continue;
            }
            String sha;
            try {
                sha = Importer.sha256(file);
                hashed++;
            } catch (IOException e) {
                continue;
            }
            for (ImageRecord r : sameSize) {
                if (sha.equalsIgnoreCase(r.sha256()) && found.add(r.id())) {
                    moves.add(new ImageRelink(r.id(), file, rootFor(file, r.relPath(), root), attrs.size(),
                            attrs.lastModifiedTime().toMillis()));
                    break;
                }
            }
        }
        int relinked = store.relinkImages(moves);
        return new Result(relinked, lost.size() - relinked, hashed, cancelled);
    }
}
