package dev.loupe.backbone.clip;

import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.catalog.Catalog;
import dev.loupe.backbone.catalog.CatalogEntry;
import dev.loupe.backbone.catalog.CatalogFile;
import dev.loupe.backbone.catalog.CatalogModels;
import dev.loupe.backbone.catalog.Downloader;
import dev.loupe.backbone.catalog.ModelCache;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.testing.LoopbackMirror;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static dev.loupe.backbone.clip.ClipTokenizerTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CLIP pair as a catalog entry: the built-in one, and the tiny pair served by a loopback mirror. */
class ClipCatalogTest {

    @TempDir
    Path tmp;

    private LoopbackMirror mirror;

    @BeforeEach
    void start() throws Exception {
        mirror = new LoopbackMirror();
    }

    @AfterEach
    void stop() {
        mirror.close();
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** The tiny pair as the catalog would list it: MD5s only for the two models, the vocabulary pinned. */
    static CatalogEntry tinyEntry(LoopbackMirror mirror, String visualMd5, String textualMd5) throws Exception {
        byte[] visual = Files.readAllBytes(resource("tiny-visual.onnx"));
        byte[] textual = Files.readAllBytes(resource("tiny-textual.onnx"));
        byte[] vocab = Files.readAllBytes(resource("tiny-vocab.txt.gz"));
        return new CatalogEntry("tiny-clip", "Tiny CLIP", "tests", "MIT", "scripts/onnx/make_tiny_clip.py", List.of(
                new CatalogFile(CatalogFile.IMAGE_MODEL, "visual.onnx", List.of(mirror.serve("/c/visual.onnx", visual)),
                        null, 0, visualMd5 == null ? md5(visual) : visualMd5),
                new CatalogFile(ClipPair.TEXT_MODEL, "textual.onnx", List.of(mirror.serve("/c/textual.onnx", textual)),
                        null, 0, textualMd5 == null ? md5(textual) : textualMd5),
                new CatalogFile(ClipPair.VOCABULARY, "vocab.txt.gz", List.of(mirror.serve("/c/vocab.txt.gz", vocab)),
                        sha256(vocab), vocab.length)),
                "clip", 32, OnnxBackbone.GRAPH_OUTPUT, true, 16, Map.of());
    }

    private CatalogModels models() {
        return new CatalogModels(null, new ModelCache(tmp.resolve("cache")), new Downloader(2000, 5000));
    }

    @Test
    void theBuiltInEntryIsTheJinaPairWithItsMd5sAndOpenAisVocabularyPinned() throws Exception {
        CatalogEntry clip = Catalog.load().get("clip-vit-b32");
        assertThat(clip.imageModel().file()).isEqualTo("visual.onnx");
        assertThat(clip.imageModel().md5()).isEqualTo("88c6f38e522269d6c04a85df18e6370c");
        assertThat(clip.imageModel().pinned()).isFalse();
        assertThat(clip.file(ClipPair.TEXT_MODEL).orElseThrow().md5()).isEqualTo("bd6d7871e8bb95f3cc83aff3398d7390");
        CatalogFile vocab = clip.file(ClipPair.VOCABULARY).orElseThrow();
        assertThat(vocab.sha256()).isEqualTo("924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a");
        assertThat(vocab.bytes()).isEqualTo(1_356_917L);
        assertThat(clip.files()).allSatisfy(f -> assertThat(f.urls()).allMatch(u -> u.startsWith("https://")));
        assertThat(clip.l2Normalize()).isTrue();
        assertThat(clip.embeddingTensor()).isEqualTo(OnnxBackbone.GRAPH_OUTPUT);
        assertThat(clip.preprocessing()).isEqualTo("clip");
        assertThat(clip.dim()).isEqualTo(512);
    }

    @Test
    void thePairIsDownloadedCheckedByMd5AndLoadAndItsHashesRecorded() throws Exception {
        CatalogEntry e = tinyEntry(mirror, null, null);
        CatalogModels.Fetched f = models().fetch(e, Downloader.Listener.NONE, () -> false);
        assertThat(f.pinned()).isFalse();
        assertThat(f.files()).containsOnlyKeys(CatalogFile.IMAGE_MODEL, ClipPair.TEXT_MODEL, ClipPair.VOCABULARY);
        assertThat(f.imageSha256()).isEqualTo(sha256(Files.readAllBytes(resource("tiny-visual.onnx"))));
        assertThat(models().recorded(e, e.file(ClipPair.TEXT_MODEL).orElseThrow()))
                .isEqualTo(sha256(Files.readAllBytes(resource("tiny-textual.onnx"))));
        try (OnnxBackbone b = OnnxBackbone.open(f.imageModel(), f.options())) {
            assertThat(b.dim()).isEqualTo(16);
            assertThat(b.metadata().embeddingTensor()).isEqualTo("image_embeds");
            ClipPair pair = ClipPair.of(f.imageModel(), b.metadata()).orElseThrow();
            try (ClipTextEncoder enc = pair.open()) {
                assertThat(enc.dim()).isEqualTo(16);
            }
        }
    }

    @Test
    void aWrongMd5IsRefusedAndNothingIsKept() throws Exception {
        CatalogEntry e = tinyEntry(mirror, null, "00000000000000000000000000000000");
        assertThatThrownBy(() -> models().fetch(e, Downloader.Listener.NONE, () -> false))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("textual.onnx").hasMessageContaining("wrong MD5");
        assertThat(tmp.resolve("cache/tiny-clip/textual.onnx")).doesNotExist();
        assertThat(tmp.resolve("cache/tiny-clip/textual.onnx.part")).doesNotExist();
    }

    @Test
    void aTextModelThatDoesNotLoadIsRefusedAndTheFilesRemoved() throws Exception {
        byte[] visual = Files.readAllBytes(resource("tiny-visual.onnx"));
        CatalogEntry good = tinyEntry(mirror, null, null);
        // The image model served as the text model too: it downloads, but is not a text model.
        CatalogEntry bad = new CatalogEntry(good.name(), good.title(), good.goodAt(), good.licence(), good.source(),
                List.of(good.files().get(0), new CatalogFile(ClipPair.TEXT_MODEL, "textual.onnx",
                        List.of(mirror.serve("/c/wrong.onnx", visual)), null, 0, md5(visual)), good.files().get(2)),
                good.preprocessing(), good.size(), good.embeddingTensor(), true, 16, Map.of());
        assertThatThrownBy(() -> models().fetch(bad, Downloader.Listener.NONE, () -> false))
                .hasMessageContaining("refused and removed").hasMessageContaining("not a CLIP text model");
        assertThat(tmp.resolve("cache/tiny-clip/textual.onnx")).doesNotExist();
        assertThat(tmp.resolve("cache/tiny-clip/visual.onnx")).doesNotExist();
    }

    @Test
    void filesFetchedByHandAreCheckedByTheirMd5Too() throws Exception {
        CatalogEntry e = tinyEntry(mirror, "11111111111111111111111111111111", null);
        Path dir = tmp.resolve("by-hand");
        Files.createDirectories(dir);
        Files.copy(resource("tiny-visual.onnx"), dir.resolve("visual.onnx"));
        Files.copy(resource("tiny-textual.onnx"), dir.resolve("textual.onnx"));
        Files.copy(resource("tiny-vocab.txt.gz"), dir.resolve("vocab.txt.gz"));
        assertThatThrownBy(() -> models().importFiles(e, List.of(dir)))
                .hasMessageContaining("its MD5 is").hasMessageContaining("Nothing was stored");
        CatalogModels.Fetched f = models().importFiles(tinyEntry(mirror, null, null), List.of(dir));
        assertThat(f.files().get(ClipPair.VOCABULARY)).hasSameBinaryContentAs(resource("tiny-vocab.txt.gz"));
    }
}
