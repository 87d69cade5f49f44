package dev.loupe.importing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class FolderScannerTest {
    @TempDir
    Path root;

    private final FolderScanner scanner = new FolderScanner();

    private static Path touch(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        return Files.writeString(p, "x");
    }

    private List<String> rel(List<Path> paths) {
        return paths.stream().map(p -> Importer.relPath(root, p)).collect(Collectors.toList());
    }

    private Map<String, String> reasons(ScanResult r) {
        return r.skipped().stream().collect(Collectors.toMap(s -> Importer.relPath(root, s.path()), SkippedFile::reason));
    }

    @Test
    void extensionsAreCaseInsensitiveAndOthersAreReported() throws Exception {
        for (String n : List.of("a.JPG", "b.jpeg", "c.Png", "d.gif", "e.BMP", "f.tif", "g.TIFF", "h.webp")) {
            touch(root.resolve(n));
        }
        touch(root.resolve("notes.txt"));
        touch(root.resolve("Makefile"));
        touch(root.resolve("archive.tar.GZ"));
        ScanResult r = scanner.scan(root);
        assertThat(rel(r.candidates())).containsExactly("a.JPG", "b.jpeg", "c.Png", "d.gif", "e.BMP", "f.tif", "g.TIFF", "h.webp");
        assertThat(reasons(r)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "notes.txt", "not an image file (.txt)",
                "Makefile", "not an image file (no extension)",
                "archive.tar.GZ", "not an image file (.gz)"));
        assertThat(r.found()).isEqualTo(11);
    }

    @Test
    void hiddenFilesAndFoldersAreLeftAlone() throws Exception {
        touch(root.resolve(".DS_Store"));
        touch(root.resolve(".thumbs/a.png"));
        touch(root.resolve("sub/.b.png"));
        touch(root.resolve("sub/c.png"));
        ScanResult r = scanner.scan(root);
        assertThat(rel(r.candidates())).containsExactly("sub/c.png");
        assertThat(r.skipped()).isEmpty();
        assertThat(r.hiddenIgnored()).isEqualTo(3);
    }

    @Test
    @Timeout(10)
    void symlinkLoopsTerminateAndEachRealFolderIsEnteredOnce() throws Exception {
        touch(root.resolve("a/x.png"));
        touch(root.resolve("b/y.png"));
        Files.createSymbolicLink(root.resolve("a/loop"), root);           // back to an ancestor
        Files.createSymbolicLink(root.resolve("b/self"), root.resolve("b"));
        Files.createSymbolicLink(root.resolve("c"), root.resolve("a"));   // the same folder twice
        ScanResult r = scanner.scan(root);
        assertThat(rel(r.candidates())).containsExactly("a/x.png", "b/y.png");
        assertThat(r.skipped()).isEmpty();
    }

    @Test
    void followsSymlinksToFoldersOutsideTheRoot(@TempDir Path elsewhere) throws Exception {
        touch(elsewhere.resolve("z.png"));
        Files.createSymbolicLink(root.resolve("linked"), elsewhere);
        Files.createSymbolicLink(root.resolve("file-link.png"), elsewhere.resolve("z.png"));
        ScanResult r = scanner.scan(root);
        assertThat(rel(r.candidates())).containsExactly("file-link.png", "linked/z.png");
    }

    @Test
    void brokenSymlinkIsReported() throws Exception {
        Files.createSymbolicLink(root.resolve("gone.png"), root.resolve("nowhere.png"));
        assertThat(reasons(scanner.scan(root))).containsExactly(Map.entry("gone.png", "broken symbolic link"));
    }

    @Test
    void unreadableFolderIsReportedNotThrown() throws Exception {
        touch(root.resolve("ok/a.png"));
        Path locked = Files.createDirectories(root.resolve("locked"));
        touch(locked.resolve("b.png"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        try {
            Assumptions.assumeFalse(Files.isReadable(locked), "running as root: permissions are not enforced");
            ScanResult r = scanner.scan(root);
            assertThat(rel(r.candidates())).containsExactly("ok/a.png");
            assertThat(reasons(r)).containsExactly(Map.entry("locked", "unreadable folder: permission denied"));
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void fifoIsNotOpened() throws Exception {
        Path fifo = root.resolve("pipe.png");
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            Assumptions.abort("no mkfifo here");
            return;
        }
        Assumptions.assumeTrue(p.waitFor() == 0 && Files.exists(fifo), "mkfifo failed");
        assertThat(reasons(scanner.scan(root))).containsExactly(Map.entry("pipe.png", "not a regular file"));
    }

    @Test
    void unicodeNames() throws Exception {
        touch(root.resolve("café 日本.png"));
        touch(root.resolve("Ωmega/ünïcødé.JPG"));
        assertThat(rel(scanner.scan(root).candidates())).containsExactly("café 日本.png", "Ωmega/ünïcødé.JPG");
    }

    @Test
    void missingRootThrows() {
        assertThatThrownBy(() -> scanner.scan(root.resolve("absent"))).isInstanceOf(NoSuchFileException.class);
    }
}
