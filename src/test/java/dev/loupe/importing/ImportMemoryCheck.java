package dev.loupe.importing;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs one import in its own JVM so {@link ImportMemoryTest} can give it a small heap. Arguments:
 * folder, thumbnail folder, result file. Writes one line per file (IMPORTED/DUPLICATE is implied by
 * the counts, SKIP with its reason) and a REPORT line, UTF-8.
 */
public final class ImportMemoryCheck {
    private ImportMemoryCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]).toAbsolutePath();
        FakeSink sink = new FakeSink();
        ImportReport r = new Importer(new ImageDecoder(), new ThumbnailCache(Path.of(args[1])))
                .run(ImportOptions.of(root).withThreads(4).withLabelsFromSubfolders(true), sink);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[2]), StandardCharsets.UTF_8))) {
            for (ImportedImage img : sink.byRelPath.values()) {
                out.println("IMPORTED\t" + img.relPath());
            }
            for (SkippedFile s : r.skipped()) {
                out.println("SKIP\t" + Importer.relPath(root, s.path()) + "\t" + s.reason());
            }
            out.printf("REPORT\t%d\t%d\t%d\t%d\t%d%n", r.found(), r.imported(), r.duplicates(), r.skipped().size(),
                    Runtime.getRuntime().maxMemory() >> 20);
        }
        System.exit(r.accountsForEveryFile() ? 0 : 3);
    }
}
