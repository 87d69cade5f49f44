package dev.loupe.importing;

import dev.loupe.project.ImageRecord;
import dev.loupe.project.ImageRelink;
import dev.loupe.project.NewImage;
import dev.loupe.project.ProjectStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The project store as the destination of an import: images in batches, folder labels as journal events. */
public final class StoreImportSink implements ImportSink {

    private final ProjectStore store;

    public StoreImportSink(ProjectStore store) {
        this.store = store;
    }

    /** Imports into {@code store}, with thumbnails in the project's thumbnail folder: the one import path of Loupe. */
    public static ImportReport importInto(ProjectStore store, ImportOptions options) throws IOException {
        return new Importer(new ImageDecoder(), new ThumbnailCache(store.dir().resolve(ProjectStore.THUMBS_DIR)))
                .run(options, new StoreImportSink(store));
    }

    /**
     * Imports into {@code store} and embeds the new images with {@code embedder} from the pixels the import decoded
     * (at the side both the thumbnail and the backbone need), so each new image is decoded once. Images the feed did
     * not embed (it stopped on a failure) are left for {@link Embedder#run}, which the caller runs next.
     */
    public static ImportReport importAndEmbed(ProjectStore store, ImportOptions options, ImageDecoder decoder,
                                              Embedder embedder) throws IOException {
        ThumbnailCache thumbs = new ThumbnailCache(store.dir().resolve(ProjectStore.THUMBS_DIR));
        try (Embedder.Feed feed = embedder.feed()) {
            return new Importer(decoder, thumbs).run(options
                    .withDecodeMaxSide(Embedder.importDecodeSide(embedder.backbone(), thumbs.side()))
                    .withOnDecoded(feed), new StoreImportSink(store));
        }
    }

    @Override
    public Path location() {
        return store.dir();
    }

    @Override
    public boolean alreadyImported(Path file, long sizeBytes, long mtimeMs) {
        return store.knownFile(file, sizeBytes, mtimeMs).isPresent();
    }

    @Override
    public boolean hasContent(String sha256) {
        return !store.findByHash(sha256).isEmpty();
    }

    @Override
    public void accept(ImportedImage image) {
        acceptBatch(List.of(image));
    }

    @Override
    public void acceptBatch(List<ImportedImage> images) {
        List<NewImage> rows = new ArrayList<>(images.size());
        List<String> labels = new ArrayList<>(images.size());
        for (ImportedImage i : images) {
            rows.add(new NewImage(i.path(), i.root(), i.sha256(), i.sizeBytes(), i.mtimeMs(), i.width(), i.height()));
            labels.add(i.labelFromFolder());
        }
        store.addLabelledImages(rows, labels); // one durable transaction per batch: all of it, or none
    }

    @Override
    public boolean lostFile(String sha256) {
        List<ImageRecord> known = store.findByHash(sha256);
        return !known.isEmpty() && known.stream().noneMatch(r -> Files.exists(r.path()));
    }

    @Override
    public int relink(List<FoundAgain> found) {
        List<ImageRelink> moves = new ArrayList<>(found.size());
        Set<Long> taken = new HashSet<>();
        for (FoundAgain f : found) {
            store.findByHash(f.sha256()).stream()
                    .filter(r -> !Files.exists(r.path()) && taken.add(r.id()))
                    .findFirst()
                    .ifPresent(r -> moves.add(new ImageRelink(r.id(), f.path(), f.root(), f.sizeBytes(), f.mtimeMs())));
        }
        return store.relinkImages(moves);
    }
}
