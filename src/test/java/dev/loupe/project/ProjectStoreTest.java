package dev.loupe.project;

import static dev.loupe.project.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectStoreTest {

    @TempDir
    Path tmp;
    Path dir;
    Path photos;
    ProjectStore store;

    @BeforeEach
    void open() {
        dir = tmp.resolve("birds.loupe");
        photos = tmp.resolve("photos");
        store = ProjectStore.open(dir, true);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private ProjectStore reopen() {
        store.close();
        store = ProjectStore.open(dir, false);
        return store;
    }

    @Test
    void aClassKeepsTheTextEmbeddingItStartsFromAcrossRenamesDeletesAndReopening() {
        ClassText cat = new ClassText("clip-text@abc", "cat", new float[] {0.6f, 0.8f}, 100f);
        LabelClass c = store.addClass("cat", null, null, cat);
        LabelClass d = store.addClass("dog", null, null);
        assertThat(store.classText(c.id())).contains(cat);
        assertThat(store.classText(d.id())).isEmpty();

        store.renameClass(c.id(), "kitten"); // no new text given: the old one stays
        assertThat(reopen().classText(c.id())).contains(cat);
        ClassText kitten = new ClassText("clip-text@abc", "kitten", new float[] {0.8f, -0.6f}, 100f);
        store.renameClass(c.id(), "kitten cat", kitten);
        assertThat(reopen().classTexts()).containsExactly(Map.entry(c.id(), kitten));
        assertThat(store.classById(c.id()).orElseThrow().name()).isEqualTo("kitten cat");

        store.deleteClass(c.id());
        assertThat(store.classTexts()).containsKey(c.id()); // a deleted class keeps its row, as in classes
        assertThatThrownBy(() -> store.addClass("bad", null, null, new ClassText("m", "bad", new float[0], 100f)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void createMakesTheFolderLayoutAndDurableSettings() {
        assertThat(dir.resolve("project.db")).isRegularFile();
        assertThat(dir.resolve("models")).isDirectory();
        assertThat(dir.resolve("thumbs")).isDirectory();
        assertThat(store.modelsDir()).isEqualTo(dir.resolve("models"));
        assertThat(store.pragma("journal_mode")).isEqualToIgnoringCase("wal");
        assertThat(store.pragma("synchronous")).isEqualTo("2"); // FULL
        assertThat(store.pragma("foreign_keys")).isEqualTo("1");
        assertThat(store.pragma("application_id")).isEqualTo(Integer.toString(Schema.APPLICATION_ID));
        assertThat(store.schemaVersion()).isEqualTo(Schema.latest(Schema.ALL));
    }

    @Test
    void imagesAreAddedInBatchAndFoundByPathRelPathHashAndSizeMtime() {
        List<Long> ids = store.addImages(List.of(image(photos, "a/one.png"), image(photos, "two.jpg")));
        assertThat(ids).hasSize(2).doesNotHaveDuplicates();
        assertThat(store.imageCount()).isEqualTo(2);

        ImageRecord one = store.findByPath(photos.resolve("a/../a/one.png")).orElseThrow();
        assertThat(one.id()).isEqualTo(ids.get(0));
        assertThat(one.relPath()).isEqualTo("a/one.png");
        assertThat(one.root()).isEqualTo(photos.toAbsolutePath());
        assertThat(one.status()).isEqualTo(ImageStatus.OK);
        assertThat(one.width()).isEqualTo(64);
        assertThat(store.findByRelPath("a\\one.png")).contains(one);
        assertThat(store.findByHash(one.sha256())).containsExactly(one);
        assertThat(store.findByHash(one.sha256().toUpperCase(java.util.Locale.ROOT))).containsExactly(one);
        assertThat(store.knownFile(one.path(), one.sizeBytes(), one.mtimeMs())).contains(one);
        assertThat(store.knownFile(one.path(), one.sizeBytes(), one.mtimeMs() + 1)).isEmpty();
        assertThat(store.findByPath(photos.resolve("nope.png"))).isEmpty();
    }

    @Test
    void theImageListHoldsEveryImagesIdHashAndFileInIdOrder() {
        TestImages.addMany(store, photos, 5);
        store.addImages(List.of(image(photos, "sub/late.png")));
        List<ImageRecord> all = store.images();
        ProjectStore.ImageList list = store.imageList();
        assertThat(list.ids()).containsExactly(all.stream().mapToLong(ImageRecord::id).toArray());
        assertThat(list.sha256()).containsExactly(all.stream().map(ImageRecord::sha256).toArray(String[]::new));
        assertThat(list.paths()).containsExactly(all.stream().map(r -> r.path().toString()).toArray(String[]::new));
        assertThat(list.ids()).isSorted().hasSize(6);
    }

    @Test
    void reimportingAPathKeepsItsIdAndUpdatesTheRow() {
        long id = store.addImages(List.of(image(photos, "x.png"))).get(0);
        NewImage changed = new NewImage(photos.resolve("x.png"), photos, null, 5, 6, null, null,
                ImageStatus.FAILED, "cannot decode");
        assertThat(store.addImages(List.of(changed))).containsExactly(id);
        ImageRecord r = store.image(id).orElseThrow();
        assertThat(r.status()).isEqualTo(ImageStatus.FAILED);
        assertThat(r.statusReason()).isEqualTo("cannot decode");
        assertThat(r.width()).isNull();
        assertThat(store.imageCount()).isEqualTo(1);
    }

    @Test
    void relPathMatchingSeveralRootsIsAnErrorListingThem() {
        Path other = tmp.resolve("more");
        store.addImages(List.of(image(photos, "cat.png"), image(other, "cat.png")));
        assertThatThrownBy(() -> store.findByRelPath("cat.png"))
                .isInstanceOf(ProjectException.class)
                .hasMessageContaining(photos.resolve("cat.png").toString())
                .hasMessageContaining(other.resolve("cat.png").toString());
    }

    @Test
    void imageOutsideItsRootIsRefusedAndTheBatchIsAllOrNothing() {
        assertThatThrownBy(() -> store.addImages(List.of(image(photos, "ok.png"),
                new NewImage(tmp.resolve("elsewhere.png"), photos, "00", 1, 1, 1, 1))))
                .isInstanceOf(ProjectException.class);
        assertThat(store.imageCount()).isZero();
    }

    @Test
    void setStatusMarksMissing() {
        long id = store.addImages(List.of(image(photos, "gone.png"))).get(0);
        store.setStatus(id, ImageStatus.MISSING, "file not found");
        assertThat(store.image(id).orElseThrow().status()).isEqualTo(ImageStatus.MISSING);
        assertThat(store.stats().imagesByStatus()).containsEntry(ImageStatus.MISSING, 1L)
                .containsEntry(ImageStatus.OK, 0L);
        assertThatThrownBy(() -> store.setStatus(999, ImageStatus.OK, null)).isInstanceOf(ProjectException.class);
    }

    @Test
    void imageCountsPerStatusFollowEveryChangeHereAndAnotherProcesssToo() throws Exception {
        List<Long> ids = TestImages.addMany(store, photos, 6);
        assertThat(store.stats().imagesByStatus()).containsEntry(ImageStatus.OK, 6L); // counted, then kept
        LabelClass a = store.addClass("a", null, null);
        store.label(ids.get(0), a.id(), null, null); // a label leaves the counts as they are
        assertThat(store.stats().imagesByStatus()).containsEntry(ImageStatus.OK, 6L);

        store.setStatus(ids.get(1), ImageStatus.MISSING, "gone");
        assertThat(store.stats().imagesByStatus()).containsEntry(ImageStatus.OK, 5L).containsEntry(ImageStatus.MISSING, 1L);
        store.setStatuses(List.of(ids.get(2), ids.get(3)), ImageStatus.FAILED, "bad");
        assertThat(store.stats().imagesByStatus()).containsEntry(ImageStatus.OK, 3L).containsEntry(ImageStatus.FAILED, 2L);
        Path moved = Files.createDirectories(tmp.resolve("moved"));
        Files.writeString(moved.resolve("back.png"), "x");
        store.relinkImages(List.of(new ImageRelink(ids.get(1), moved.resolve("back.png"), moved, 1, 1)));
        assertThat(store.stats().imagesByStatus()).containsEntry(ImageStatus.OK, 4L).containsEntry(ImageStatus.MISSING, 0L);
        store.addImages(List.of(image(photos, "new.png")));
        assertThat(store.stats().imagesByStatus()).containsEntry(ImageStatus.OK, 5L);
        assertThat(store.stats().images()).isEqualTo(7);

        // Another connection to the same file (another process) changes a status: seen on the next call.
        try (Connection other = DriverManager.getConnection(
                "jdbc:sqlite:" + store.dir().resolve(ProjectStore.DB_FILE));
             Statement st = other.createStatement()) {
            st.executeUpdate("UPDATE images SET status = 'missing' WHERE id = " + ids.get(5));
        }
        assertThat(store.stats().imagesByStatus()).containsEntry(ImageStatus.OK, 4L).containsEntry(ImageStatus.MISSING, 1L);
    }

    @Test
    void classesGetDistinctColoursAndHotkeysAndStableIds() {
        LabelClass a = store.addClass("robin", null, null);
        LabelClass b = store.addClass("wren", null, null);
        LabelClass c = store.addClass("owl", "#ABCDEF", 'o');
        assertThat(a.hotkey()).isEqualTo('1');
        assertThat(b.hotkey()).isEqualTo('2');
        assertThat(a.colour()).isNotEqualTo(b.colour()).matches("#[0-9a-f]{6}");
        assertThat(c.colour()).isEqualTo("#abcdef");
        assertThat(store.classes()).extracting(LabelClass::name).containsExactly("robin", "wren", "owl");
        assertThat(store.classByName("ROBIN")).contains(a);

        assertThatThrownBy(() -> store.addClass("Robin", null, null)).hasMessageContaining("already exists");
        assertThatThrownBy(() -> store.addClass("kite", null, 'O')).hasMessageContaining("Hotkey");
        assertThatThrownBy(() -> store.addClass("kite", "red", null)).hasMessageContaining("#rrggbb");
        assertThatThrownBy(() -> store.addClass("  ", null, null)).isInstanceOf(ProjectException.class);

        store.deleteClass(a.id());
        LabelClass again = store.addClass("robin", null, null);
        assertThat(again.id()).isGreaterThan(c.id()); // never reused
        assertThat(again.hotkey()).isEqualTo('1');    // the deleted class freed it
        assertThat(store.classById(a.id()).orElseThrow().deleted()).isTrue();
        assertThat(store.allClasses()).hasSize(4);
    }

    @Test
    void labelChoosesLabelOrRelabelAndSameClassIsANoOp() {
        long img = store.addImages(List.of(image(photos, "p.png"))).get(0);
        LabelClass a = store.addClass("a", null, null);
        LabelClass b = store.addClass("b", null, null);

        JournalEntry first = store.label(img, a.id(), true, 3L).orElseThrow();
        assertThat(first.kind()).isEqualTo(EventKind.LABEL);
        assertThat(first.prequential()).isTrue();
        assertThat(first.modelVersion()).isEqualTo(3L);
        assertThat(store.label(img, a.id(), false, 4L)).isEmpty();

        JournalEntry second = store.label(img, b.id(), false, null).orElseThrow();
        assertThat(second.kind()).isEqualTo(EventKind.RELABEL);
        assertThat(second.otherClassId()).isEqualTo(a.id());
        assertThat(second.seq()).isGreaterThan(first.seq());
        assertThat(store.currentLabels()).isEqualTo(Map.of(img, b.id()));

        JournalEntry off = store.unlabel(img).orElseThrow();
        assertThat(off.kind()).isEqualTo(EventKind.UNLABEL);
        assertThat(off.otherClassId()).isEqualTo(b.id());
        assertThat(store.unlabel(img)).isEmpty();
        assertThat(store.currentLabels()).isEmpty();
        assertThat(store.lastSeq()).isEqualTo(off.seq());
        assertThat(store.journalSince(first.seq())).containsExactly(second, off);
    }

    @Test
    void labelsRefuseUnknownImagesAndDeletedClassesWithoutWriting() {
        long img = store.addImages(List.of(image(photos, "p.png"))).get(0);
        LabelClass a = store.addClass("a", null, null);
        store.deleteClass(a.id());
        long before = store.lastSeq();
        assertThatThrownBy(() -> store.label(img, a.id(), null, null)).hasMessageContaining("deleted");
        assertThatThrownBy(() -> store.label(12345, a.id(), null, null)).hasMessageContaining("no image");
        assertThat(store.lastSeq()).isEqualTo(before);
    }

    @Test
    void classEventsAreJournalledAndChangeLabelsAsReplaySays() {
        List<Long> ids = TestImages.addMany(store, photos, 4);
        LabelClass a = store.addClass("a", null, null);
        LabelClass b = store.addClass("b", null, null);
        LabelClass c = store.addClass("c", null, null);
        store.label(ids.get(0), a.id(), null, null);
        store.label(ids.get(1), b.id(), null, null);
        store.label(ids.get(2), c.id(), null, null);
        store.label(ids.get(3), c.id(), null, null);

        LabelClass renamed = store.renameClass(a.id(), "alpha");
        assertThat(renamed.name()).isEqualTo("alpha");
        store.mergeClass(b.id(), a.id());
        store.deleteClass(c.id());

        Map<Long, Long> expected = Map.of(ids.get(0), a.id(), ids.get(1), a.id());
        assertThat(store.currentLabels()).isEqualTo(expected);
        assertThat(LabelReplay.replay(store.journal())).isEqualTo(expected);
        assertThat(store.classes()).extracting(LabelClass::name).containsExactly("alpha");
        assertThat(store.journal()).extracting(JournalEntry::kind).containsExactly(
                EventKind.CLASS_ADD, EventKind.CLASS_ADD, EventKind.CLASS_ADD,
                EventKind.LABEL, EventKind.LABEL, EventKind.LABEL, EventKind.LABEL,
                EventKind.CLASS_RENAME, EventKind.CLASS_MERGE, EventKind.CLASS_DELETE);
        JournalEntry merge = store.journal().get(8);
        assertThat(merge.classId()).isEqualTo(b.id());
        assertThat(merge.otherClassId()).isEqualTo(a.id());
        assertThat(store.journal().get(7).text()).isEqualTo("alpha");
        assertThatThrownBy(() -> store.mergeClass(a.id(), a.id())).isInstanceOf(ProjectException.class);
        assertThatThrownBy(() -> store.mergeClass(b.id(), a.id())).hasMessageContaining("deleted");
        assertThat(reopen().currentLabels()).isEqualTo(expected);
    }

    @Test
    void compensatingEventsRecordWhatTheyUndo() {
        long img = store.addImages(List.of(image(photos, "p.png"))).get(0);
        LabelClass a = store.addClass("a", null, null);
        JournalEntry label = store.label(img, a.id(), true, 1L).orElseThrow();
        JournalEntry undo = store.appendCompensating(label.seq(), img, null).orElseThrow();
        assertThat(undo.kind()).isEqualTo(EventKind.UNLABEL);
        assertThat(undo.undoOf()).isEqualTo(label.seq());
        assertThat(store.currentLabels()).isEmpty();
        JournalEntry redo = store.appendCompensating(undo.seq(), img, a.id()).orElseThrow();
        assertThat(redo.kind()).isEqualTo(EventKind.LABEL);
        assertThat(redo.undoOf()).isEqualTo(undo.seq());
        assertThat(reopen().journalEntry(redo.seq())).contains(redo);
        assertThatThrownBy(() -> store.appendCompensating(999, img, null)).isInstanceOf(ProjectException.class);
        long other = store.addImages(List.of(image(photos, "q.png"))).get(0);
        assertThatThrownBy(() -> store.appendCompensating(label.seq(), other, a.id()))
                .hasMessageContaining("is about image " + img);
    }

    @Test
    void labelsSurviveCloseAndReopen() {
        List<Long> ids = TestImages.addMany(store, photos, 3);
        LabelClass a = store.addClass("a", null, null);
        LabelClass b = store.addClass("b", null, null);
        store.label(ids.get(0), a.id(), true, null);
        store.label(ids.get(1), b.id(), false, null);
        store.label(ids.get(1), a.id(), null, null);
        Map<Long, Long> labels = store.currentLabels();
        List<JournalEntry> journal = store.journal();

        reopen();
        assertThat(store.currentLabels()).isEqualTo(labels).hasSize(2);
        assertThat(store.journal()).isEqualTo(journal);
        assertThat(store.classes()).containsExactly(a, b);
        assertThat(store.images()).hasSize(3);
    }

    @Test
    void theJournalIsAppendOnlyEvenForRawSql() throws Exception {
        long img = store.addImages(List.of(image(photos, "p.png"))).get(0);
        store.label(img, store.addClass("a", null, null).id(), null, null);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("project.db"));
             Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("UPDATE journal SET class_id = NULL"))
                    .hasMessageContaining("append-only");
            assertThatThrownBy(() -> s.executeUpdate("DELETE FROM journal"))
                    .hasMessageContaining("append-only");
        }
        assertThat(store.journal()).hasSize(2);
    }

    @Test
    void embeddingsRoundTripBitForBit() {
        List<Long> ids = TestImages.addMany(store, photos, 5);
        Random rnd = new Random(7);
        Map<Long, float[]> vectors = new HashMap<>();
        for (long id : ids.subList(0, 4)) {
            float[] v = new float[512];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian() * 1e3f;
            }
            vectors.put(id, v);
        }
        vectors.get(ids.get(0))[0] = Float.NaN;
        vectors.get(ids.get(0))[1] = -0.0f;
        vectors.get(ids.get(0))[2] = Float.MIN_VALUE;
        store.putEmbeddings("cnn-v1", vectors);

        EmbeddingSet set = reopen().embeddings("cnn-v1");
        assertThat(set.dim()).isEqualTo(512);
        assertThat(set.ids()).containsExactly(ids.get(0), ids.get(1), ids.get(2), ids.get(3));
        for (int i = 0; i < set.size(); i++) {
            float[] want = vectors.get(set.ids()[i]);
            for (int j = 0; j < want.length; j++) {
                assertThat(Float.floatToRawIntBits(set.vectors()[i][j])).isEqualTo(Float.floatToRawIntBits(want[j]));
            }
        }
        assertThat(store.imagesWithoutEmbedding("cnn-v1")).containsExactly(ids.get(4));
        assertThat(store.imagesWithoutEmbedding("other")).containsExactlyElementsOf(ids);
        assertThat(store.embeddings("other").size()).isZero();

        store.putEmbeddings("cnn-v1", Map.of(ids.get(1), new float[512]));
        assertThat(store.embeddings("cnn-v1").vectors()[1]).containsOnly(0f);
        assertThatThrownBy(() -> store.putEmbeddings("cnn-v1", Map.of(ids.get(4), new float[3])))
                .hasMessageContaining("512");
        assertThatThrownBy(() -> store.putEmbeddings("cnn-v1", Map.of(999L, new float[512])))
                .isInstanceOf(ProjectException.class);
        assertThat(store.embeddings("cnn-v1").size()).isEqualTo(4);
    }

    @Test
    void embeddingsIntoFillsOneBufferRowByRowInIdOrderBitForBit() {
        List<Long> ids = TestImages.addMany(store, photos, 4);
        Random rnd = new Random(11);
        Map<Long, float[]> vectors = new HashMap<>();
        for (long id : List.of(ids.get(2), ids.get(0), ids.get(3))) { // stored out of order, one image without
            float[] v = new float[64];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian() * 1e3f;
            }
            vectors.put(id, v);
        }
        vectors.get(ids.get(3))[5] = Float.NaN;
        vectors.get(ids.get(3))[6] = -0.0f;
        store.putEmbeddings("cnn-v1", vectors);

        for (java.nio.ByteOrder order : List.of(java.nio.ByteOrder.BIG_ENDIAN, java.nio.ByteOrder.LITTLE_ENDIAN)) {
            java.nio.FloatBuffer[] given = new java.nio.FloatBuffer[1];
            int[] asked = new int[2];
            long[] got = reopen().embeddingsInto("cnn-v1", (n, dim) -> {
                asked[0] = n;
                asked[1] = dim;
                given[0] = java.nio.ByteBuffer.allocateDirect(n * dim * 4).order(order).asFloatBuffer();
                return given[0];
            });
            assertThat(got).containsExactly(ids.get(0), ids.get(2), ids.get(3));
            assertThat(asked).containsExactly(3, 64);
            for (int r = 0; r < got.length; r++) {
                float[] want = vectors.get(got[r]);
                for (int j = 0; j < want.length; j++) {
                    assertThat(Float.floatToRawIntBits(given[0].get(r * 64 + j)))
                            .isEqualTo(Float.floatToRawIntBits(want[j]));
                }
            }
        }
        assertThat(store.embeddingsInto("other", (n, dim) -> {
            throw new AssertionError("nothing to allocate for a base model without embeddings");
        })).isEmpty();
    }

    @Test
    void modelVersionsAndSettingsPersist() throws Exception {
        Files.writeString(store.modelsDir().resolve("v0001.zip"), "x");
        ModelVersion v = store.addModelVersion("models/v0001.zip", 12, 40, "first");
        assertThatThrownBy(() -> store.addModelVersion("../escape.zip", 1, 1, null))
                .isInstanceOf(ProjectException.class);
        assertThatThrownBy(() -> store.addModelVersion(tmp.resolve("abs.zip").toString(), 1, 1, null))
                .isInstanceOf(ProjectException.class);
        store.setSetting("backbone", "cnn-v1");
        store.setSetting("strategy", "margin");
        store.setSetting("strategy", null);

        reopen();
        assertThat(store.modelVersions()).containsExactly(v);
        assertThat(store.latestModelVersion()).contains(v);
        assertThat(store.dir().resolve(v.file())).isRegularFile();
        assertThat(store.setting("backbone")).contains("cnn-v1");
        assertThat(store.setting("strategy")).isEmpty();
    }

    @Test
    void statsCountLabelsPerClassAndPrequentialAccuracy() {
        List<Long> ids = TestImages.addMany(store, photos, 60);
        store.setStatus(ids.get(59), ImageStatus.FAILED, "bad");
        LabelClass a = store.addClass("a", null, null);
        LabelClass b = store.addClass("b", null, null);
        LabelClass unused = store.addClass("c", null, null);
        // 55 labels: the first 10 wrong, then right; 5 without a verdict
        for (int i = 0; i < 55; i++) {
            Boolean verdict = i < 50 ? Boolean.valueOf(i >= 10) : null;
            store.label(ids.get(i), i % 2 == 0 ? a.id() : b.id(), verdict, null);
        }
        store.label(ids.get(55), a.id(), true, null); // 51st verdict, right: last 50 = 9 wrong + 41 right
        ProjectStats s = store.stats();
        assertThat(s.images()).isEqualTo(60);
        assertThat(s.imagesByStatus()).containsEntry(ImageStatus.OK, 59L).containsEntry(ImageStatus.FAILED, 1L);
        assertThat(s.labelled()).isEqualTo(56);
        assertThat(s.labelsPerClass()).containsExactly(
                Map.entry(a, 29L), Map.entry(b, 27L), Map.entry(unused, 0L));
        assertThat(s.prequential()).isEqualTo(new ProjectStats.Accuracy(41, 51));
        assertThat(s.prequentialLast50()).isEqualTo(new ProjectStats.Accuracy(41, 50));
        assertThat(new ProjectStats.Accuracy(0, 0).rate()).isNaN();
    }

    @Test
    void aClosedStoreRefusesWork() {
        store.close();
        store.close(); // idempotent
        assertThatThrownBy(() -> store.imageCount()).isInstanceOf(IllegalStateException.class);
        store = ProjectStore.open(dir, false);
    }

    @Test
    void anAccessCheckRunsBeforeEveryReadAndWrite() {
        store.addClass("cat", null, null);
        store.setAccessCheck(() -> {
            throw new IllegalStateException("wrong thread");
        });
        assertThatThrownBy(store::classes).hasMessage("wrong thread");
        assertThatThrownBy(store::currentLabels).hasMessage("wrong thread");
        assertThatThrownBy(() -> store.addClass("dog", null, null)).hasMessage("wrong thread");
        store.setAccessCheck(null);
        assertThat(store.classes()).hasSize(1);
    }
}
