package dev.loupe.export;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.importing.DecodeAhead;
import dev.loupe.importing.DecodedImage;
import dev.loupe.importing.FolderScanner;
import dev.loupe.importing.ImageDecodeException;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.ScanResult;
import dev.loupe.importing.SkippedFile;
import dev.loupe.backbone.Preprocessing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs a {@link LoupeModel} over every image in a folder tree: decodes in parallel (one batch ahead), predicts
 * batch by batch on the calling thread, and accounts for every file it could not read instead of failing.
 */
public final class FolderPredictor {

    private static final Logger LOG = LoggerFactory.getLogger(FolderPredictor.class);

    /** Progress: {@code done} of {@code total} image files settled. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (done, total) -> { };

        void progress(int done, int total);
    }

    /** One predicted image. */
    public record Item(Path path, Prediction prediction) {
    }

    /**
     * The outcome, both lists sorted by path.
     *
     * @param unreadable files found but not predicted (not images, corrupt, unreadable), with the reason
     */
    public record Result(List<Item> predictions, List<SkippedFile> unreadable) {
        public Result {
            predictions = List.copyOf(predictions);
            unreadable = List.copyOf(unreadable);
        }
    }

    private final LoupeModel model;
    private final ImageDecoder decoder;
    private final int threads;
    private final int batchSize;

    public FolderPredictor(LoupeModel model, ImageDecoder decoder, int threads, int batchSize) {
        this.model = model;
        this.decoder = decoder;
        this.threads = Math.max(1, threads);
        this.batchSize = Math.max(1, batchSize);
    }

    public Result run(Path folder, Listener listener) {
        ScanResult scan;
        try {
            scan = new FolderScanner().scan(folder);
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw new LoupeException("Cannot predict " + folder + ": it is not a folder.", e);
        } catch (IOException e) {
            throw new LoupeException("Cannot read the folder " + folder + ": " + Faults.describe(e), e);
        }
        List<Path> files = new ArrayList<>(scan.candidates());
        files.sort(Comparator.comparing(Path::toString));
        List<SkippedFile> unreadable = new ArrayList<>(scan.skipped());
        List<Item> items = new ArrayList<>(files.size());
        Preprocessing p = model.backbone().preprocessing();
        // Twice the input size, as for embedding in a project, so both see the same pixels.
        int side = p.decodeSide();
        int total = files.size();
        int done = 0;
        try (DecodeAhead<Path, Decoded> batches = new DecodeAhead<>(files, batchSize, threads, "loupe-predict-decode",
                file -> decode(file, side))) {
            while (batches.hasNext()) {
                List<Decoded> current = batches.next();
                List<BufferedImage> images = new ArrayList<>();
                List<Path> paths = new ArrayList<>();
                for (Decoded d : current) {
                    if (d.image() != null) {
                        images.add(d.image());
                        paths.add(d.path());
                    } else {
                        unreadable.add(new SkippedFile(d.path(), d.reason()));
                    }
                }
                List<Prediction> predictions = model.predict(images);
                for (int k = 0; k < paths.size(); k++) {
                    items.add(new Item(paths.get(k), predictions.get(k)));
                }
                done += current.size();
                listener.progress(done, total);
            }
        }
        unreadable.sort(Comparator.comparing(s -> s.path().toString()));
        return new Result(items, unreadable);
    }

    private record Decoded(Path path, BufferedImage image, String reason) {
    }

    private Decoded decode(Path file, int side) {
        try {
            DecodedImage d = decoder.decode(file, side);
            return new Decoded(file, d.image(), null);
        } catch (ImageDecodeException e) {
            return new Decoded(file, null, e.reason());
        } catch (RuntimeException | Error e) { // one file never ends the whole run
            LOG.warn("Could not decode {}", file, e);
            return new Decoded(file, null, ImageDecoder.failureReason(e));
        }
    }
}
