package dev.loupe.project;

import static dev.loupe.project.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.team.AnnotatorLabels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schema v5: who gave each label (ADR 0032), and that an older project keeps every label on the way there. */
class AnnotatorTest {

    @TempDir
    Path tmp;

    @Test
    void aVersion4ProjectOpensWithEveryLabelKeptAndItsOldEventsUnattributed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("v4.loupe"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("project.db"));
             Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA application_id=" + Schema.APPLICATION_ID);
            for (Migration m : List.of(Schema.V1, Schema.V2, Schema.V3, Schema.V4)) {
                m.step().apply(c);
                s.execute("PRAGMA user_version=" + m.version());
            }
            s.execute("INSERT INTO images (id, path, root, rel_path, sha256, size_bytes, mtime_ms, status, imported_at)"
                    + " VALUES (1, '/p/a.png', '/p', 'a.png', 'aa', 10, 20, 'ok', 30),"
                    + "        (2, '/p/b.png', '/p', 'b.png', 'bb', 10, 20, 'ok', 30)");
            s.execute("INSERT INTO classes (id, name, colour, hotkey, ord) VALUES (1, 'cat', '#112233', '1', 1),"
                    + " (2, 'dog', '#445566', '2', 2)");
            s.execute("INSERT INTO journal (time_ms, kind, class_id, text) VALUES (1, 'CLASS_ADD', 1, 'cat'),"
                    + " (2, 'CLASS_ADD', 2, 'dog')");
            s.execute("INSERT INTO journal (time_ms, kind, image_id, class_id, other_class_id, prequential)"
                    + " VALUES (3, 'LABEL', 1, 1, NULL, 1), (4, 'LABEL', 2, 1, NULL, 0), (5, 'RELABEL', 2, 2, 1, NULL)");
        }
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            assertThat(store.schemaVersion()).isEqualTo(Schema.latest(Schema.ALL));
            assertThat(store.currentLabels()).isEqualTo(Map.of(1L, 1L, 2L, 2L));
            assertThat(store.journal()).hasSize(5);
            assertThat(store.journalAnnotators()).isEmpty();
            store.setAnnotator("alice");
            JournalEntry e = store.label(1, 2, null, null).orElseThrow();
            assertThat(store.journalAnnotators()).isEqualTo(Map.of(e.seq(), "alice"));
            AnnotatorLabels byWho = AnnotatorLabels.replay(store.journal(), store.journalAnnotators());
            assertThat(byWho.byAnnotator()).isEqualTo(Map.of("alice", Map.of(1L, 2L)));
            assertThat(byWho.unattributed()).isEqualTo(3);
        }
        assertThat(dir.resolve("project.db.bak-v4")).isRegularFile();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("project.db.bak-v4"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(4);
        }
    }

    @Test
    void theOsUserIsTheDefaultAnnotatorAndTheSameClassFromAnotherIsAConfirmation() {
        try (ProjectStore store = ProjectStore.open(tmp.resolve("p.loupe"), true)) {
            long img = store.addImages(List.of(image(tmp, "a.png"))).get(0);
            long cat = store.addClass("cat", null, null).id();
            assertThat(store.annotator()).isEqualTo(System.getProperty("user.name").strip());
            JournalEntry first = store.label(img, cat, null, null).orElseThrow();
            assertThat(store.journalAnnotators().get(first.seq())).isEqualTo(store.annotator());
            // the same annotator again: nothing new
            assertThat(store.label(img, cat, null, null)).isEmpty();
            store.setAnnotator("bob");
            JournalEntry confirm = store.label(img, cat, null, null).orElseThrow();
            assertThat(confirm.kind()).isEqualTo(EventKind.RELABEL);
            assertThat(confirm.classId()).isEqualTo(cat).isEqualTo(confirm.otherClassId());
            assertThat(store.label(img, cat, null, null)).isEmpty();
            assertThat(store.currentLabels()).isEqualTo(Map.of(img, cat));
            assertThat(AnnotatorLabels.replay(store.journal(), store.journalAnnotators()).byAnnotator())
                    .containsEntry("bob", Map.of(img, cat)).hasSize(2);
            // undoing the confirmation is written although the class stays, and takes bob's label back
            JournalEntry undo = store.appendCompensating(confirm.seq(), img, cat).orElseThrow();
            assertThat(AnnotatorLabels.replay(store.journal(), store.journalAnnotators()).byAnnotator())
                    .doesNotContainKey("bob").hasSize(1);
            // and redoing it gives it back
            store.appendCompensating(undo.seq(), img, cat).orElseThrow();
            assertThat(AnnotatorLabels.replay(store.journal(), store.journalAnnotators()).byAnnotator())
                    .containsEntry("bob", Map.of(img, cat));
            assertThat(store.currentLabels()).isEqualTo(Map.of(img, cat));
        }
    }

    @Test
    void aClassMergeAppliesToEveryAnnotatorsLabels() {
        try (ProjectStore store = ProjectStore.open(tmp.resolve("m.loupe"), true)) {
            long img = store.addImages(List.of(image(tmp, "a.png"))).get(0);
            long cat = store.addClass("cat", null, null).id();
            long kitten = store.addClass("kitten", null, null).id();
            store.setAnnotator("alice");
            store.label(img, cat, null, null);
            store.setAnnotator("bob");
            store.label(img, kitten, null, null);
            store.mergeClass(kitten, cat);
            assertThat(AnnotatorLabels.replay(store.journal(), store.journalAnnotators()).byAnnotator())
                    .isEqualTo(Map.of("alice", Map.of(img, cat), "bob", Map.of(img, cat)));
        }
    }

    @Test
    void aBadAnnotatorNameIsRefused() {
        try (ProjectStore store = ProjectStore.open(tmp.resolve("n.loupe"), true)) {
            assertThatThrownBy(() -> store.setAnnotator("  ")).isInstanceOf(ProjectException.class)
                    .hasMessageContaining("annotator name");
            assertThatThrownBy(() -> store.setAnnotator("a\nb")).hasMessageContaining("no control characters");
            store.setAnnotator("  Ana  ");
            assertThat(store.annotator()).isEqualTo("Ana");
        }
    }
}
