package dev.loupe.importing;

import dev.loupe.DiskFullException;
import dev.loupe.LoupeException;
import dev.loupe.project.ProjectStore;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The sample project a first run opens: {@code sample-images/} (shipped beside the code) imported once, with
 * labels from its subfolders, into {@code <loupe home>/sample.loupe}.
 */
public final class SampleProject {

    /** System property naming Loupe's home folder (default {@code ~/.loupe}); tests point it elsewhere. */
    public static final String HOME_PROPERTY = "loupe.home";
    /** System property naming the sample images folder explicitly (packagers, tests). */
    public static final String IMAGES_PROPERTY = "loupe.sampleImages";
    static final String IMAGES_FOLDER = "sample-images";
    /** Setting written once the sample import ran to the end; until then the next start resumes it. */
    static final String COMPLETE_SETTING = "sample.imported";

    private SampleProject() {
    }

    /** Loupe's home folder: {@code -Dloupe.home}, else {@code ~/.loupe}. */
    public static Path home() {
        String p = System.getProperty(HOME_PROPERTY);
        return p != null && !p.isBlank() ? Path.of(p) : Path.of(System.getProperty("user.home"), ".loupe");
    }

    /** Where the sample project lives. */
    public static Path projectDir() {
        return home().resolve("sample.loupe");
    }

    /**
     * Finds {@code sample-images/} the way Model Zero is found: {@code -Dloupe.sampleImages}, the working folder,
     * then next to or up to two folders above the jar or classes folder.
     */
    public static Optional<Path> locateImages() {
        String property = System.getProperty(IMAGES_PROPERTY);
        if (property != null && !property.isBlank()) {
            Path p = Path.of(property);
            return Files.isDirectory(p) ? Optional.of(p.toAbsolutePath().normalize()) : Optional.empty();
        }
        Path cwd = Path.of("").toAbsolutePath().resolve(IMAGES_FOLDER);
        if (Files.isDirectory(cwd)) {
            return Optional.of(cwd);
        }
        try {
            var source = SampleProject.class.getProtectionDomain().getCodeSource();
            if (source != null) {
                Path code = Path.of(source.getLocation().toURI());
                Path dir = Files.isDirectory(code) ? code : code.getParent();
                for (int up = 0; up <= 2 && dir != null; up++, dir = dir.getParent()) {
                    if (Files.isDirectory(dir.resolve(IMAGES_FOLDER))) {
                        return Optional.of(dir.resolve(IMAGES_FOLDER));
                    }
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // no code location: only the working folder counts
        }
        return Optional.empty();
    }

    /** Whether the sample import into this store already ran to the end. */
    public static boolean isComplete(ProjectStore store) {
        return store.setting(COMPLETE_SETTING).isPresent();
    }

    /**
     * Imports {@code images} with labels from subfolders (files already imported are skipped, so an interrupted
     * import resumes) and marks the project complete unless cancelled.
     */
    public static ImportReport importInto(ProjectStore store, Path images, ImportListener listener,
                                          BooleanSupplier cancel) throws IOException {
        ImportReport report = StoreImportSink.importInto(store, ImportOptions.of(images).withLabelsFromSubfolders(true)
                .withListener(listener).withCancel(cancel));
        if (report.diskFull()) { // not complete: the next start resumes it
            throw DiskFullException.of(store.dir(), "the sample images could not all be imported", -1,
                    "open the sample project again: the import goes on where it stopped", null);
        }
        if (report.stopped() != null) {
            throw new LoupeException(report.stopped());
        }
        if (!report.cancelled()) {
            store.setSetting(COMPLETE_SETTING, "true");
        }
        return report;
    }
}
