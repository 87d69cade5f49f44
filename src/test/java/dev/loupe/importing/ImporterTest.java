package dev.loupe.importing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ImporterTest {
    @TempDir
    Path tmp;

    private Importer importer(Path thumbs) {
        return new Importer(new ImageDecoder(), new ThumbnailCache(thumbs));
    }

    @Test
    void labelFromFolderRule() {
        Path root = Path.of("/data/set");
        assertThat(Importer.labelFor(root, root.resolve("a.png"))).isNull();
        assertThat(Importer.labelFor(root, root.resolve("cats/a.png"))).isEqualTo("cats");
        assertThat(Importer.labelFor(root, root.resolve("animals/Cats/a.png"))).isEqualTo("Cats");
        for (String none : List.of("unlabelled", "Unlabeled", "POOL", "unsorted")) {
            assertThat(Importer.labelFor(root, root.resolve(none + "/a.png"))).as(none).isNull();
            assertThat(Importer.labelFor(root, root.resolve("cats/" + none + "/a.png"))).as(none).isNull();
        }
        assertThat(Importer.relPath(root, root.resolve("x/y/z.png"))).isEqualTo("x/y/z.png");
    }

    @Test
    @Timeout(120)
    void endToEndEveryAwkwardFileIsAccountedFor() throws Exception {
        Path root = tmp.resolve("in");
        Map<String, String> expected = AwkwardFolder.create(root);
        FakeSink sink = new FakeSink();
        List<int[]> progress = new ArrayList<>();
        Thread caller = Thread.currentThread();
        AtomicBoolean listenerOnCaller = new AtomicBoolean(true);
        ImportOptions opts = ImportOptions.of(root).withLabelsFromSubfolders(true).withThreads(4).withBatchSize(5)
                .withListener((done, total, current) -> {
                    progress.add(new int[] {done, total});
                    listenerOnCaller.compareAndSet(true, Thread.currentThread() == caller);
                });
        ImportReport r = importer(tmp.resolve("thumbs")).run(opts, sink);

        assertThat(r.found()).isEqualTo(expected.size());
        assertThat(r.accountsForEveryFile()).isTrue();
        assertThat(r.hiddenIgnored()).isEqualTo(AwkwardFolder.HIDDEN);
        assertThat(r.cancelled()).isFalse();
        assertThat(sink.callers).containsExactly(caller);
        assertThat(listenerOnCaller).isTrue();
        assertThat(sink.batchSizes).allMatch(n -> n >= 1 && n <= 5);
        assertThat(progress.get(progress.size() - 1)).containsExactly(r.found(), r.found());

        Map<String, String> skipped = new HashMap<>();
        r.skipped().forEach(s -> skipped.put(Importer.relPath(root.toAbsolutePath(), s.path()), s.reason()));
        Map<String, Integer> groupImported = new HashMap<>();
        Map<String, Integer> groupSize = new HashMap<>();
        int labelled = 0;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String rel = e.getKey();
            String[] outcome = e.getValue().split(":", 2);
            switch (outcome[0]) {
                case "imported" -> {
                    assertThat(sink.byRelPath).as(rel + " " + skipped.get(rel)).containsKey(rel);
                    String label = outcome[1].equals("-") ? null : outcome[1];
                    assertThat(sink.byRelPath.get(rel).labelFromFolder()).as(rel).isEqualTo(label);
                    labelled += label == null ? 0 : 1;
                }
                case "skipped" -> assertThat(skipped.get(rel)).as(rel).isEqualTo(outcome[1]);
                case "duplicate-of" -> {
                    groupSize.merge(outcome[1], 1, Integer::sum);
                    groupImported.merge(outcome[1], sink.byRelPath.containsKey(rel) ? 1 : 0, Integer::sum);
                    assertThat(skipped).as(rel).doesNotContainKey(rel);
                }
                default -> throw new AssertionError(e.getValue());
            }
        }
        assertThat(groupImported).containsExactlyEntriesOf(Map.of("photo", 1));
        assertThat(sink.byRelPath).containsKey("photo-copy.JPG");  // first in scan order
        assertThat(r.duplicates()).isEqualTo(groupSize.get("photo") - 1);
        assertThat(r.alreadyInProject()).isZero();
        assertThat(r.imported()).isEqualTo(sink.byRelPath.size());
        assertThat(r.labelled()).isEqualTo(labelled);
        assertThat(r.skipped()).hasSize(skipped.size());

        ImportedImage rotated = sink.byRelPath.get("rotated/exif6.jpg");
        assertThat(rotated.width()).isEqualTo(20);
        assertThat(rotated.height()).isEqualTo(40);
        ImportedImage huge = sink.byRelPath.get("big/huge.png");
        assertThat(huge.width()).isEqualTo(30000);
        assertThat(huge.format()).isEqualTo("png");
        assertThat(sink.byRelPath.get("birds/lossy.WebP").format()).isEqualTo("webp");
        assertThat(sink.byRelPath.get("café 日本.png").root()).isEqualTo(root.toAbsolutePath());
        ThumbnailCache thumbs = new ThumbnailCache(tmp.resolve("thumbs"));
        for (ImportedImage img : sink.byRelPath.values()) {
            assertThat(thumbs.get(img.sha256())).as(img.relPath()).isPresent();
            assertThat(img.sha256()).isEqualTo(Importer.sha256(img.path()));
            assertThat(img.sizeBytes()).isEqualTo(Files.size(img.path()));
        }

        // The same folder again: every image is already in the project, nothing is new.
        ImportReport again = importer(tmp.resolve("thumbs")).run(opts, sink);
        assertThat(again.found()).isEqualTo(r.found());
        assertThat(again.imported()).isZero();
        assertThat(again.alreadyInProject()).isEqualTo(r.imported());
        assertThat(again.duplicates()).isEqualTo(r.imported() + r.duplicates());
        assertThat(again.skipped()).hasSameSizeAs(r.skipped());
        assertThat(again.accountsForEveryFile()).isTrue();
    }

    @Test
    @Timeout(60)
    void duplicatesRacingAcrossThreadsAreImportedOnce() throws Exception {
        Path root = tmp.resolve("in");
        AwkwardFiles.write(AwkwardFiles.redBlue(50, 40), "png", root.resolve("orig.png"));
        for (int i = 0; i < 40; i++) {
            Files.copy(root.resolve("orig.png"), root.resolve("copy" + i + ".png"));
            AwkwardFiles.write(AwkwardFiles.redBlue(50 + i + 1, 40), "png", root.resolve("other" + i + ".png"));
        }
        for (int round = 0; round < 3; round++) {
            FakeSink sink = new FakeSink();
            ImportReport r = importer(tmp.resolve("thumbs")).run(ImportOptions.of(root).withThreads(8), sink);
            assertThat(r.found()).isEqualTo(81);
            // Decided in scan order: the first of the copies is the one imported.
            assertThat(sink.byRelPath).containsKey("copy0.png").doesNotContainKeys("copy1.png", "orig.png");
            assertThat(r.imported()).isEqualTo(41);
            assertThat(r.duplicates()).isEqualTo(40);
            assertThat(r.skipped()).isEmpty();
            assertThat(sink.hashes).hasSize(41);
        }
    }

    @Test
    void contentAlreadyInTheProjectCountsAsDuplicate() throws Exception {
        Path root = tmp.resolve("in");
        Path f = AwkwardFiles.write(AwkwardFiles.redBlue(50, 40), "png", root.resolve("a.png"));
        FakeSink sink = new FakeSink();
        sink.hashes.add(Importer.sha256(f));
        ImportReport r = importer(tmp.resolve("thumbs")).run(ImportOptions.of(root), sink);
        assertThat(r.duplicates()).isEqualTo(1);
        assertThat(r.alreadyInProject()).isZero();
        assertThat(r.imported()).isZero();
    }

    @Test
    void copiesOfABrokenFileAreSkippedWithItsReason() throws Exception {
        Path root = tmp.resolve("in");
        Path ok = AwkwardFiles.write(AwkwardFiles.redBlue(100, 100), "png", tmp.resolve("ok.png"));
        AwkwardFiles.truncated(ok, root.resolve("a.png"), 0.5);
        AwkwardFiles.truncated(ok, root.resolve("b.png"), 0.5);
        AwkwardFiles.empty(root.resolve("e1.png"));
        AwkwardFiles.empty(root.resolve("e2.png"));
        ImportReport r = importer(tmp.resolve("thumbs")).run(ImportOptions.of(root).withThreads(4), new FakeSink());
        assertThat(r.imported()).isZero();
        assertThat(r.duplicates()).isZero();
        assertThat(r.skipped()).extracting(SkippedFile::reason).containsExactlyInAnyOrder(
                "truncated or corrupt image",
                "truncated or corrupt image (same content as a.png)",
                "empty file", "empty file");
    }

    @Test
    void anExceptionOrErrorOnADecodeThreadSkipsThatFileWithItsReasonAndTheRestIsImported() throws Exception {
        Path root = tmp.resolve("in");
        for (int i = 0; i < 6; i++) {
            AwkwardFiles.write(AwkwardFiles.redBlue(40 + i, 30), "png", root.resolve("p" + i + ".png"));
        }
        Importer importer = new Importer(dev.loupe.testing.FailingDecoder.failingOn("p2.png", "p4.png"), new ThumbnailCache(tmp.resolve("thumbs")));
        FakeSink sink = new FakeSink();
        ImportReport r = importer.run(ImportOptions.of(root).withThreads(3).withBatchSize(2), sink);
        assertThat(r.imported()).isEqualTo(4);
        assertThat(sink.hashes).hasSize(4);
        assertThat(r.skipped()).extracting(f -> f.path().getFileName().toString(), SkippedFile::reason)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("p2.png", "internal error: java.lang.IllegalStateException: injected"),
                        org.assertj.core.groups.Tuple.tuple("p4.png", "internal error: java.lang.AssertionError: injected error"));
    }

    @Test
    void decodedPixelsReachTheHookOnceEach() throws Exception {
        Path root = tmp.resolve("in");
        for (int i = 0; i < 7; i++) {
            AwkwardFiles.write(AwkwardFiles.redBlue(900 + i, 600), "png", root.resolve("p" + i + ".png"));
        }
        FakeSink sink = new FakeSink();
        Map<String, DecodedImport> seen = new HashMap<>();
        Thread caller = Thread.currentThread();
        ImportOptions opts = ImportOptions.of(root).withThreads(3).withBatchSize(3).withOnDecoded(d -> {
            assertThat(Thread.currentThread()).isSameAs(caller);
            // Handed over only after the sink has the image.
            assertThat(sink.hashes).contains(d.image().sha256());
            assertThat(seen.put(d.image().sha256(), d)).isNull();
        });
        ImportReport r = importer(tmp.resolve("thumbs")).run(opts, sink);
        assertThat(r.imported()).isEqualTo(7);
        assertThat(seen).hasSize(7);
        for (DecodedImport d : seen.values()) {
            assertThat(d.decoded().image().getWidth()).isEqualTo(512);
            assertThat(d.decoded().width()).isEqualTo(d.image().width());
        }
        assertThat(sink.batchSizes).containsExactly(3, 3, 1);
    }

    @Test
    void cancellingStopsAndStillAccountsForEveryFile() throws Exception {
        Path root = tmp.resolve("in");
        for (int i = 0; i < 30; i++) {
            AwkwardFiles.write(AwkwardFiles.redBlue(300 + i, 200), "png", root.resolve("p" + i + ".png"));
        }
        AtomicInteger settled = new AtomicInteger();
        ImportOptions opts = ImportOptions.of(root).withThreads(2)
                .withListener((done, total, current) -> settled.set(done))
                .withCancel(() -> settled.get() >= 5);
        ImportReport r = importer(tmp.resolve("thumbs")).run(opts, new FakeSink());
        assertThat(r.cancelled()).isTrue();
        assertThat(r.found()).isEqualTo(30);
        assertThat(r.accountsForEveryFile()).isTrue();
        assertThat(r.imported()).isBetween(5, 10);
        assertThat(r.skipped()).allMatch(s -> s.reason().equals("import cancelled"));
    }
}
