package dev.loupe.importing;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.loupe.backbone.Backbone;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.TestImages;

/** An import that embeds as it goes decodes each new image once, for both its thumbnail and its embedding. */
class DecodeOnceTest {
    @TempDir
    Path tmp;

    /** A real decoder that counts its decodes per file. */
    static final class CountingDecoder extends ImageDecoder {
        final Map<Path, AtomicInteger> decodes = new ConcurrentHashMap<>();

        @Override
        public DecodedImage decode(Path file, int maxSide) throws ImageDecodeException {
            decodes.computeIfAbsent(file, f -> new AtomicInteger()).incrementAndGet();
            return super.decode(file, maxSide);
        }
    }

    @Test
    void eachNewImageIsDecodedOnceAndGetsItsThumbnailAndEmbedding() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 5);
        AwkwardFiles.jpeg(ScaledJpegTest.scene(2400, 1800), data.resolve("big/photo.jpg"), false);
        AwkwardFiles.jpegWithOrientation(ScaledJpegTest.scene(1600, 1200), data.resolve("big/turned.jpg"), 6);
        CountingDecoder decoder = new CountingDecoder();
        try (ProjectStore store = ProjectStore.open(tmp.resolve("p.loupe"), true);
             Backbone backbone = ProjectBackbone.load(store)) {
            Embedder embedder = new Embedder(store, backbone, decoder, 2, 4); // batches of 4: several in flight
            ImportReport report = StoreImportSink.importAndEmbed(store, ImportOptions.of(data).withThreads(2), decoder,
                    embedder);
            assertThat(report.imported()).isEqualTo(17);
            assertThat(embedder.embeddedDuringImport()).isEqualTo(17);
            assertThat(embedder.upToDate()).isTrue();
            Embedder.Result rest = embedder.run(Embedder.Listener.NONE, () -> false);
            assertThat(rest.embedded()).isZero();

            assertThat(decoder.decodes).hasSize(17);
            assertThat(decoder.decodes.values()).allMatch(n -> n.get() == 1);
            assertThat(store.embeddings(backbone.id()).ids()).hasSize(17);

            ThumbnailCache thumbs = new ThumbnailCache(store.dir().resolve(ProjectStore.THUMBS_DIR));
            for (ImageRecord r : store.images()) {
                BufferedImage thumb = ImageIO.read(thumbs.pathFor(r.sha256()).toFile());
                // The size a thumbnail had when the import decoded at 512 px, whatever it decodes at now.
                BufferedImage old = Images.fitWithin(ImageDecoder.imageIoOnly()
                        .decode(r.path(), ImportOptions.DEFAULT_DECODE_MAX_SIDE).image(), thumbs.side());
                assertThat(new int[] {thumb.getWidth(), thumb.getHeight()}).as(r.relPath())
                        .containsExactly(old.getWidth(), old.getHeight());
            }
            ImageRecord turned = store.images().stream().filter(r -> r.relPath().endsWith("turned.jpg")).findFirst()
                    .orElseThrow();
            BufferedImage t = ImageIO.read(thumbs.pathFor(turned.sha256()).toFile());
            assertThat(t.getHeight()).isEqualTo(256);
            assertThat(t.getWidth()).isEqualTo(192);
        }
    }

    @Test
    void embeddingsFromTheImportsPixelsMatchDecodingTheFileAgain() throws Exception {
        Path data = tmp.resolve("photos");
        for (int i = 0; i < 3; i++) {
            AwkwardFiles.jpeg(ScaledJpegTest.scene(2000 + 400 * i, 1500), data.resolve("p" + i + ".jpg"), false);
        }
        try (ProjectStore store = ProjectStore.open(tmp.resolve("q.loupe"), true);
             Backbone backbone = ProjectBackbone.load(store)) {
            ImageDecoder decoder = new ImageDecoder();
            Embedder embedder = new Embedder(store, backbone, decoder, 2, 2);
            StoreImportSink.importAndEmbed(store, ImportOptions.of(data).withThreads(2), decoder, embedder);
            var set = store.embeddings(backbone.id());
            assertThat(set.ids()).hasSize(3);
            for (int i = 0; i < set.size(); i++) {
                long id = set.ids()[i];
                ImageRecord r = store.image(id).orElseThrow();
                BufferedImage full = ImageDecoder.fullResolution().decode(r.path(), backbone.preprocessing().decodeSide()).image();
                float[] ref = backbone.embed(java.util.List.of(full))[0];
                assertThat(cosine(set.vectors()[i], ref)).as(r.relPath()).isGreaterThan(0.98);
            }
        }
    }

    @Test
    void anImageEmbeddedWhenItsProjectOpensGetsTheVectorTheImportWouldHaveGivenIt() throws Exception {
        Path data = tmp.resolve("photos");
        AwkwardFiles.jpeg(ScaledJpegTest.scene(2400, 1800), data.resolve("wide.jpg"), false);
        AwkwardFiles.jpeg(ScaledJpegTest.scene(900, 1300), data.resolve("tall.jpg"), false);
        AwkwardFiles.jpegWithOrientation(ScaledJpegTest.scene(1600, 1200), data.resolve("turned.jpg"), 6);
        TestImages.imageFolder(data.resolve("small"), 1, 2); // smaller than the thumbnail: one path either way
        Map<String, float[]> imported = new java.util.HashMap<>();
        try (ProjectStore store = ProjectStore.open(tmp.resolve("a.loupe"), true);
             Backbone backbone = ProjectBackbone.load(store)) {
            ImageDecoder decoder = new ImageDecoder();
            StoreImportSink.importAndEmbed(store, ImportOptions.of(data).withThreads(2), decoder,
                    new Embedder(store, backbone, decoder, 2, 2));
            var set = store.embeddings(backbone.id());
            for (int i = 0; i < set.size(); i++) {
                imported.put(store.image(set.ids()[i]).orElseThrow().relPath(), set.vectors()[i]);
            }
        }
        try (ProjectStore store = ProjectStore.open(tmp.resolve("b.loupe"), true);
             Backbone backbone = ProjectBackbone.load(store)) {
            StoreImportSink.importInto(store, ImportOptions.of(data).withThreads(2)); // `import --no-embed`
            Embedder embedder = new Embedder(store, backbone, new ImageDecoder(), 2, 3);
            assertThat(embedder.run(Embedder.Listener.NONE, () -> false).embedded()).isEqualTo(5);
            var set = store.embeddings(backbone.id());
            assertThat(set.size()).isEqualTo(imported.size()).isEqualTo(5);
            for (int i = 0; i < set.size(); i++) {
                String rel = store.image(set.ids()[i]).orElseThrow().relPath();
                float[] a = imported.get(rel);
                float[] b = set.vectors()[i];
                double worst = 0;
                for (int k = 0; k < a.length; k++) {
                    worst = Math.max(worst, Math.abs(a[k] - b[k]));
                }
                // Same pixels; only the batch the forward pass ran in differs (2 vs 3 images).
                assertThat(worst).as(rel).isLessThan(1e-4);
            }
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
