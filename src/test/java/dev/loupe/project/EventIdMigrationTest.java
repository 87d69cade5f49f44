package dev.loupe.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schema v6 (ADR 0034): every event, old ones included, gets its own global id; nothing else changes. */
class EventIdMigrationTest {

    @TempDir
    Path tmp;

    @Test
    void aVersion5ProjectGetsAnIdForEveryEventKeepsItsLabelsAndABackup() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("v5.loupe"));
        try (ProjectStore store = ProjectStore.open(dir, true, List.of(Schema.V1, Schema.V2, Schema.V3, Schema.V4,
                Schema.V5))) {
            List<Long> ids = TestImages.addMany(store, tmp, 3);
            long cat = store.addClass("cat", null, null).id();
            long dog = store.addClass("dog", null, null).id();
            store.setAnnotator("alice");
            store.label(ids.get(0), cat, null, null);
            store.label(ids.get(1), dog, null, null);
            store.setAnnotator("bob");
            store.label(ids.get(1), cat, null, null);
        }
        Map<Long, Long> before;
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            assertThat(store.schemaVersion()).isEqualTo(6);
            before = store.currentLabels();
            Map<Long, String> eventIds = store.journalEventIds();
            assertThat(eventIds).hasSize(store.journal().size()).hasSize(5);
            assertThat(new HashSet<>(eventIds.values())).hasSize(5);
            eventIds.values().forEach(id -> assertThat(UUID.fromString(id).toString()).isEqualTo(id));
            assertThat(store.journalAnnotators()).hasSize(5).containsValues("alice", "bob");
            // new events get ids too, and the old ones are all waiting for upload in order
            long img2 = store.findByRelPath("img2.png").orElseThrow().id();
            store.label(img2, store.classByName("cat").orElseThrow().id(), null, null).orElseThrow();
            List<TeamEvent> local = store.localEvents(0, 100);
            assertThat(local).extracting(TeamEvent::localSeq).isSorted();
            assertThat(local).hasSize(6);
            assertThat(local.get(2).kind()).isEqualTo(EventKind.LABEL);
            assertThat(local.get(2).className()).isEqualTo("cat");
            assertThat(local.get(2).imageSha256()).isEqualTo(TestImages.sha("img0.png"));
            assertThat(local.get(2).imageRelPath()).isEqualTo("img0.png");
        }
        assertThat(before).hasSize(2);
        assertThat(dir.resolve("project.db.bak-v5")).isRegularFile();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("project.db.bak-v5"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(5);
        }
        // the journal is append-only again after the migration's one update
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("project.db"));
             Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("UPDATE journal SET event_id = 'x'")).hasMessageContaining("append-only");
        }
    }
}
