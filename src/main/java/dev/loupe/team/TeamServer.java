package dev.loupe.team;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.project.EventKind;
import dev.loupe.project.ProjectStore;
import dev.loupe.project.TeamEvent;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * One connection to a team's PostgreSQL database: the shared, append-only event log of its projects
 * (docs/adr/0034-team-server.md). Not thread-safe; one per sync.
 */
public final class TeamServer implements AutoCloseable {

    /** The channel a server NOTIFYs on after each upload; its payload is the project's name. Only a wake-up. */
    public static final String CHANNEL = "loupe_events";

    private static final long SCHEMA_LOCK = 0x4C4F555045L; // "LOUPE": serialises CREATE … IF NOT EXISTS

    private final ServerUrl url;
    private final Connection conn;

    private TeamServer(ServerUrl url, Connection conn) {
        this.url = url;
        this.conn = conn;
    }

    /** Connects and makes the tables when the database has none yet. A LoupeException says why it could not. */
    public static TeamServer connect(ServerUrl url) {
        Connection c;
        try {
            c = DriverManager.getConnection(url.jdbcUrl(), url.properties());
        } catch (SQLException e) {
            throw unreachable(url, e);
        }
        TeamServer s = new TeamServer(url, c);
        try {
            s.ensureSchema();
        } catch (SQLException e) {
            s.close();
            throw s.failed("could not prepare its tables", e);
        }
        return s;
    }

    static LoupeException unreachable(ServerUrl url, SQLException e) {
        return new LoupeException("The team server " + url.stored() + " cannot be reached: " + Faults.describe(e)
                + ". Nothing is lost: labels stay in the project and go to the server at the next `loupe sync`.", e);
    }

    LoupeException failed(String what, SQLException e) {
        if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
            return unreachable(url, e);
        }
        return new LoupeException("The team server " + url.stored() + " " + what + ": " + Faults.describe(e)
                + ". Nothing is lost: labels stay in the project and go to the server at the next `loupe sync`.", e);
    }

    private void ensureSchema() throws SQLException {
        // Up to date (the usual case): no DDL at all. Even an "IF NOT EXISTS" statement takes its table's lock first (an
        // ALTER TABLE an exclusive one), and with another instance's upload holding locks in the other order that is a
        // deadlock (seen with the app's background sync).
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT to_regclass('loupe_model_versions')"
                + " IS NOT NULL AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                + " AND table_name = 'loupe_projects' AND column_name = 'overlap_k')")) {
            if (rs.next() && rs.getBoolean(1)) {
                return;
            }
        }
        conn.setAutoCommit(false);
        try (Statement s = conn.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS loupe_projects (
                      name       TEXT PRIMARY KEY,
                      backbone   TEXT,
                      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
                    )""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS loupe_events (
                      seq              BIGSERIAL PRIMARY KEY,
                      event_id         UUID    NOT NULL UNIQUE,
                      project          TEXT    NOT NULL REFERENCES loupe_projects(name),
                      time_ms          BIGINT  NOT NULL,
                      kind             TEXT    NOT NULL,
                      annotator        TEXT,
                      image_sha256     TEXT,
                      image_rel_path   TEXT,
                      class_name       TEXT,
                      other_class_name TEXT,
                      text             TEXT,
                      undo_of          UUID,
                      adjudication     BOOLEAN NOT NULL DEFAULT false,
                      received_at      TIMESTAMPTZ NOT NULL DEFAULT now()
                    )""");
            s.execute("CREATE INDEX IF NOT EXISTS loupe_events_project_seq ON loupe_events (project, seq)");
            // overlap for agreement (issue 15): a share of the images is labelled by k annotators
            s.execute("ALTER TABLE loupe_projects ADD COLUMN IF NOT EXISTS overlap_share DOUBLE PRECISION NOT NULL DEFAULT 0");
            s.execute("ALTER TABLE loupe_projects ADD COLUMN IF NOT EXISTS overlap_k INTEGER NOT NULL DEFAULT 2");
            // the shared model version a joiner starts from (issue 15): a new table, so older servers migrate by adding it
            s.execute("""
                    CREATE TABLE IF NOT EXISTS loupe_model_versions (
                      id          BIGSERIAL PRIMARY KEY,
                      project     TEXT    NOT NULL REFERENCES loupe_projects(name),
                      server_seq  BIGINT  NOT NULL,
                      label_count INTEGER NOT NULL,
                      backbone    TEXT    NOT NULL,
                      columns     TEXT    NOT NULL,
                      annotator   TEXT,
                      sha256      TEXT    NOT NULL,
                      size        BIGINT  NOT NULL,
                      data        BYTEA   NOT NULL,
                      created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
                    )""");
            s.execute("CREATE INDEX IF NOT EXISTS loupe_model_versions_project ON loupe_model_versions (project, server_seq)");
            conn.commit();
        } catch (SQLException e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(true);
        }
    }

    /** Work inside one server transaction. */
    @FunctionalInterface
    private interface Transaction<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction on this connection: committed when it returns, rolled back (a failing
     * rollback kept as suppressed) when it throws; auto-commit is restored either way, unless the connection is gone.
     */
    private <T> T inTransaction(Transaction<T> work) throws SQLException {
        conn.setAutoCommit(false);
        try {
            T result = work.run();
            conn.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                conn.rollback();
            } catch (SQLException again) {
                e.addSuppressed(again);
            }
            throw e;
        } finally {
            try {
                conn.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the connection is gone; the next sync opens a new one
            }
        }
    }

    /** The server's address without its password. */
    public ServerUrl url() {
        return url;
    }

    /**
     * A project on the server.
     *
     * @param overlapShare share of its images that {@code overlapK} annotators each label (0: none)
     */
    public record Project(String name, String backbone, double overlapShare, int overlapK) {
        public Project(String name, String backbone) {
            this(name, backbone, 0, 2);
        }
    }

    /** Registers a project; false when one of that name exists already. */
    public boolean createProject(String name, String backbone) {
        return createProject(name, backbone, 0, 2);
    }

    /** Registers a project with an overlap for agreement; false when one of that name exists already. */
    public boolean createProject(String name, String backbone, double overlapShare, int overlapK) {
        new ProjectStore.Overlap(overlapShare, overlapK); // checks them
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO loupe_projects (name, backbone, overlap_share, overlap_k)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING")) {
            ps.setString(1, name);
            ps.setString(2, backbone);
            ps.setDouble(3, overlapShare);
            ps.setInt(4, overlapK);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw failed("could not register the project", e);
        }
    }

    public Optional<Project> project(String name) {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT name, backbone, overlap_share, overlap_k FROM loupe_projects WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Project(rs.getString(1), rs.getString(2), rs.getDouble(3), rs.getInt(4)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed("could not be read", e);
        }
    }

    public List<String> projectNames() {
        List<String> out = new ArrayList<>();
        try (Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM loupe_projects ORDER BY name")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw failed("could not be read", e);
        }
        return out;
    }

    /**
     * Stores {@code events} of {@code project} in ONE transaction, each at most once (ON CONFLICT (event_id) DO
     * NOTHING: an event sent again after a lost acknowledgement is not doubled), and wakes the project's other
     * instances. Uploads to one project are serialised by a transaction-level advisory lock, so the server's sequence
     * numbers become visible in order and a pull by "seq greater than the last one seen" never skips an event committed
     * late. Returns how many were new; throws (nothing stored) when the transaction did not commit.
     */
    public int upload(String project, List<TeamEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return 0;
        }
        return inTransaction(() -> {
            try (PreparedStatement lock = conn.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, project);
                lock.execute();
            }
            int added = 0;
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO loupe_events (event_id, project, time_ms,"
                    + " kind, annotator, image_sha256, image_rel_path, class_name, other_class_name, text, undo_of,"
                    + " adjudication) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING")) {
                for (TeamEvent e : events) {
                    ps.setObject(1, UUID.fromString(e.eventId()));
                    ps.setString(2, project);
                    ps.setLong(3, e.timeMs());
                    ps.setString(4, e.kind().name());
                    ps.setString(5, e.annotator());
                    ps.setString(6, e.imageSha256());
                    ps.setString(7, e.imageRelPath());
                    ps.setString(8, e.className());
                    ps.setString(9, e.otherClassName());
                    ps.setString(10, e.text());
                    if (e.undoOf() == null) {
                        ps.setNull(11, Types.OTHER);
                    } else {
                        ps.setObject(11, UUID.fromString(e.undoOf()));
                    }
                    ps.setBoolean(12, e.adjudication());
                    ps.addBatch();
                }
                for (int n : ps.executeBatch()) {
                    added += Math.max(n, 0);
                }
            }
            try (PreparedStatement ps = conn.prepareStatement("SELECT pg_notify(?, ?)")) {
                ps.setString(1, CHANNEL);
                ps.setString(2, project);
                ps.execute();
            }
            return added;
        });
    }

    /** Events of {@code project} with server seq greater than {@code afterSeq}, in seq order, at most {@code limit}. */
    public List<TeamEvent> pull(String project, long afterSeq, int limit) throws SQLException {
        List<TeamEvent> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT seq, event_id, time_ms, kind, annotator,"
                + " image_sha256, image_rel_path, class_name, other_class_name, text, undo_of, adjudication"
                + " FROM loupe_events WHERE project = ? AND seq > ? ORDER BY seq LIMIT ?")) {
            ps.setString(1, project);
            ps.setLong(2, afterSeq);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(event(rs));
                }
            }
        }
        return out;
    }

    /** Every event of {@code project}, in seq order: what the server holds (tests and `loupe agreement --server`). */
    public List<TeamEvent> events(String project) {
        try {
            return pull(project, 0, Integer.MAX_VALUE);
        } catch (SQLException e) {
            throw failed("could not be read", e);
        }
    }

    private static TeamEvent event(ResultSet rs) throws SQLException {
        Object undo = rs.getObject(11);
        return new TeamEvent(rs.getLong(1), rs.getObject(2).toString(), rs.getLong(3), EventKind.valueOf(rs.getString(4)),
                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                undo == null ? null : undo.toString(), rs.getBoolean(12), 0);
    }

    /** How many shared model versions of a project the server keeps (the best ones). */
    static final int MODEL_VERSIONS_KEPT = 3;

    /**
     * A model version shared on the server: a head trained on the team's log up to {@code serverSeq}.
     *
     * @param columns one line per output column: the class name, after a tab when that class was deleted
     * @param data    the model version file's bytes ({@code sha256} and {@code size} as the uploader computed them)
     */
    public record SharedModel(long id, long serverSeq, int labelCount, String backbone, List<String> columns,
                              String annotator, String sha256, long size, byte[] data) {
    }

    /** The order in which a project's shared versions are "better": more of the team's log, then more labels, then newer. */
    private static final String BEST_FIRST = "ORDER BY server_seq DESC, label_count DESC, id DESC";

    /**
     * Stores {@code m} as a shared model version of {@code project} when it is better than the best one there (trained on
     * more of the team's log, or as much and on more labels); keeps the best {@link #MODEL_VERSIONS_KEPT}. One
     * transaction, serialised per project. Returns whether it was stored.
     */
    public boolean uploadModel(String project, SharedModel m) throws SQLException {
        return inTransaction(() -> {
            try (PreparedStatement lock = conn.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "model:" + project);
                lock.execute();
            }
            try (PreparedStatement ps = conn.prepareStatement("SELECT server_seq, label_count FROM loupe_model_versions"
                    + " WHERE project = ? " + BEST_FIRST + " LIMIT 1")) {
                ps.setString(1, project);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && (rs.getLong(1) > m.serverSeq()
                            || rs.getLong(1) == m.serverSeq() && rs.getInt(2) >= m.labelCount())) {
                        return false;
                    }
                }
            }
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO loupe_model_versions (project, server_seq,"
                    + " label_count, backbone, columns, annotator, sha256, size, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, project);
                ps.setLong(2, m.serverSeq());
                ps.setInt(3, m.labelCount());
                ps.setString(4, m.backbone());
                ps.setString(5, String.join("\n", m.columns()));
                ps.setString(6, m.annotator());
                ps.setString(7, m.sha256());
                ps.setLong(8, m.size());
                ps.setBytes(9, m.data());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM loupe_model_versions WHERE project = ? AND id NOT IN"
                    + " (SELECT id FROM loupe_model_versions WHERE project = ? " + BEST_FIRST + " LIMIT " + MODEL_VERSIONS_KEPT + ")")) {
                ps.setString(1, project);
                ps.setString(2, project);
                ps.executeUpdate();
            }
            return true;
        });
    }

    /** The server sequence number the best shared model version of {@code project} was trained to; -1 when none. */
    public long bestModelSeq(String project) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT coalesce(max(server_seq), -1) FROM loupe_model_versions WHERE project = ?")) {
            ps.setString(1, project);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The best shared model version of {@code project}, as stored (its bytes are checked by the caller). */
    public Optional<SharedModel> latestModel(String project) {
        try (PreparedStatement ps = conn.prepareStatement("SELECT id, server_seq, label_count, backbone, columns, annotator,"
                + " sha256, size, data FROM loupe_model_versions WHERE project = ? " + BEST_FIRST + " LIMIT 1")) {
            ps.setString(1, project);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String cols = rs.getString(5);
                return Optional.of(new SharedModel(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getString(4),
                        cols.isEmpty() ? List.of() : List.of(cols.split("\n", -1)), rs.getString(6), rs.getString(7),
                        rs.getLong(8), rs.getBytes(9)));
            }
        } catch (SQLException e) {
            throw failed("could not give its shared model", e);
        }
    }

    /** Starts listening for other instances' uploads (see {@link #awaitChange}). */
    public void listen() {
        try (Statement s = conn.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
        } catch (SQLException e) {
            throw failed("could not be listened to", e);
        }
    }

    /**
     * Waits up to {@code millis} for a NOTIFY about {@code project}: a wake-up only. The pull that follows reads by
     * sequence number, so a lost notification delays an update but never loses it.
     */
    public boolean awaitChange(String project, int millis) {
        try {
            org.postgresql.PGNotification[] got = conn.unwrap(org.postgresql.PGConnection.class).getNotifications(millis);
            if (got != null) {
                for (org.postgresql.PGNotification n : got) {
                    if (project.equals(n.getParameter())) {
                        return true;
                    }
                }
            }
            return false;
        } catch (SQLException e) {
            throw failed("stopped answering", e);
        }
    }

    @Override
    public void close() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // closing a broken connection: nothing to keep
        }
    }
}
