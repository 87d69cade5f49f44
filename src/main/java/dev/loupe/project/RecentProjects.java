package dev.loupe.project;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The projects opened last, newest first, kept as one path a line in a small text file (Loupe's home folder's
 * {@code recent.txt}). Losing it is harmless, so read and write failures are ignored.
 */
public final class RecentProjects {

    public static final int MAX = 8;
    private final Path file;

    public RecentProjects(Path file) {
        this.file = file;
    }

    /** The recent projects that still exist, newest first. */
    public List<Path> list() {
        try {
            if (!Files.isRegularFile(file)) {
                return List.of();
            }
            Set<Path> out = new LinkedHashSet<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    Path p = Path.of(line.strip());
                    if (Files.isDirectory(p)) {
                        out.add(p);
                    }
                }
            }
            return List.copyOf(out).subList(0, Math.min(MAX, out.size()));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** Puts {@code dir} first; returns the new list. */
    public List<Path> add(Path dir) {
        Path p = dir.toAbsolutePath().normalize();
        List<Path> now = new ArrayList<>(list());
        now.remove(p);
        now.add(0, p);
        List<Path> kept = now.subList(0, Math.min(MAX, now.size()));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, kept.stream().map(Path::toString).toList(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            // a lost recent list costs the user one Open… — not worth an error dialog
        }
        return List.copyOf(kept);
    }
}
