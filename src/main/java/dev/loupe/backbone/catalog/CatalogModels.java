package dev.loupe.backbone.catalog;

import dev.loupe.Faults;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.clip.ClipPair;
import dev.loupe.backbone.onnx.OnnxBackbone;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The catalog's models on this machine: downloads an entry's files into the per-user {@link ModelCache} (or takes
 * files the user fetched by hand), verifies them, and says how to open the image model.
 *
 * <p>Trust: a file whose SHA-256 the catalog pins must match it, byte for byte, wherever it came from. A file with no
 * pinned hash must have the stated size and open as the entry says (the image model is loaded and its embedding
 * length checked); its SHA-256 is then recorded beside it and shown, and every later use checks the file against that
 * record. Anything that fails is deleted: the cache holds verified files and resumable {@code .part} files only.
 */
public final class CatalogModels {

    private final Catalog catalog;
    private final ModelCache cache;
    private final Downloader downloader;

    public CatalogModels(Catalog catalog, ModelCache cache, Downloader downloader) {
        this.catalog = catalog;
        this.cache = cache;
        this.downloader = downloader;
    }

    /** The user's catalog and cache with the standard downloader. */
    public static CatalogModels standard() throws BackboneException {
        return new CatalogModels(Catalog.load(), ModelCache.standard(), new Downloader());
    }

    public Catalog catalog() {
        return catalog;
    }

    public ModelCache cache() {
        return cache;
    }

    /**
     * An entry's files on this machine.
     *
     * @param imageModel  the image model's path in the cache
     * @param files       every file's path, by role
     * @param imageSha256 the image model's SHA-256 (pinned, or recorded when it was stored)
     * @param pinned      whether the catalog pins every file's hash
     * @param downloaded  whether this call downloaded or stored anything
     */
    public record Fetched(CatalogEntry entry, Path imageModel, Map<String, Path> files, String imageSha256,
                          boolean pinned, boolean downloaded) {

        /** How to open the image model: the entry's settings with its verified hash and companions. */
        public OnnxBackbone.Options options() {
            return entry.options(imageSha256);
        }
    }

    /** Whether every file of the entry is in the cache (verified when it was stored). */
    public boolean isCached(CatalogEntry entry) {
        return entry.files().stream().allMatch(f -> Files.isRegularFile(cache.file(entry, f))
                && (f.pinned() || Files.isRegularFile(cache.recordedHash(entry, f))));
    }

    /**
     * Makes sure every file of {@code entry} is in the cache, downloading what is missing (progress to
     * {@code listener}; {@code cancel} is polled), and checks the image model opens as the entry says.
     */
    public Fetched fetch(CatalogEntry entry, Downloader.Listener listener, BooleanSupplier cancel)
            throws BackboneException {
        List<CatalogFile> stored = new ArrayList<>();
        for (CatalogFile f : entry.files()) {
            if (Files.isRegularFile(cache.file(entry, f)) && (f.pinned() || Files.isRegularFile(cache.recordedHash(entry, f)))) {
                continue;
            }
            String sha;
            try {
                sha = downloader.download(f, cache.file(entry, f), cache.part(entry, f), listener, cancel);
            } catch (DownloadException e) {
                throw explained(entry, f, e);
            }
            stored.add(f);
            if (!f.pinned()) {
                record(entry, f, sha);
            }
        }
        return verified(entry, stored);
    }

    /**
     * Stores files the user downloaded by hand ({@code given}: the files, or folders holding them, matched by file
     * name; a single-file entry takes any one file), with the same checks as a download.
     */
    public Fetched importFiles(CatalogEntry entry, List<Path> given) throws BackboneException {
        Map<CatalogFile, Path> sources = match(entry, given);
        List<CatalogFile> stored = new ArrayList<>();
        for (Map.Entry<CatalogFile, Path> s : sources.entrySet()) {
            CatalogFile f = s.getKey();
            Path source = s.getValue();
            String sha = BackboneFiles.sha256(source);
            if (f.pinned() && !sha.equals(f.sha256())) {
                throw new BackboneException(source + " is not " + entry.name() + "'s " + f.file() + ": its SHA-256 is "
                        + sha + " but the catalog pins " + f.sha256() + ". Nothing was stored.");
            }
            if (f.bytes() > 0 && Downloader.size(source) != f.bytes()) {
                throw new BackboneException(source + " has " + Downloader.size(source) + " bytes but " + entry.name()
                        + "'s " + f.file() + " has " + f.bytes() + ". Nothing was stored.");
            }
            if (f.md5() != null && !Downloader.md5(source).equals(f.md5())) {
                throw new BackboneException(source + " is not " + entry.name() + "'s " + f.file() + ": its MD5 is "
                        + Downloader.md5(source) + " but the publisher states " + f.md5() + ". Nothing was stored.");
            }
            Path target = cache.file(entry, f);
            Path tmp = cache.part(entry, f).resolveSibling(f.file() + ".import");
            try {
                Files.createDirectories(target.getParent());
                Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
                BackboneFiles.moveIntoPlace(tmp, target);
            } catch (IOException e) {
                Downloader.delete(tmp);
                throw new BackboneException("cannot store " + source + " in the model cache " + cache.root() + ": "
                        + Faults.describe(e), e);
            }
            stored.add(f);
            if (!f.pinned()) {
                record(entry, f, sha);
            }
        }
        return verified(entry, stored);
    }

    private Map<CatalogFile, Path> match(CatalogEntry entry, List<Path> given) throws BackboneException {
        Map<CatalogFile, Path> out = new LinkedHashMap<>();
        if (entry.files().size() == 1 && given.size() == 1 && Files.isRegularFile(given.get(0))) {
            out.put(entry.files().get(0), given.get(0));
            return out;
        }
        for (CatalogFile f : entry.files()) {
            for (Path g : given) {
                Path candidate = Files.isDirectory(g) ? g.resolve(f.file()) : g;
                if (Files.isRegularFile(candidate) && candidate.getFileName().toString().equals(f.file())) {
                    out.put(f, candidate);
                    break;
                }
            }
            if (!out.containsKey(f) && !Files.isRegularFile(cache.file(entry, f))) {
                throw new BackboneException(entry.name() + " needs " + f.file() + ", which is not among " + given
                        + " (give the file, or the folder that holds it)");
            }
        }
        return out;
    }

    /** Opens the image model as the entry says; on failure deletes what was just stored and explains. */
    private Fetched verified(CatalogEntry entry, List<CatalogFile> stored) throws BackboneException {
        if (stored.isEmpty()) {
            return fetched(entry, false); // checked when stored; opening it checks the hash again
        }
        Fetched fetched;
        try {
            fetched = fetched(entry, !stored.isEmpty());
            try (OnnxBackbone b = OnnxBackbone.open(fetched.imageModel(), fetched.options())) {
                if (entry.dim() > 0 && b.dim() != entry.dim()) {
                    throw new BackboneException(fetched.imageModel().getFileName() + " gives " + b.dim()
                            + "-value embeddings but the catalog says " + entry.name() + " gives " + entry.dim());
                }
                // A text model is checked the same way: it must load, with its vocabulary, and match the images.
                Optional<ClipPair> pair = ClipPair.of(fetched.imageModel(), b.metadata());
                if (pair.isPresent()) {
                    pair.get().check(b.dim());
                }
            }
        } catch (BackboneException e) {
            for (CatalogFile f : stored) {
                Downloader.delete(cache.file(entry, f));
                Downloader.delete(cache.recordedHash(entry, f));
            }
            throw new BackboneException("The files of " + entry.name() + " were refused and removed from the cache: "
                    + e.getMessage(), e);
        }
        return fetched;
    }

    private Fetched fetched(CatalogEntry entry, boolean downloaded) throws BackboneException {
        Map<String, Path> files = new LinkedHashMap<>();
        for (CatalogFile f : entry.files()) {
            files.put(f.role(), cache.file(entry, f));
        }
        CatalogFile image = entry.imageModel();
        String sha = image.pinned() ? image.sha256() : recorded(entry, image);
        boolean pinned = entry.files().stream().allMatch(CatalogFile::pinned);
        return new Fetched(entry, cache.file(entry, image), files, sha, pinned, downloaded);
    }

    private void record(CatalogEntry entry, CatalogFile f, String sha) throws BackboneException {
        Path file = cache.recordedHash(entry, f);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, sha + "  " + f.file() + "\n", StandardCharsets.UTF_8);
            BackboneFiles.moveIntoPlace(tmp, file);
        } catch (IOException e) {
            throw new BackboneException("cannot record the hash of " + f.file() + " in " + file + ": " + Faults.describe(e), e);
        }
    }

    /** The SHA-256 recorded when an unpinned file was stored. */
    public String recorded(CatalogEntry entry, CatalogFile f) throws BackboneException {
        try {
            String line = Files.readString(cache.recordedHash(entry, f), StandardCharsets.UTF_8).trim();
            return line.split("\\s+")[0];
        } catch (IOException e) {
            throw new BackboneException("the recorded hash of " + f.file() + " is missing; fetch the model again"
                    + " (loupe models get " + entry.name() + ")", e);
        }
    }

    /** A download failure in the user's terms; offline, with the URLs to fetch by hand and the commands to use them. */
    private BackboneException explained(CatalogEntry entry, CatalogFile failed, DownloadException e) {
        String head = "Cannot download " + entry.name() + " (" + failed.file() + "): ";
        return switch (e.kind()) {
            case CANCELLED -> new DownloadException(e.kind(), "Download of " + entry.name() + " cancelled. "
                    + "`loupe models get " + entry.name() + "` resumes it.", e.attempts());
            case VERIFY_FAILED -> new DownloadException(e.kind(), head + e.getMessage(), e.attempts());
            case UNREACHABLE, FAILED -> new DownloadException(e.kind(), head
                    + (e.kind() == DownloadException.Kind.UNREACHABLE ? "no mirror could be reached:" : "every mirror failed:")
                    + "\n  " + String.join("\n  ", e.attempts()) + "\n" + byHand(entry), e.attempts());
        };
    }

    /** How to get an entry without Loupe's download: the URLs, and the exact commands that take the files in. */
    public String byHand(CatalogEntry entry) {
        StringBuilder b = new StringBuilder("Fetch ");
        b.append(entry.files().size() == 1 ? "the file" : "the files").append(" by hand (a browser, curl), from a"
                + " machine with a network if this one has none:\n");
        for (CatalogFile f : entry.files()) {
            b.append("  ").append(f.urls().get(0)).append("\n    (").append(f.file()).append(", ")
                    .append(Downloader.humanBytes(f.bytes()))
                    .append(f.pinned() ? ", SHA-256 " + f.sha256() : ", no published SHA-256").append(")\n");
        }
        b.append("then let Loupe check ").append(entry.files().size() == 1 ? "it" : "them")
                .append(" and keep ").append(entry.files().size() == 1 ? "it" : "them").append(" in its cache (")
                .append(cache.root()).append("):\n");
        b.append("  loupe models get ").append(entry.name()).append(" --from ")
                .append(entry.files().size() == 1 ? "DOWNLOADED/" + entry.files().get(0).file() : "DOWNLOADED-FOLDER")
                .append("\nand create the project with:\n  loupe new PROJECT --backbone ").append(entry.name());
        return b.toString();
    }
}
