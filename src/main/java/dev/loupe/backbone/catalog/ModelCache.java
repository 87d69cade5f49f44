package dev.loupe.backbone.catalog;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Where downloaded models live, per user: {@value #PROPERTY} when set (tests, packagers), else
 * {@code $XDG_CACHE_HOME/loupe/models}, else the platform's cache folder ({@code ~/.cache/loupe/models} on Linux,
 * {@code ~/Library/Caches/loupe/models} on macOS, {@code %LOCALAPPDATA%\loupe\models} on Windows). Each entry gets
 * a folder named after it.
 */
public final class ModelCache {

    /** System property naming the cache folder. */
    public static final String PROPERTY = "loupe.modelCache";

    private final Path root;

    public ModelCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The user's cache, as described above. */
    public static ModelCache standard() {
        String set = System.getProperty(PROPERTY);
        if (set != null && !set.isBlank()) {
            return new ModelCache(Path.of(set));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return new ModelCache(Path.of(xdg, "loupe", "models"));
        }
        Path home = Path.of(System.getProperty("user.home"));
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("win")) {
            String local = System.getenv("LOCALAPPDATA");
            return new ModelCache(local != null ? Path.of(local, "loupe", "models") : home.resolve("AppData/Local/loupe/models"));
        }
        if (os.contains("mac")) {
            return new ModelCache(home.resolve("Library/Caches/loupe/models"));
        }
        return new ModelCache(home.resolve(".cache/loupe/models"));
    }

    public Path root() {
        return root;
    }

    /** The folder of one entry's files. */
    public Path folder(CatalogEntry entry) {
        return root.resolve(entry.name());
    }

    /** Where a file of an entry lives once downloaded and verified. */
    public Path file(CatalogEntry entry, CatalogFile file) {
        return folder(entry).resolve(file.file());
    }

    /** The partial download of a file ({@code .part}), kept between attempts so a download can resume. */
    public Path part(CatalogEntry entry, CatalogFile file) {
        return folder(entry).resolve(file.file() + ".part");
    }

    /** The SHA-256 Loupe measured when it stored the file (for files whose hash no source pins). */
    public Path recordedHash(CatalogEntry entry, CatalogFile file) {
        return folder(entry).resolve(file.file() + ".sha256");
    }
}
