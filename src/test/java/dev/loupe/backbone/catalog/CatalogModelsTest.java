package dev.loupe.backbone.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.OnnxTestModels;
import dev.loupe.testing.LoopbackMirror;
import dev.loupe.testing.LoopbackMirror.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogModelsTest {

    private static final String PATH = "/models/tiny.onnx";

    @TempDir
    Path tmp;

    private LoopbackMirror mirror;
    private byte[] model;
    private String sha;

    @BeforeEach
    void start() throws IOException {
        mirror = new LoopbackMirror();
        model = Files.readAllBytes(OnnxTestModels.model("cnn-nchw.onnx"));
        sha = OnnxTestModels.sha256("cnn-nchw.onnx");
    }

    @AfterEach
    void stop() {
        mirror.close();
    }

    private static CatalogEntry entry(String sha256, long bytes, String... urls) {
        return new CatalogEntry("tiny", "Tiny CNN", "tests", "Apache-2.0", "the test script",
                List.of(new CatalogFile(CatalogFile.IMAGE_MODEL, "tiny.onnx", List.of(urls), sha256, bytes)),
                "unit", 0, null, false, 16, Map.of());
    }

    private CatalogModels models() {
        return new CatalogModels(null, new ModelCache(tmp.resolve("cache")), new Downloader(2000, 5000));
    }

    private List<String> cacheFiles() throws IOException {
        Path dir = tmp.resolve("cache/tiny");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aPinnedModelIsDownloadedVerifiedAndThenUsedFromTheCacheWithoutTheNetwork() throws Exception {
        CatalogEntry e = entry(sha, model.length, mirror.serve(PATH, model));
        CatalogModels models = models();
        assertThat(models.isCached(e)).isFalse();
        List<Long> progress = new ArrayList<>();
        CatalogModels.Fetched f = models.fetch(e, (file, done, total) -> progress.add(done), () -> false);
        assertThat(f.downloaded()).isTrue();
        assertThat(f.pinned()).isTrue();
        assertThat(Files.readAllBytes(f.imageModel())).isEqualTo(model);
        assertThat(cacheFiles()).containsExactly("tiny.onnx");
        assertThat(progress).isNotEmpty().last().isEqualTo((long) model.length);
        assertThat(models.isCached(e)).isTrue();
        mirror.close();
        CatalogModels.Fetched again = models.fetch(e, Downloader.Listener.NONE, () -> false);
        assertThat(again.downloaded()).isFalse();
        try (OnnxBackbone b = OnnxBackbone.open(again.imageModel(), again.options())) {
            assertThat(b.dim()).isEqualTo(16);
            assertThat(b.name()).isEqualTo("tiny");
            assertThat(b.metadata().sha256()).isEqualTo(sha);
        }
    }

    @Test
    void mirrorsAreTriedInOrder() throws Exception {
        CatalogEntry e = entry(sha, model.length, mirror.url("/gone.onnx"), mirror.serve(PATH, model));
        models().fetch(e, Downloader.Listener.NONE, () -> false);
        assertThat(mirror.requests()).extracting(Request::path).containsExactly("/gone.onnx", PATH);
    }

    @Test
    void aFileWithTheWrongHashIsRefusedAndNothingIsLeftInTheCache() throws Exception {
        byte[] other = Files.readAllBytes(OnnxTestModels.model("cnn-nhwc.onnx"));
        CatalogEntry e = entry(sha, 0, mirror.serve(PATH, other), mirror.serve("/second.onnx", other));
        assertThatThrownBy(() -> models().fetch(e, Downloader.Listener.NONE, () -> false))
                .isInstanceOfSatisfying(DownloadException.class,
                        d -> assertThat(d.kind()).isEqualTo(DownloadException.Kind.VERIFY_FAILED))
                .hasMessageContaining("tiny.onnx was refused")
                .hasMessageContaining("wrong SHA-256 " + OnnxTestModels.sha256("cnn-nhwc.onnx"))
                .hasMessageContaining("expected " + sha);
        assertThat(cacheFiles()).isEmpty();
    }

    @Test
    void anInterruptedDownloadResumesWithARangeRequest() throws Exception {
        CatalogEntry e = entry(sha, model.length, mirror.serve(PATH, model));
        mirror.cutNextResponse(PATH, 2048);
        CatalogModels.Fetched f = models().fetch(e, Downloader.Listener.NONE, () -> false);
        assertThat(Files.readAllBytes(f.imageModel())).isEqualTo(model);
        List<Request> r = mirror.requests();
        assertThat(r).hasSize(2);
        assertThat(r.get(0).range()).isNull();
        assertThat(r.get(1).range()).isEqualTo("bytes=2048-");
        assertThat(cacheFiles()).containsExactly("tiny.onnx");
    }

    @Test
    void aStalePartialFileThatDoesNotFitIsDiscardedAndTheFileFetchedAgain() throws Exception {
        CatalogEntry e = entry(sha, model.length, mirror.serve(PATH, model));
        Path part = tmp.resolve("cache/tiny/tiny.onnx.part");
        Files.createDirectories(part.getParent());
        byte[] garbage = new byte[3000];
        Arrays.fill(garbage, (byte) 7);
        Files.write(part, garbage);
        CatalogModels.Fetched f = models().fetch(e, Downloader.Listener.NONE, () -> false);
        assertThat(Files.readAllBytes(f.imageModel())).isEqualTo(model);
        assertThat(mirror.requests()).extracting(Request::range).containsExactly("bytes=3000-", null);
        assertThat(cacheFiles()).containsExactly("tiny.onnx");
    }

    @Test
    void aServerThatIgnoresRangeMakesTheDownloadStartOverCleanly() throws Exception {
        CatalogEntry e = entry(sha, model.length, mirror.serve(PATH, model));
        mirror.ignoreRange(PATH);
        Path part = tmp.resolve("cache/tiny/tiny.onnx.part");
        Files.createDirectories(part.getParent());
        Files.write(part, Arrays.copyOf(model, 3000));
        CatalogModels.Fetched f = models().fetch(e, Downloader.Listener.NONE, () -> false);
        assertThat(Files.readAllBytes(f.imageModel())).isEqualTo(model); // not 3000 bytes twice
        assertThat(mirror.requests()).hasSize(1);
    }

    @Test
    void anUnpinnedFileIsCheckedByLoadingItAndItsHashIsRecordedAndShown() throws Exception {
        CatalogEntry good = entry(null, model.length, mirror.serve(PATH, model));
        CatalogModels models = models();
        CatalogModels.Fetched f = models.fetch(good, Downloader.Listener.NONE, () -> false);
        assertThat(f.pinned()).isFalse();
        assertThat(f.imageSha256()).isEqualTo(sha);
        assertThat(Files.readString(tmp.resolve("cache/tiny/tiny.onnx.sha256"))).startsWith(sha + "  tiny.onnx");
        assertThat(f.options().sha256()).isEqualTo(sha);
    }

    @Test
    void anUnpinnedFileThatIsNotAModelIsRefusedAndRemoved() throws Exception {
        byte[] text = Files.readAllBytes(OnnxTestModels.model("not-onnx.onnx"));
        CatalogEntry corrupt = entry(null, 0, mirror.serve(PATH, text));
        assertThatThrownBy(() -> models().fetch(corrupt, Downloader.Listener.NONE, () -> false))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("were refused and removed from the cache")
                .hasMessageContaining("is not an ONNX model");
        assertThat(cacheFiles()).isEmpty();
    }

    @Test
    void offlineTheMessageGivesTheUrlAndTheCommandsToUseAFileFetchedByHand() throws Exception {
        String url = LoopbackMirror.unreachableUrl(PATH);
        CatalogEntry e = entry(sha, model.length, url);
        assertThatThrownBy(() -> models().fetch(e, Downloader.Listener.NONE, () -> false))
                .isInstanceOfSatisfying(DownloadException.class,
                        d -> assertThat(d.kind()).isEqualTo(DownloadException.Kind.UNREACHABLE))
                .hasMessageContaining("Cannot download tiny (tiny.onnx): no mirror could be reached")
                .hasMessageContaining(url)
                .hasMessageContaining("SHA-256 " + sha)
                .hasMessageContaining("loupe models get tiny --from DOWNLOADED/tiny.onnx")
                .hasMessageContaining("loupe new PROJECT --backbone tiny");
        assertThat(cacheFiles()).doesNotContain("tiny.onnx");
    }

    @Test
    void aCancelledDownloadLeavesNoModelAndTheNextAttemptResumes() throws Exception {
        CatalogEntry e = entry(sha, model.length, mirror.serve(PATH, model));
        AtomicBoolean cancel = new AtomicBoolean();
        assertThatThrownBy(() -> models().fetch(e, (file, done, total) -> cancel.set(done > 0), cancel::get))
                .isInstanceOfSatisfying(DownloadException.class,
                        d -> assertThat(d.kind()).isEqualTo(DownloadException.Kind.CANCELLED))
                .hasMessageContaining("loupe models get tiny` resumes it");
        assertThat(cacheFiles()).containsExactly("tiny.onnx.part");
        long kept = Files.size(tmp.resolve("cache/tiny/tiny.onnx.part"));
        CatalogModels.Fetched f = models().fetch(e, Downloader.Listener.NONE, () -> false);
        assertThat(Files.readAllBytes(f.imageModel())).isEqualTo(model);
        assertThat(mirror.requests().get(1).range()).isEqualTo("bytes=" + kept + "-");
        assertThat(cacheFiles()).containsExactly("tiny.onnx");
    }

    @Test
    void aFileFetchedByHandIsCheckedAgainstThePinnedHashBeforeItIsStored() throws Exception {
        CatalogEntry e = entry(sha, model.length, LoopbackMirror.unreachableUrl(PATH));
        Path wrong = OnnxTestModels.model("cnn-nhwc.onnx");
        assertThatThrownBy(() -> models().importFiles(e, List.of(wrong)))
                .hasMessageContaining("is not tiny's tiny.onnx")
                .hasMessageContaining("Nothing was stored");
        assertThat(cacheFiles()).isEmpty();
        Path downloaded = tmp.resolve("Downloads/mobile.onnx");
        Files.createDirectories(downloaded.getParent());
        Files.write(downloaded, model);
        CatalogModels.Fetched f = models().importFiles(e, List.of(downloaded));
        assertThat(f.imageModel()).isEqualTo(tmp.resolve("cache/tiny/tiny.onnx").toAbsolutePath());
        assertThat(cacheFiles()).containsExactly("tiny.onnx");
    }
}
