package dev.loupe.backbone.catalog;

import java.util.List;
import java.util.Objects;

/**
 * One file of a catalog model: its role, the name it gets in the cache, where to fetch it (mirrors, tried in order),
 * and what it must be.
 *
 * @param role   what the file is to the model: {@value #IMAGE_MODEL} (the ONNX model that embeds images; every entry
 *               has one), or any other name an engine looks up, e.g. a CLIP pair's {@code text_model} and
 *               {@code vocabulary}
 * @param file   the file name in the cache (and in a project: companions keep it)
 * @param urls   mirrors, tried in order
 * @param sha256 the SHA-256 (hex) a trustworthy source states for the file; null when none does
 * @param bytes  the file's size in bytes; 0 when not known
 * @param md5    the MD5 (hex) the publisher states, where that is all it states (null otherwise): a check against
 *               damage and wrong files, not a pin — such a file is trusted as an unpinned one is (docs/adr/0019-onnx.md),
 *               and must also match this
 */
public record CatalogFile(String role, String file, List<String> urls, String sha256, long bytes, String md5) {

    /** The role of the ONNX model that turns images into embeddings. */
    public static final String IMAGE_MODEL = "image_model";

    public CatalogFile {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(file, "file");
        if (file.isBlank() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
            throw new IllegalArgumentException("a catalog file name must be a plain name: '" + file + "'");
        }
        urls = urls == null ? List.of() : List.copyOf(urls);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("catalog file " + file + " has no URL");
        }
        sha256 = sha256 == null || sha256.isBlank() ? null : sha256.toLowerCase(java.util.Locale.ROOT);
        md5 = md5 == null || md5.isBlank() ? null : md5.toLowerCase(java.util.Locale.ROOT);
    }

    /** A file with no stated MD5. */
    public CatalogFile(String role, String file, List<String> urls, String sha256, long bytes) {
        this(role, file, urls, sha256, bytes, null);
    }

    /** Whether a trustworthy source pins the file's hash. */
    public boolean pinned() {
        return sha256 != null;
    }
}
