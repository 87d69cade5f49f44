package dev.loupe.gallery.ui;

import javafx.scene.image.Image;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Thumbnail images for the gallery tiles, loaded by JavaFX's background loader (never on the FX thread) at the
 * tile's size, and kept in a bounded LRU so memory stays flat however many images the project has. FX thread only.
 */
public final class ThumbnailImages {

    private final int capacity;
    private final double size;
    private final Map<Long, Image> lru;

    public ThumbnailImages(int capacity, double size) {
        this.capacity = capacity;
        this.size = size;
        this.lru = new LinkedHashMap<>(capacity * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Image> eldest) {
                return size() > ThumbnailImages.this.capacity;
            }
        };
    }

    /**
     * The image for a tile: its thumbnail file, or (when that is missing or unreadable) the original file, which
     * JavaFX may or may not be able to read (then the tile shows no picture, only its class band).
     */
    public Image get(long imageId, Path thumbnail, Path original) {
        Image img = lru.get(imageId);
        if (img == null) {
            img = load(thumbnail != null ? thumbnail : original);
            lru.put(imageId, img);
            if (thumbnail != null && original != null) {
                Image first = img;
                img.errorProperty().addListener((o, was, error) -> {
                    if (error && lru.get(imageId) == first) {
                        lru.put(imageId, load(original));
                    }
                });
            }
        }
        return img;
    }

    private Image load(Path file) {
        Image img = new Image(file.toUri().toString(), size, size, true, true, true);
        if (dev.loupe.Stamps.on()) { // start-up measuring (ADR 0031): when the first screen's pictures are in
            img.progressProperty().addListener((o, was, now) -> {
                if (now.doubleValue() >= 1 && !img.isError()) {
                    loaded++;
                    if (loaded == 1 || loaded == FIRST_SCREEN) {
                        dev.loupe.Stamps.once("thumbnails " + loaded + " loaded");
                    }
                }
            });
        }
        return img;
    }

    /** Tiles a 1280×820 window shows at first (6 columns, 5 rows), for the start-up stamp. */
    private static final int FIRST_SCREEN = 30;
    private int loaded;

    public int cachedCount() {
        return lru.size();
    }
}
