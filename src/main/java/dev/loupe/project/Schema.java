package dev.loupe.project;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The project database schema as an ordered list of migrations. Append new steps at the end; never
 * edit a released one (existing projects have already run it).
 */
final class Schema {

    /** PRAGMA application_id of a Loupe project.db: "LOUP" in ASCII. */
    static final int APPLICATION_ID = 0x4C4F5550;

    private static final String JOURNAL_NO_UPDATE = """
            CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
            BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END""";

    static final Migration V1 = Migration.sql(1, "initial schema",
            """
            CREATE TABLE images (
              id            INTEGER PRIMARY KEY AUTOINCREMENT,
              path          TEXT    NOT NULL UNIQUE,  -- absolute, normalised
              root          TEXT    NOT NULL,         -- absolute folder it was imported from
              rel_path      TEXT    NOT NULL,         -- relative to root, '/'-separated
              sha256        TEXT,                     -- lower-case hex; null if unreadable
              size_bytes    INTEGER NOT NULL,
              mtime_ms      INTEGER NOT NULL,
              width         INTEGER,
              height        INTEGER,
              status        TEXT    NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'missing', 'failed')),
              status_reason TEXT,
              imported_at   INTEGER NOT NULL          -- epoch ms
            )""",
            "CREATE INDEX images_sha256 ON images(sha256)",
            "CREATE INDEX images_rel_path ON images(rel_path)",
            """
            CREATE TABLE classes (
              id      INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids are never reused
              name    TEXT    NOT NULL,
              colour  TEXT    NOT NULL CHECK (colour GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
              hotkey  TEXT    CHECK (hotkey IS NULL OR length(hotkey) = 1),
              ord     INTEGER NOT NULL,
              deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
            )""",
            "CREATE UNIQUE INDEX classes_live_name ON classes(name COLLATE NOCASE) WHERE deleted = 0",
            "CREATE UNIQUE INDEX classes_live_hotkey ON classes(hotkey COLLATE NOCASE)"
                    + " WHERE deleted = 0 AND hotkey IS NOT NULL",
            """
            CREATE TABLE journal (
              seq            INTEGER PRIMARY KEY AUTOINCREMENT,
              time_ms        INTEGER NOT NULL,
              kind           TEXT    NOT NULL CHECK (kind IN ('LABEL', 'RELABEL', 'UNLABEL', 'CLASS_ADD',
                                                     'CLASS_RENAME', 'CLASS_MERGE', 'CLASS_DELETE')),
              image_id       INTEGER REFERENCES images(id),
              class_id       INTEGER REFERENCES classes(id),
              other_class_id INTEGER REFERENCES classes(id),
              text           TEXT,
              undo_of        INTEGER REFERENCES journal(seq),
              prequential    INTEGER CHECK (prequential IN (0, 1)),
              model_version  INTEGER  -- the trainer's version number; not every version is saved
            )""",
            "CREATE INDEX journal_image ON journal(image_id)",
            JOURNAL_NO_UPDATE,
            """
            CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
            BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END""",
            """
            CREATE TABLE embeddings (
              image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
              backbone TEXT    NOT NULL,
              dim      INTEGER NOT NULL CHECK (dim > 0),
              vector   BLOB    NOT NULL CHECK (length(vector) = 4 * dim),  -- float32 little-endian
              PRIMARY KEY (image_id, backbone)
            )""",
            "CREATE INDEX embeddings_backbone ON embeddings(backbone, image_id)",
            """
            CREATE TABLE model_versions (
              id          INTEGER PRIMARY KEY AUTOINCREMENT,
              file        TEXT    NOT NULL UNIQUE,  -- relative to the project folder
              created_ms  INTEGER NOT NULL,
              label_count INTEGER NOT NULL,
              journal_seq INTEGER NOT NULL,         -- last journal event the model had seen
              note        TEXT
            )""",
            """
            CREATE TABLE settings (
              key   TEXT PRIMARY KEY,
              value TEXT NOT NULL
            )""");

    /** The text embedding each class starts from when the base model has a text model (ADR 0021). */
    static final Migration V2 = Migration.sql(2, "class text embeddings",
            """
            CREATE TABLE class_texts (
              class_id    INTEGER PRIMARY KEY REFERENCES classes(id),
              model       TEXT    NOT NULL,          -- the text model's id
              text        TEXT    NOT NULL,          -- the class name the vector was computed from
              logit_scale REAL    NOT NULL CHECK (logit_scale > 0),
              dim         INTEGER NOT NULL CHECK (dim > 0),
              vector      BLOB    NOT NULL CHECK (length(vector) = 4 * dim)  -- float32 little-endian, unit length
            )""");

    /**
     * "Checked" marks of the label check (ADR 0026): the user looked at a suspect label and kept it. Append-only like
     * the journal; the newest row of an image wins, and a mark holds only while no label event on the image came
     * after {@code journal_seq} (a relabel voids it).
     */
    static final Migration V3 = Migration.sql(3, "label check marks",
            """
            CREATE TABLE label_checks (
              seq         INTEGER PRIMARY KEY AUTOINCREMENT,
              time_ms     INTEGER NOT NULL,
              image_id    INTEGER NOT NULL REFERENCES images(id),
              class_id    INTEGER REFERENCES classes(id),  -- the label that was kept
              checked     INTEGER NOT NULL CHECK (checked IN (0, 1)),  -- 0: the mark was taken back (undo)
              journal_seq INTEGER NOT NULL,                -- the label journal's newest seq when the row was written
              undo_of     INTEGER REFERENCES label_checks(seq)
            )""",
            "CREATE INDEX label_checks_image ON label_checks(image_id)",
            """
            CREATE TRIGGER label_checks_no_update BEFORE UPDATE ON label_checks
            BEGIN SELECT RAISE(ABORT, 'label checks are append-only'); END""",
            """
            CREATE TRIGGER label_checks_no_delete BEFORE DELETE ON label_checks
            BEGIN SELECT RAISE(ABORT, 'label checks are append-only'); END""");

    /**
     * Images left out of the queue and the exports (issue 14): an append-only record, the latest row per image wins.
     */
    static final Migration V4 = Migration.sql(4, "image exclusions",
            """
            CREATE TABLE exclusions (
              seq      INTEGER PRIMARY KEY AUTOINCREMENT,
              batch    INTEGER NOT NULL,              -- one user action; undo reverses a whole batch
              time_ms  INTEGER NOT NULL,
              image_id INTEGER NOT NULL REFERENCES images(id),
              excluded INTEGER NOT NULL CHECK (excluded IN (0, 1)),
              reason   TEXT,                          -- e.g. 'near-duplicate', 'outlier', 'user'
              undo_of  INTEGER                        -- the batch this one reverses, if it is an undo
            )""",
            "CREATE INDEX exclusions_image ON exclusions(image_id, seq)",
            """
            CREATE TRIGGER exclusions_no_update BEFORE UPDATE ON exclusions
            BEGIN SELECT RAISE(ABORT, 'the exclusion record is append-only'); END""",
            """
            CREATE TRIGGER exclusions_no_delete BEFORE DELETE ON exclusions
            BEGIN SELECT RAISE(ABORT, 'the exclusion record is append-only'); END""");

    /**
     * Who wrote each journal event (issue 15, ADR 0032): the annotator's name, by default the OS user name. Events
     * written before v5 keep NULL: who gave them was not recorded, and guessing would put words in someone's mouth.
     * Adding a nullable column leaves every existing row, and so every label, as it was.
     */
    static final Migration V5 = Migration.sql(5, "annotator of journal events",
            "ALTER TABLE journal ADD COLUMN annotator TEXT");

    /**
     * Team sync (issue 15, ADR 0034): every journal event gets a globally unique id (a random UUID), so the same event
     * uploaded twice is stored once; events pulled from the team's server keep the server's sequence number
     * ({@code server_seq}, null for events written here); a reviewer's decision is marked ({@code adjudication}).
     * Existing events get their ids here: the append-only trigger is lifted for this one update and put back. Remote
     * events that cannot be applied yet (their image is not imported here) wait in {@code team_inbox}.
     */
    static final Migration V6 = new Migration(6, "event ids for team sync", c -> {
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE journal ADD COLUMN event_id TEXT");
            s.execute("ALTER TABLE journal ADD COLUMN server_seq INTEGER");
            s.execute("ALTER TABLE journal ADD COLUMN adjudication INTEGER NOT NULL DEFAULT 0"
                    + " CHECK (adjudication IN (0, 1))");
            List<Long> seqs = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT seq FROM journal ORDER BY seq")) {
                while (rs.next()) {
                    seqs.add(rs.getLong(1));
                }
            }
            s.execute("DROP TRIGGER journal_no_update");
            try (PreparedStatement ps = c.prepareStatement("UPDATE journal SET event_id = ? WHERE seq = ?")) {
                for (long seq : seqs) {
                    ps.setString(1, UUID.randomUUID().toString());
                    ps.setLong(2, seq);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            s.execute(JOURNAL_NO_UPDATE);
            s.execute("CREATE UNIQUE INDEX journal_event_id ON journal(event_id)");
            s.execute("""
                    CREATE TABLE team_inbox (
                      server_seq       INTEGER PRIMARY KEY,
                      event_id         TEXT    NOT NULL UNIQUE,
                      time_ms          INTEGER NOT NULL,
                      kind             TEXT    NOT NULL,
                      annotator        TEXT,
                      image_sha256     TEXT,
                      image_rel_path   TEXT,
                      class_name       TEXT,
                      other_class_name TEXT,
                      text             TEXT,
                      undo_of          TEXT,
                      adjudication     INTEGER NOT NULL
                    )""");
        }
    });

    /** Every step, in order; the last one's version is the schema this build writes. */
    static final List<Migration> ALL = List.of(V1, V2, V3, V4, V5, V6);

    static int latest(List<Migration> steps) {
        return steps.isEmpty() ? 0 : steps.get(steps.size() - 1).version();
    }

    private Schema() {
    }
}
