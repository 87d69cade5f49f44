package dev.loupe.importing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.loupe.DiskFullException;
import dev.loupe.Faults;
import dev.loupe.LoupeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports a folder tree: scans it, hashes and decodes the images on a bounded pool, makes
 * thumbnails, and hands new images to an {@link ImportSink} in batches. Every file found ends up
 * imported, a duplicate, or skipped with a reason.
 *
 * <p>All decisions (duplicates, labels, counts) and all sink calls happen on the thread that calls
 * {@link #run}; the pool only hashes and decodes. That is what makes duplicate detection within one
 * run free of races, and keeps the sink single-threaded.
 */
public final class Importer {
    private static final Logger LOG = LoggerFactory.getLogger(Importer.class);

    /** Folder names that mean "no label yet" under labels-from-subfolders (compared ignoring case). */
    public static final Set<String> UNLABELLED_FOLDERS = Set.of("unlabelled", "unlabeled", "pool", "unsorted");

    /** The reason of every file a cancelled import did not reach. */
    public static final String CANCELLED = "import cancelled";
    /** The reason of every file an import stopped by a full or read-only disk did not save ({@link ImportReport#stopped()} says why). */
    public static final String NOT_SAVED = "not imported: the import stopped";
    /** About what one image adds to project.db: its row, a 480-float embedding, index entries. */
    private static final long STORE_BYTES_PER_IMAGE = 3 * 1024;
    /**
     * What SQLite's write-ahead log adds until it is folded into project.db, and the embeddings after. Measured: finishing
     * an import of 1,000 28 px images stopped at 832 by a full 6 MB disk took 3.4 MB at its peak; this estimate says 3.2.
     */
    private static final long WAL_BYTES = 2L << 20;

    private final FolderScanner scanner = new FolderScanner();
    private final ImageDecoder decoder;
    private final ThumbnailCache thumbs;

    /** @param thumbs where thumbnails go, or null to make none */
    public Importer(ImageDecoder decoder, ThumbnailCache thumbs) {
        this.decoder = decoder;
        this.thumbs = thumbs;
    }

    /**
     * The label an image gets from its folder under labels-from-subfolders: the name of its
     * immediate parent folder, or null for images directly in {@code root} and in folders named
     * like {@link #UNLABELLED_FOLDERS}.
     */
    public static String labelFor(Path root, Path file) {
        Path parent = file.getParent();
        if (parent == null || parent.equals(root) || parent.getFileName() == null) {
            return null;
        }
        String name = parent.getFileName().toString();
        return UNLABELLED_FOLDERS.contains(name.toLowerCase(Locale.ROOT)) ? null : name;
    }

    /** {@code file} relative to {@code root}, '/'-separated on every platform. */
    public static String relPath(Path root, Path file) {
        Path rel = root.relativize(file);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rel.getNameCount(); i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(rel.getName(i));
        }
        return sb.toString();
    }

    /**
     * Runs one import to the end, or until cancelled, or until the project's disk is full or read-only (the report's
     * {@link ImportReport#stopped()} says so; what was saved before stays). Throws only when the root cannot be
     * scanned at all, or when the sink fails for another reason; no image file can make it fail.
     */
    public ImportReport run(ImportOptions options, ImportSink sink) throws IOException {
        long t0 = System.nanoTime();
        Path root = options.root().toAbsolutePath().normalize();
        ScanResult scan = scanner.scan(root);
        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), daemonThreads());
        try {
            Run run = new Run(root, options, sink, scan, new ExecutorCompletionService<>(pool));
            run.execute();
            double seconds = (System.nanoTime() - t0) / 1e9;
            ImportReport report = new ImportReport(scan.found(), run.imported, run.duplicates, run.alreadyInProject,
                    run.skipped, run.labelled, seconds, run.cancelled, scan.hiddenIgnored(), run.relinked,
                    run.stopped == null ? null : run.stopped.getMessage(), run.stopped instanceof DiskFullException);
            LOG.info("Imported {} of {} files from {} in {} s: {} found again, {} duplicates ({} already in project), {} skipped{}",
                    report.imported(), report.found(), root, String.format(Locale.ROOT, "%.1f", seconds), report.relinked(),
                    report.duplicates(), report.alreadyInProject(), report.skipped().size(),
                    report.cancelled() ? " (cancelled)" : report.stopped() != null ? " (stopped: " + report.stopped() + ")" : "");
            return report;
        } finally {
            pool.shutdownNow();
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            // Daemon: a decoder stuck on a pathological file must not keep the application alive.
            Thread t = new Thread(r, "loupe-import-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private record Candidate(int index, Path path, long size, long mtimeMs) {
    }

    /** What a pool task hands back to the importing thread. */
    private sealed interface Outcome permits Hashed, Decoded, Failed {
        Candidate candidate();
    }

    private record Hashed(Candidate candidate, String sha256) implements Outcome {
    }

    private record Decoded(Candidate candidate, String sha256, DecodedImage image) implements Outcome {
    }

    /** {@code fatal}: the disk underneath the project failed (full, read-only), so the whole import stops. */
    private record Failed(Candidate candidate, String sha256, String reason, RuntimeException fatal) implements Outcome {
        Failed(Candidate candidate, String sha256, String reason) {
            this(candidate, sha256, reason, null);
        }
    }

    private enum ClaimState { PENDING, IMPORTED, FAILED }

    /** The first file seen with some content in this run, and the later copies waiting on its fate. */
    private static final class Claim {
        final Path first;
        ClaimState state;
        String reason;
        final List<Candidate> waiting = new ArrayList<>();

        Claim(Path first, ClaimState state) {
            this.first = first;
            this.state = state;
        }
    }

    /** The state of one import, touched only by the importing thread. */
    private final class Run {
        final Path root;
        final ImportOptions options;
        final ImportSink sink;
        final ScanResult scan;
        final CompletionService<Outcome> completion;
        final int maxInFlight;
        final int total;
        final Map<String, Claim> claims = new HashMap<>();
        /** Hash-phase results by candidate index, waiting for all earlier ones (null: settled already). */
        final Map<Integer, Outcome> hashPhase = new HashMap<>();
        /** Hashed, new content, waiting for room in flight to be decoded (in scan order). */
        final java.util.ArrayDeque<Hashed> toDecode = new java.util.ArrayDeque<>();
        int nextToDecide;
        final List<SkippedFile> skipped = new ArrayList<>();
        final List<ImportedImage> batch = new ArrayList<>();
        final List<DecodedImage> batchPixels = new ArrayList<>();
        /** Files whose content the project has under a path that is gone: they relink with the next batch. */
        final List<FoundAgain> foundAgain = new ArrayList<>();
        int imported;
        int relinked;
        /** Why the import stopped early (a full or read-only disk under the project), or null. */
        LoupeException stopped;
        /** Sizes of the thumbnails written so far (by the pool threads), for the space a stopped import still needs. */
        final AtomicLong thumbnailBytes = new AtomicLong();
        final AtomicInteger thumbnails = new AtomicInteger();
        int duplicates;
        int alreadyInProject;
        int labelled;
        int done;
        int inFlight;
        boolean cancelled;
        final AtomicInteger thumbnailFailures = new AtomicInteger();

        Run(Path root, ImportOptions options, ImportSink sink, ScanResult scan, CompletionService<Outcome> completion) {
            this.root = root;
            this.options = options;
            this.sink = sink;
            this.scan = scan;
            this.completion = completion;
            // Bounded work in flight bounds memory: each task holds at most one decoded image.
            this.maxInFlight = options.threads() * 2;
            this.total = scan.found();
        }

        void execute() {
            skipped.addAll(scan.skipped());
            done = scan.skipped().size();
            options.listener().progress(done, total, null);
            List<Path> candidates = scan.candidates();
            int next = 0;
            while (true) {
                // Decodes first: hashes decided together (scan order) must not push the work in flight past the bound.
                while (inFlight < maxInFlight && !toDecode.isEmpty()) {
                    submitDecode(toDecode.poll());
                }
                while (inFlight < maxInFlight && next < candidates.size() && !checkCancelled()) {
                    submitHash(next, candidates.get(next));
                    next++;
                }
                if (inFlight == 0) {
                    break;
                }
                handle(take());
            }
            for (int i = next; i < candidates.size(); i++) {
                settleSkipped(candidates.get(i), haltReason());
            }
            flush();
        }

        private boolean checkCancelled() {
            if (!cancelled && stopped == null && options.cancel().getAsBoolean()) {
                cancelled = true;
                LOG.info("Import of {} cancelled", root);
            }
            return cancelled || stopped != null;
        }

        /** The reason given to every file an import that was cancelled or stopped did not reach. */
        private String haltReason() {
            return stopped == null ? CANCELLED : NOT_SAVED;
        }

        /**
         * Stops the import at the first full or read-only disk under the project (docs/adr/0025-faults.md): going on
         * would only fail again for every file. The message is the user's: which disk, about how much more is needed.
         */
        private void stop(RuntimeException cause) {
            if (stopped != null) {
                return;
            }
            int left = total - done;
            int n = thumbnails.get();
            long thumb = n == 0 ? 8 * 1024 : thumbnailBytes.get() / n;
            long perImage = (thumb + 4095) / 4096 * 4096 + STORE_BYTES_PER_IMAGE; // a file takes whole 4 KB blocks
            int saved = imported - batch.size(); // the batch in hand is not saved now: nothing is, after a stop
            DiskFullException full = DiskFullException.find(cause);
            if (full != null || Faults.isDiskFull(cause)) {
                Path where = full != null ? full.where() : sink.location() != null ? sink.location() : root;
                stopped = DiskFullException.of(where, "the import stopped after " + saved + " new image"
                        + (saved == 1 ? "" : "s"), (long) (left + batch.size()) * perImage + WAL_BYTES,
                        "import the folder again (what was imported is kept, and is not imported twice)", cause);
            } else {
                stopped = cause instanceof LoupeException le ? le
                        : new LoupeException("The import stopped: " + Faults.describe(cause) + ".", cause);
            }
            LOG.warn("Import of {} stopped: {}", root, stopped.getMessage());
        }

        private Outcome take() {
            try {
                Outcome o = completion.take().get();
                inFlight--;
                return o;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("import interrupted", e);
            } catch (ExecutionException e) {
                // Tasks catch everything themselves; reaching this is a bug in this class.
                throw new IllegalStateException("import task failed", e.getCause());
            }
        }

        private void submitHash(int index, Path path) {
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(path, BasicFileAttributes.class);
            } catch (IOException e) {
                settleSkipped(path, "unreadable: " + FolderScanner.describe(e));
                hashPhase.put(index, null);
                return;
            }
            Candidate c = new Candidate(index, path, attrs.size(), attrs.lastModifiedTime().toMillis());
            if (sink.alreadyImported(path, c.size(), c.mtimeMs())) {
                alreadyInProject++;
                settleDuplicate(path);
                hashPhase.put(index, null);
                return;
            }
            if (c.size() == 0) {
                settleSkipped(path, ImageDecodeException.Kind.EMPTY.reason());
                hashPhase.put(index, null);
                return;
            }
            inFlight++;
            completion.submit(() -> hash(c));
        }

        private void handle(Outcome o) {
            if (o instanceof Hashed || (o instanceof Failed f && f.sha256() == null)) {
                // Duplicates are decided in scan order, whatever order the hashes finish in, so the
                // same folder always imports the same file of a set of copies.
                hashPhase.put(o.candidate().index(), o);
                while (hashPhase.containsKey(nextToDecide)) {
                    Outcome next = hashPhase.remove(nextToDecide++);
                    if (next instanceof Hashed h) {
                        onHashed(h);
                    } else if (next != null) {
                        onFailed((Failed) next);
                    }
                }
            } else if (o instanceof Decoded d) {
                onDecoded(d);
            } else {
                onFailed((Failed) o);
            }
        }

        private void onHashed(Hashed h) {
            Path path = h.candidate().path();
            Claim claim = claims.get(h.sha256());
            if (claim != null) {
                switch (claim.state) {
                    case PENDING -> claim.waiting.add(h.candidate());
                    case IMPORTED -> settleDuplicate(path);
                    case FAILED -> settleSkipped(path, sameContentReason(claim));
                }
                return;
            }
            if (sink.hasContent(h.sha256())) {
                claims.put(h.sha256(), new Claim(path, ClaimState.IMPORTED));
                if (stopped == null && sink.lostFile(h.sha256())) {
                    Candidate c = h.candidate();
                    foundAgain.add(new FoundAgain(path, root, h.sha256(), c.size(), c.mtimeMs()));
                    progress(path); // counted once the relink is saved, with the next batch
                } else {
                    settleDuplicate(path);
                }
                return;
            }
            claims.put(h.sha256(), new Claim(path, ClaimState.PENDING));
            toDecode.add(h);
        }

        private void submitDecode(Hashed h) {
            if (checkCancelled()) {
                onFailed(new Failed(h.candidate(), h.sha256(), haltReason()));
                return;
            }
            inFlight++;
            completion.submit(() -> decode(h.candidate(), h.sha256()));
        }

        private void onDecoded(Decoded d) {
            Candidate c = d.candidate();
            if (stopped != null) {
                onFailed(new Failed(c, d.sha256(), NOT_SAVED));
                return;
            }
            String label = options.labelsFromSubfolders() ? labelFor(root, c.path()) : null;
            DecodedImage img = d.image();
            ImportedImage ii = new ImportedImage(c.path(), root, relPath(root, c.path()), d.sha256(), c.size(),
                    c.mtimeMs(), img.width(), img.height(), img.format(), label);
            batch.add(ii);
            if (options.onDecoded() != null) {
                batchPixels.add(img);
            }
            imported++;
            if (label != null) {
                labelled++;
            }
            Claim claim = claims.get(d.sha256());
            claim.state = ClaimState.IMPORTED;
            progress(c.path());
            for (Candidate w : claim.waiting) {
                settleDuplicate(w.path());
            }
            claim.waiting.clear();
            if (batch.size() >= options.batchSize()) {
                flush();
            }
        }

        private void onFailed(Failed f) {
            if (f.fatal() != null) {
                stop(f.fatal());
            }
            settleSkipped(f.candidate().path(), f.fatal() != null ? NOT_SAVED : f.reason());
            if (f.sha256() == null) {
                return;
            }
            Claim claim = claims.get(f.sha256());
            if (claim == null) {
                return;
            }
            claim.state = ClaimState.FAILED;
            claim.reason = f.reason();
            for (Candidate w : claim.waiting) {
                settleSkipped(w.path(), sameContentReason(claim));
            }
            claim.waiting.clear();
        }

        private String sameContentReason(Claim claim) {
            if (CANCELLED.equals(claim.reason) || NOT_SAVED.equals(claim.reason)) {
                return claim.reason;
            }
            // Byte-identical to a file that failed: it would fail the same way.
            return claim.reason + " (same content as " + relPath(root, claim.first) + ")";
        }

        private void flush() {
            if (batch.isEmpty() && foundAgain.isEmpty()) {
                return;
            }
            if (stopped == null) {
                try {
                    sink.acceptBatch(List.copyOf(batch));
                    int n = foundAgain.isEmpty() ? 0 : sink.relink(List.copyOf(foundAgain));
                    relinked += n;
                    duplicates += foundAgain.size() - n; // their old paths were taken meanwhile: plain duplicates
                    foundAgain.clear();
                } catch (RuntimeException e) {
                    if (!(Faults.isDiskFull(e) || Faults.isReadOnly(e))) {
                        throw e;
                    }
                    stop(e);
                }
            }
            if (stopped != null) {
                // the sink saved none of them: one transaction per batch
                for (ImportedImage i : batch) {
                    imported--;
                    if (i.labelFromFolder() != null) {
                        labelled--;
                    }
                    skipped.add(new SkippedFile(i.path(), NOT_SAVED));
                }
                for (FoundAgain f : foundAgain) {
                    skipped.add(new SkippedFile(f.path(), NOT_SAVED));
                }
                batch.clear();
                batchPixels.clear();
                foundAgain.clear();
                return;
            }
            if (batch.isEmpty()) {
                return;
            }
            if (options.onDecoded() != null) {
                for (int i = 0; i < batch.size(); i++) {
                    options.onDecoded().accept(new DecodedImport(batch.get(i), batchPixels.get(i)));
                }
            }
            batch.clear();
            batchPixels.clear();
        }

        private void countThumbnail(long bytes) {
            thumbnailBytes.addAndGet(bytes);
            thumbnails.incrementAndGet();
        }

        private void settleDuplicate(Path path) {
            duplicates++;
            progress(path);
        }

        private void settleSkipped(Path path, String reason) {
            skipped.add(new SkippedFile(path, reason));
            progress(path);
        }

        private void progress(Path path) {
            done++;
            options.listener().progress(done, total, path);
        }

        // ---- pool side: these run on import threads and only compute ----

        private Outcome hash(Candidate c) {
            try {
                return new Hashed(c, sha256(c.path()));
            } catch (AccessDeniedException e) {
                return new Failed(c, null, "unreadable: permission denied");
            } catch (NoSuchFileException e) {
                return new Failed(c, null, "unreadable: file disappeared");
            } catch (IOException e) {
                return new Failed(c, null, "unreadable: " + FolderScanner.describe(e));
            } catch (RuntimeException | Error e) {
                LOG.warn("Hashing {} failed", c.path(), e);
                return new Failed(c, null, "internal error: " + e);
            }
        }

        private Outcome decode(Candidate c, String sha) {
            try {
                DecodedImage img = decoder.decode(c.path(), options.decodeMaxSide());
                if (thumbs != null) {
                    try {
                        // The size thumbnails have always had (from a decode at the default side), whatever side
                        // this import decodes at: the gallery's layout and the stored files stay as they were.
                        int[] size = Images.fittedSize(ImageDecoder.decodedSize(img.width(), img.height(),
                                ImportOptions.DEFAULT_DECODE_MAX_SIDE), thumbs.side());
                        countThumbnail(Files.size(thumbs.put(sha, img.image(), size[0], size[1])));
                    } catch (IOException e) {
                        if (Faults.isDiskFull(e) || Faults.isReadOnly(e)) {
                            return new Failed(c, sha, NOT_SAVED, new LoupeException("The thumbnail of " + c.path()
                                    + " could not be saved: " + Faults.describe(e) + ".", e));
                        }
                        throw e;
                    }
                }
                return new Decoded(c, sha, img);
            } catch (ImageDecodeException e) {
                return new Failed(c, sha, e.reason());
            } catch (IOException e) {
                // Usually the thumbs folder itself is the problem: one stack trace is enough.
                if (thumbnailFailures.getAndIncrement() == 0) {
                    LOG.warn("Could not write the thumbnail of {}", c.path(), e);
                } else {
                    LOG.warn("Could not write the thumbnail of {}: {}", c.path(), e.toString());
                }
                return new Failed(c, sha, "could not write thumbnail: " + Faults.describe(e));
            } catch (OutOfMemoryError e) {
                return new Failed(c, sha, "image too large: not enough memory");
            } catch (RuntimeException | Error e) {
                LOG.warn("Importing {} failed", c.path(), e);
                return new Failed(c, sha, "internal error: " + e);
            }
        }
    }

    /** Lower-case hex SHA-256 of a file's bytes. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256Digest();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Lower-case hex SHA-256 of bytes: the same hash as {@link #sha256(Path)} of a file holding them. */
    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(sha256Digest().digest(content));
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
