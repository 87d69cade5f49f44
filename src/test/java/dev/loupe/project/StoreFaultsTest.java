package dev.loupe.project;

import dev.loupe.DiskFullException;
import dev.loupe.testing.FaultyDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.loupe.project.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store on a disk that runs out of room or turns read-only (docs/adr/0025-faults.md): the failure is named as such,
 * the transaction is all or nothing, and the same open store carries on once it can write again.
 */
class StoreFaultsTest {

    @TempDir
    Path tmp;

    private static List<NewImage> many(Path root, int n) {
        List<NewImage> out = new ArrayList<>();
        char[] pad = new char[200];
        Arrays.fill(pad, 'x');
        for (int i = 0; i < n; i++) {
            out.add(image(root, "big/" + new String(pad) + i + ".png"));
        }
        return out;
    }

    /**
     * SQLite itself running out of room (its page limit stands in for the disk; a really full one, where SQLite also rolls
     * the transaction back by itself, is {@code faults.RealDiskFullTest}).
     */
    @Test
    void sqliteRunningOutOfRoomIsAFullDiskNotADatabaseErrorAndTheSameStoreGoesOn() {
        Path dir = tmp.resolve("p.loupe");
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            store.addImages(List.of(image(tmp, "a.png")));
            store.pragma("max_page_count=" + store.pragma("page_count"));
            List<NewImage> batch = many(tmp, 400);
            assertThatThrownBy(() -> store.addImages(batch))
                    .isInstanceOf(DiskFullException.class)
                    .hasMessageStartingWith("The disk holding " + dir + " is full (")
                    .hasMessageContaining("the last change to the project was not saved")
                    .message().doesNotContain("SQLITE", "SQL error", "transaction", "null");
            assertThat(store.images()).hasSize(1); // all or nothing
            store.pragma("max_page_count=1073741823"); // the space is back
            store.addImages(batch);
            assertThat(store.images()).hasSize(401);
        }
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            assertThat(store.images()).hasSize(401);
        }
    }

    @Test
    void aCommitTheDiskRefusesSavesNothingAndTheStoreCarriesOnWhenSpaceReturns() {
        Path dir = tmp.resolve("p.loupe");
        try (ProjectStore store = ProjectStore.open(dir, true); FaultyDisk disk = FaultyDisk.install()) {
            long cat = store.addClass("cat", null, null).id();
            List<Long> ids = store.addImages(List.of(image(tmp, "a.png"), image(tmp, "b.png")));
            store.label(ids.get(0), cat, null, null);
            disk.failNow(FaultyDisk.Fault.FULL);
            assertThatThrownBy(() -> store.label(ids.get(1), cat, null, null)).isInstanceOf(DiskFullException.class)
                    .hasMessageContaining("The disk holding " + dir);
            assertThatThrownBy(() -> store.addLabelledImages(List.of(image(tmp, "c.png")), Arrays.asList("dog")))
                    .isInstanceOf(DiskFullException.class);
            assertThatThrownBy(store::probeWrite).isInstanceOf(DiskFullException.class);
            assertThat(store.currentLabels()).isEqualTo(Map.of(ids.get(0), cat)); // reading goes on
            assertThat(store.images()).hasSize(2);
            assertThat(store.classByName("dog")).isEmpty(); // the batch's class went with its images and labels

            disk.spaceReturns();
            store.probeWrite();
            store.label(ids.get(1), cat, null, null);
            store.addLabelledImages(List.of(image(tmp, "c.png")), Arrays.asList("dog"));
            assertThat(store.currentLabels()).hasSize(3);
        }
    }

    @Test
    void aFolderTurningReadOnlyIsReportedAsSuch() {
        try (ProjectStore store = ProjectStore.open(tmp.resolve("p.loupe"), true); FaultyDisk disk = FaultyDisk.install()) {
            disk.failNow(FaultyDisk.Fault.READ_ONLY);
            assertThatThrownBy(() -> store.addClass("cat", null, null))
                    .isInstanceOf(ProjectException.class)
                    .hasMessageContaining("read-only")
                    .extracting(e -> ((ProjectException) e).kind()).isEqualTo(ProjectException.Kind.READ_ONLY);
        }
    }

    @Test
    void relinkingPointsImagesAtTheirNewFilesAndKeepsTheirIdsAndLabels() {
        try (ProjectStore store = ProjectStore.open(tmp.resolve("p.loupe"), true)) {
            Path old = tmp.resolve("old");
            Path now = tmp.resolve("new");
            List<Long> ids = store.addLabelledImages(List.of(image(old, "a/x.png"), image(old, "b/y.png")),
                    Arrays.asList("a", "b"));
            store.setStatuses(ids, ImageStatus.MISSING, "gone");
            int n = store.relinkImages(List.of(new ImageRelink(ids.get(0), now.resolve("a/x.png"), now, 5, 6),
                    new ImageRelink(ids.get(1), now.resolve("a/x.png"), now, 5, 6))); // the second path is taken
            assertThat(n).isEqualTo(1);
            ImageRecord moved = store.image(ids.get(0)).orElseThrow();
            assertThat(moved.path()).isEqualTo(now.resolve("a/x.png"));
            assertThat(moved.relPath()).isEqualTo("a/x.png");
            assertThat(moved.status()).isEqualTo(ImageStatus.OK);
            assertThat(store.image(ids.get(1)).orElseThrow().status()).isEqualTo(ImageStatus.MISSING);
            assertThat(store.currentLabels()).hasSize(2);
        }
    }
}
