package dev.loupe.importing;

import dev.loupe.project.LabelClass;
import dev.loupe.project.NewImage;
import dev.loupe.project.ProjectStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        for (ImportedImage i : images) {
            rows.add(new NewImage(i.path(), i.root(), i.sha256(), i.sizeBytes(), i.mtimeMs(), i.width(), i.height()));
        }
        List<Long> ids = store.addImages(rows);
        List<Map.Entry<Long, Long>> labels = new ArrayList<>();
        for (int k = 0; k < images.size(); k++) {
            String label = images.get(k).labelFromFolder();
            if (label != null) {
                labels.add(Map.entry(ids.get(k), classNamed(label).id()));
            }
        }
        if (!labels.isEmpty()) {
            store.labelAll(labels); // one durable transaction per batch, not one per image
        }
    }

    private LabelClass classNamed(String name) {
        return store.classByName(name).orElseGet(() -> store.addClass(name, null, null));
    }
}
