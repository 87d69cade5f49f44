package dev.loupe.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.backbone.Backbone;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.ImportOptions;
import dev.loupe.importing.ImportReport;
import dev.loupe.importing.Importer;
import dev.loupe.importing.SkippedFile;
import dev.loupe.importing.StoreImportSink;
import dev.loupe.importing.ThumbnailCache;
import dev.loupe.project.EmbeddingSet;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.FaultyDisk;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Images that moved (a renamed folder, a drive mounted elsewhere) are found again by content, keeping their labels,
 * embeddings and thumbnails; an image folder that disappears in the middle of an import, and a disk that fills up
 * during one, are accounted for file by file, and the next import finishes the job.
 */
class MovedImagesTest {

    @TempDir
    Path tmp;

    private record Snapshot(Map<Long, Long> labels, Map<Long, String> relPaths, EmbeddingSet embeddings,
                            Map<String, FileTime> thumbnails) {
    }

    private static Snapshot snapshot(Path project) throws Exception {
        try (ProjectStore store = ProjectStore.open(project, false); Backbone backbone = ProjectBackbone.load(store)) {
            Map<Long, String> rel = new HashMap<>();
            for (ImageRecord r : store.images()) {
                rel.put(r.id(), r.relPath());
            }
            Map<String, FileTime> thumbs = new HashMap<>();
            try (Stream<Path> files = Files.walk(store.dir().resolve(ProjectStore.THUMBS_DIR))) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    thumbs.put(f.getFileName().toString(), Files.getLastModifiedTime(f));
                }
            }
            return new Snapshot(store.currentLabels(), rel, store.embeddings(backbone.id()), thumbs);
        }
    }

    @Test
    void aMovedFolderImportedAgainIsFoundAgainWholeWithLabelsEmbeddingsAndThumbnailsKept() throws Exception {
        Path before = TestImages.imageFolder(tmp.resolve("photos"), 3, 8);
        Path project = tmp.resolve("p.loupe");
        JsonNode first = CliRun.run("import", project.toString(), before.toString(), "--labels-from-subfolders", "--json").json();
        assertThat(first.get("imported").asInt()).isEqualTo(24);
        Snapshot was = snapshot(project);

        Path after = Files.move(before, Files.createDirectories(tmp.resolve("drive")).resolve("photos-2024"));
        CliRun again = CliRun.run("import", project.toString(), after.toString(), "--labels-from-subfolders", "--json");
        assertThat(again.exitCode()).as(again.err()).isZero();
        JsonNode r = again.json();
        assertThat(r.get("found_again").asInt()).as("100 % relinked").isEqualTo(24);
        assertThat(r.get("imported").asInt()).isZero();
        assertThat(r.get("duplicates").asInt()).isZero();
        assertThat(r.get("embedded").asInt()).as("no embedding computed again").isZero();

        Snapshot now = snapshot(project);
        assertThat(now.labels()).isEqualTo(was.labels());
        assertThat(now.relPaths()).isEqualTo(was.relPaths());
        assertThat(now.embeddings().ids()).containsExactly(was.embeddings().ids());
        for (int i = 0; i < was.embeddings().size(); i++) {
            assertThat(now.embeddings().vectors()[i]).containsExactly(was.embeddings().vectors()[i]);
        }
        assertThat(now.thumbnails()).as("thumbnails reused, not written again").isEqualTo(was.thumbnails());
        try (ProjectStore store = ProjectStore.open(project, false)) {
            assertThat(store.images()).allSatisfy(i -> assertThat(i.path()).startsWith(after));
        }
        CliRun text = CliRun.run("import", project.toString(), after.toString());
        assertThat(text.out()).contains("0 imported, 24 duplicates (24 already in the project)");
        CliRun export = CliRun.run("export", project.toString(), "--imagefolder", tmp.resolve("copy").toString(), "--json");
        assertThat(export.json().at("/imagefolder/copied").asInt()).isEqualTo(24);
    }

    @Test
    void locateFindsMovedImagesInAFolderAboveThemKeepingTheirRelativePathsAndImportsNothing() throws Exception {
        Path before = TestImages.imageFolder(tmp.resolve("photos"), 2, 5);
        Path project = tmp.resolve("p.loupe");
        assertThat(CliRun.run("import", project.toString(), before.toString(), "--labels-from-subfolders").exitCode()).isZero();
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.move(before, elsewhere.resolve("renamed"));
        TestImages.png(elsewhere.resolve("unrelated/new.png"), 1, 777); // not in the project: stays out
        assertThat(CliRun.run("queue", project.toString()).err()).doesNotContain("null"); // marks them missing
        assertThat(CliRun.run("status", project.toString(), "--json").json().at("/images_by_status/missing").asInt())
                .isEqualTo(10);

        CliRun located = CliRun.run("locate", project.toString(), elsewhere.toString(), "--json");
        assertThat(located.exitCode()).as(located.err()).isZero();
        assertThat(located.json().get("found_again").asInt()).isEqualTo(10);
        assertThat(located.json().get("still_missing").asInt()).isZero();
        try (ProjectStore store = ProjectStore.open(project, false)) {
            assertThat(store.imageCount()).isEqualTo(10);
            assertThat(store.images()).allSatisfy(i -> {
                assertThat(i.root()).isEqualTo(elsewhere.resolve("renamed"));
                assertThat(i.relPath()).matches("class[01]/img\\d\\.png");
            });
            assertThat(store.currentLabels()).hasSize(10);
        }
        assertThat(CliRun.run("queue", project.toString(), "--json").exitCode()).isZero();
        assertThat(CliRun.run("status", project.toString(), "--json").json().at("/images_by_status/missing").asInt()).isZero();
        assertThat(CliRun.run("label", project.toString(), "class0/img1.png", "class1").exitCode())
                .as("the relative path still names it").isZero();
    }

    @Test
    void anImageFolderThatDisappearsMidImportIsAccountedForFileByFileAndFoundAgainLater() throws Exception {
        Path photos = TestImages.imageFolder(tmp.resolve("photos"), 2, 10);
        Path moved = tmp.resolve("moved");
        Path project = tmp.resolve("p.loupe");
        ImportReport report;
        try (ProjectStore store = ProjectStore.open(project, true)) {
            report = StoreImportSink.importInto(store, ImportOptions.of(photos).withThreads(1).withBatchSize(4)
                    .withListener((done, total, current) -> {
                        if (done == 6 && Files.exists(photos)) {
                            try {
                                Files.move(photos, moved); // unplugged, or renamed by someone else
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    }));
            assertThat(report.accountsForEveryFile()).isTrue();
            assertThat(report.found()).isEqualTo(20);
            assertThat(report.imported()).isBetween(1, 19).isEqualTo((int) store.imageCount());
            assertThat(report.skipped()).isNotEmpty().allSatisfy(s -> assertThat(s.reason())
                    .isIn("unreadable: file disappeared", "unreadable: no such file", "file disappeared during scan")
                    .doesNotContain("null"));
        }
        ImportReport again;
        try (ProjectStore store = ProjectStore.open(project, false)) {
            again = StoreImportSink.importInto(store, ImportOptions.of(moved));
            assertThat(again.relinked()).isEqualTo(report.imported());
            assertThat(again.imported()).isEqualTo(20 - report.imported());
            assertThat(store.imageCount()).isEqualTo(20);
            assertThat(store.images()).allSatisfy(i -> assertThat(i.path()).startsWith(moved));
        }
    }

    @Test
    void anImportStoppedByAFullDiskSavesExactlyWhatItReportsLeavesNoHalfThumbnailAndFinishesWhenRunAgain()
            throws Exception {
        Path photos = TestImages.imageFolder(tmp.resolve("photos"), 3, 10);
        Path project = tmp.resolve("p.loupe");
        ImportReport report;
        try (ProjectStore store = ProjectStore.open(project, true); FaultyDisk disk = FaultyDisk.install()) {
            disk.failFromWrite(12, FaultyDisk.Fault.FULL);
            report = new Importer(new ImageDecoder(), new ThumbnailCache(store.dir().resolve("thumbs")))
                    .run(ImportOptions.of(photos).withLabelsFromSubfolders(true).withThreads(2).withBatchSize(4),
                            new StoreImportSink(store));
            disk.spaceReturns();
            assertThat(report.stopped()).startsWith("The disk holding " + store.dir() + " is full (")
                    .contains("the import stopped after " + report.imported() + " new image", "Free at least ",
                            "import the folder again");
            assertThat(report.diskFull()).isTrue();
            assertThat(report.accountsForEveryFile()).isTrue();
            assertThat(report.imported()).isEqualTo((int) store.imageCount()).isLessThan(30);
            assertThat(report.labelled()).isEqualTo(store.currentLabels().size()).isEqualTo(report.imported());
            assertThat(report.skipped()).extracting(SkippedFile::reason).containsOnly(Importer.NOT_SAVED);
            try (Stream<Path> files = Files.walk(store.dir())) {
                assertThat(files.map(Path::toString)).noneMatch(n -> n.endsWith(".tmp"));
            }
        }
        CliRun again = CliRun.run("import", project.toString(), photos.toString(), "--labels-from-subfolders", "--json");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.json().get("imported").asInt()).isEqualTo(30 - report.imported());
        assertThat(CliRun.run("status", project.toString()).out()).contains("Images    30 ", "Labelled  30");
        assertThat(again.json().get("stopped").isNull()).isTrue();
    }
}
