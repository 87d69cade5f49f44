package dev.loupe.project;

import dev.loupe.DiskFullException;
import dev.loupe.Faults;
import dev.loupe.FileWrites;
import dev.loupe.LoupeException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.sqlite.SQLiteConfig;

/**
 * An open Loupe project folder: images, classes, the append-only label journal, embeddings, model
 * versions and settings in {@code project.db}. Thread-safe; one instance per project per machine.
 */
public final class ProjectStore implements AutoCloseable {

    public static final String DB_FILE = "project.db";
    public static final String MODELS_DIR = "models";
    public static final String THUMBS_DIR = "thumbs";

    /** Tableau 10: distinct on screen, and the first colours users see are the most distinct. */
    static final List<String> PALETTE = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac");
    static final String AUTO_HOTKEYS = "123456789abcdefghijklmnopqrstuvwxyz";

    private static final Runnable NO_CHECK = () -> { };
    private static final int SQLITE_CONSTRAINT = 19;
    private static final int SQLITE_NOTADB = 26;
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_READONLY = 8;
    private static final int SQLITE_IOERR = 10;
    private static final int SQLITE_FULL = 13;
    private static final int SQLITE_CANTOPEN = 14;
    private static final int WAL_HEADER_BYTES = 32;
    private static final String WRITE_PROBE_SETTING = "last-write-check";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProjectStore.class);
    private static final Pattern COLOUR = Pattern.compile("#[0-9a-fA-F]{6}");
    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final String IMAGE_COLUMNS = "id, path, root, rel_path, sha256, size_bytes, mtime_ms, width,"
            + " height, status, status_reason, imported_at";
    private static final String CLASS_COLUMNS = "id, name, colour, hotkey, ord, deleted";
    private static final String JOURNAL_COLUMNS = "seq, time_ms, kind, image_id, class_id, other_class_id, text,"
            + " undo_of, prequential, model_version";

    private final Path dir;
    private final ProjectLock lock;
    private final Connection conn;
    /** Guards conn, labels and closed. One connection, one lock: see docs/adr/0002-project-store.md. */
    private final Object mutex = new Object();
    /** Images per status for {@link #stats()}, or null to count again; guarded by {@link #mutex}. */
    private Map<ImageStatus, Long> statusCounts;
    /** {@code PRAGMA data_version} when {@link #statusCounts} was counted: another connection's commit changes it. */
    private long statusCountsVersion;
    /** Current labels replayed from the journal; updated only after the event's commit. */
    private final LabelReplay labels = new LabelReplay();
    /** Who the events this store writes are from (ADR 0032); the OS user name unless set. */
    private volatile String annotator = defaultAnnotator();
    /** False only when a test opens the store with fewer migrations than {@link Schema#ALL} (before v5). */
    private final boolean recordsAnnotator;
    /** False only when a test opens the store with fewer migrations than {@link Schema#ALL} (before v6). */
    private final boolean recordsEventId;
    private boolean closed;
    private volatile Runnable accessCheck = NO_CHECK;

    private ProjectStore(Path dir, ProjectLock lock, Connection conn) throws SQLException {
        this.dir = dir;
        this.lock = lock;
        this.conn = conn;
        for (JournalEntry e : queryJournal("SELECT " + JOURNAL_COLUMNS + " FROM journal ORDER BY seq", -1)) {
            labels.apply(e);
        }
        boolean hasColumn = false;
        boolean hasEventId = false;
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(journal)")) {
            while (rs.next()) {
                hasColumn |= "annotator".equals(rs.getString("name"));
                hasEventId |= "event_id".equals(rs.getString("name"));
            }
        }
        recordsAnnotator = hasColumn;
        recordsEventId = hasEventId;
    }

    /** The OS user name, the annotator a label is from unless told otherwise. */
    public static String defaultAnnotator() {
        String user = System.getProperty("user.name");
        return user == null || user.isBlank() ? "unknown" : user.strip();
    }

    /** Who the label events this store writes from now on are from. */
    public String annotator() {
        return annotator;
    }

    /**
     * Sets who the label events written from now on are from (a name as the team knows it: 1-100 characters, no
     * control characters).
     */
    public void setAnnotator(String name) {
        annotator = checkAnnotator(name);
    }

    /** {@code name} stripped, or a ProjectException saying what an annotator name may be. */
    public static String checkAnnotator(String name) {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty() || n.length() > 100 || n.chars().anyMatch(Character::isISOControl)) {
            throw invalid("An annotator name needs 1 to 100 characters and no control characters; got \""
                    + (name == null ? "" : name.replaceAll("\\p{Cntrl}", "?")) + "\".");
        }
        return n;
    }

    // ------------------------------------------------------------------ opening and closing

    /**
     * Opens the project folder {@code dir}; with {@code create}, makes the folder and an empty project
     * when there is none. Upgrades an older schema after copying project.db to project.db.bak-v&lt;old&gt;.
     *
     * @throws ProjectException with a message for the user: no such project, not a Loupe project,
     *                          locked by another process, made by a newer Loupe, read-only folder
     */
    public static ProjectStore open(Path dir, boolean create) {
        return open(dir, create, Schema.ALL, true);
    }

    /**
     * Opens an existing project for a quick look ({@code loupe status}): as {@link #open(Path, boolean)} but without
     * SQLite's {@code quick_check} over the whole file (half a second for 100,000 images, ADR 0031). A damaged page the
     * look reads still fails as "damaged"; pages it does not read are judged by the next full open.
     */
    public static ProjectStore openForGlance(Path dir) {
        return open(dir, false, Schema.ALL, false);
    }

    /**
     * Opens a project as {@link #open(Path, boolean)} but leaves SQLite's check of the whole file to
     * {@link #checkIntegrity()}: the app reads the image list for its first screen, then checks before it writes
     * anything (ADR 0031), as the check takes seconds on a big project.
     */
    public static ProjectStore openCheckingLater(Path dir, boolean create) {
        return open(dir, create, Schema.ALL, false);
    }

    /**
     * The check {@link #open(Path, boolean)} runs before it opens for writing ({@code quick_check}, then
     * {@code integrity_check} if that finds something): a damaged file fails as "damaged", with what to do.
     */
    public void checkIntegrity() {
        synchronized (mutex) {
            ensureOpen();
            try {
                checkIntegrity(conn, dir);
            } catch (SQLException e) {
                throw classify(dir, e, "the project could not be checked", "open it again");
            }
        }
    }

    static ProjectStore open(Path dir, boolean create, List<Migration> migrations) {
        return open(dir, create, migrations, true);
    }

    private static ProjectStore open(Path dir, boolean create, List<Migration> migrations, boolean checkIntegrity) {
        for (int i = 0; i < migrations.size(); i++) {
            if (migrations.get(i).version() != i + 1) {
                throw new IllegalArgumentException("migration versions must run 1, 2, 3...: " + migrations);
            }
        }
        Path d = dir.toAbsolutePath().normalize();
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw new ProjectException(ProjectException.Kind.NOT_A_PROJECT,
                    d + " is a file, not a Loupe project folder.");
        }
        Path db = d.resolve(DB_FILE);
        boolean dbExists = Files.exists(db);
        if (!dbExists && !create) {
            throw new ProjectException(ProjectException.Kind.NOT_FOUND, Files.exists(d)
                    ? d + " is not a Loupe project (it has no " + DB_FILE + ")."
                    : "There is no Loupe project at " + d + ".");
        }
        if (dbExists) {
            checkSqliteHeader(d, db);
        } else {
            createDirectories(d, d);
        }
        ProjectLock lock = ProjectLock.acquire(d);
        Connection conn = null;
        try {
            if (dbExists) {
                inspect(d, db, Schema.latest(migrations), checkIntegrity);
            }
            // nothing has been written to the file before this point
            dev.loupe.Stamps.once("store inspected");
            conn = DriverManager.getConnection("jdbc:sqlite:" + db);
            dev.loupe.Stamps.once("store connected");
            int version = pragmaInt(conn, "user_version");
            boolean fresh = pragmaInt(conn, "application_id") == 0 && version == 0 && schemaObjectCount(conn) == 0;
            configure(conn);
            migrate(conn, d, db, version, fresh, migrations);
            createDirectories(d, d.resolve(MODELS_DIR));
            createDirectories(d, d.resolve(THUMBS_DIR));
            dev.loupe.Stamps.once("store migrated");
            return new ProjectStore(d, lock, conn);
        } catch (SQLException e) {
            closeQuietly(conn);
            lock.close();
            if (primary(e) == SQLITE_NOTADB) {
                throw new ProjectException(ProjectException.Kind.NOT_A_PROJECT,
                        d + " is not a Loupe project: " + DB_FILE + " is not a database.", e);
            }
            if (primary(e) == SQLITE_CANTOPEN && !Files.isWritable(d)) {
                throw readOnly(d, e);
            }
            throw classify(d, e, "the project could not be opened", "open it again");
        } catch (RuntimeException e) {
            closeQuietly(conn);
            lock.close();
            throw e;
        }
    }

    /** Refuses a file that is not SQLite at all (its first 16 bytes say so); whether it is damaged is SQLite's to say. */
    private static void checkSqliteHeader(Path d, Path db) {
        byte[] head;
        try (InputStream in = Files.newInputStream(db)) {
            head = in.readNBytes(SQLITE_MAGIC.length);
        } catch (IOException e) {
            throw new ProjectException(ProjectException.Kind.IO,
                    "Project " + d + " cannot be read: " + Faults.describe(e) + ".", e);
        }
        // an empty file is what an interrupted creation leaves: nothing in it to lose
        if (head.length > 0 && !Arrays.equals(head, SQLITE_MAGIC)) {
            throw new ProjectException(ProjectException.Kind.NOT_A_PROJECT,
                    d + " is not a Loupe project: " + DB_FILE + " is not a database. If it was one, it is damaged. "
                            + recoveryAdvice(d));
        }
    }

    /**
     * Refuses a database that belongs to another program, a newer Loupe, or that SQLite itself finds damaged, on a
     * read-only connection: SQLite replays the WAL for it but, unlike a writer, never checkpoints on close, so a refused
     * project.db and its project.db-wal stay exactly as they were.
     */
    private static void inspect(Path d, Path db, int latest, boolean checkIntegrity) throws SQLException {
        SQLiteConfig readOnly = new SQLiteConfig();
        readOnly.setReadOnly(true);
        try (Connection c = readOnly.createConnection("jdbc:sqlite:" + db)) {
            int appId = pragmaInt(c, "application_id");
            int version = pragmaInt(c, "user_version");
            boolean fresh = appId == 0 && version == 0 && schemaObjectCount(c) == 0;
            if (!fresh && appId != Schema.APPLICATION_ID) {
                throw new ProjectException(ProjectException.Kind.NOT_A_PROJECT, d
                        + " is not a Loupe project: its " + DB_FILE + " belongs to another program.");
            }
            if (version > latest) {
                throw new ProjectException(ProjectException.Kind.NEWER_SCHEMA, "Project " + d
                        + " was made by a newer Loupe (schema v" + version + "; this Loupe knows up to v"
                        + latest + "). Upgrade Loupe to open it.");
            }
            if (checkIntegrity) {
                checkIntegrity(c, d);
            }
        }
    }

    /**
     * Lets SQLite judge the file (docs/adr/0025-faults.md): by now it has replayed the WAL, so the pages a crash or a
     * full disk left only in {@code project.db-wal} count. {@code quick_check} first (one pass over the file); only when
     * that finds a problem does {@code integrity_check} look closer, and only then is the project "damaged".
     */
    private static void checkIntegrity(Connection c, Path d) throws SQLException {
        List<String> quick = pragmaLines(c, "quick_check");
        if (quick.equals(List.of("ok"))) {
            return;
        }
        List<String> full = pragmaLines(c, "integrity_check(100)");
        if (full.equals(List.of("ok"))) {
            LOG.warn("quick_check of {} reported {} but integrity_check found nothing", d, quick);
            return;
        }
        LOG.error("SQLite's integrity check of {} found: {}", d.resolve(DB_FILE), full);
        throw damaged(d, "SQLite's integrity check found " + (full.size() >= 100 ? "100 or more problems" : full.size()
                + (full.size() == 1 ? " problem" : " problems")) + " in it", null);
    }

    private static List<String> pragmaLines(Connection c, String pragma) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + pragma)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /**
     * How to get a damaged project back without losing anything: copy first, always; never advise replacing or deleting
     * a project.db whose WAL still holds changes (they are the newest labels).
     */
    static String recoveryAdvice(Path d) {
        Path wal = d.resolve(DB_FILE + "-wal");
        boolean walHoldsData;
        try {
            walHoldsData = Files.isRegularFile(wal) && Files.size(wal) > WAL_HEADER_BYTES;
        } catch (IOException e) {
            walHoldsData = true; // cannot tell: assume the worst
        }
        String copy = "Loupe changed nothing. First copy the whole project folder (every file in it) somewhere safe, and "
                + "work on the copy: ";
        String recover = "`sqlite3 " + DB_FILE + " \".recover\" | sqlite3 recovered.db` rescues what SQLite can read, "
                + "and recovered.db can then take " + DB_FILE + "'s place in the copy.";
        if (walHoldsData) {
            return copy + DB_FILE + "-wal holds changes that are not in " + DB_FILE + " yet, so keep the two together and "
                    + "delete neither. " + recover;
        }
        return copy + recover + " Or use a backup of the folder: your own, or " + DB_FILE + ".bak-v<N> beside it "
                + "(kept from the last upgrade; it lacks the changes made since).";
    }

    private static ProjectException damaged(Path d, String what, Throwable cause) {
        return new ProjectException(ProjectException.Kind.DAMAGED, "Project " + d + ": " + DB_FILE + " is damaged ("
                + what + "). " + recoveryAdvice(d), cause);
    }

    private static ProjectException readOnly(Path d, Throwable cause) {
        return new ProjectException(ProjectException.Kind.READ_ONLY, "Project " + d + " cannot be written: the folder "
                + "or " + DB_FILE + " is read-only. Fix its permissions, or copy the project folder somewhere writable.",
                cause);
    }

    private static void createDirectories(Path project, Path d) {
        try {
            Files.createDirectories(d);
        } catch (AccessDeniedException e) {
            throw new ProjectException(ProjectException.Kind.READ_ONLY,
                    "Project " + project + " cannot be written: " + d + " is read-only.", e);
        } catch (IOException e) {
            if (Faults.isDiskFull(e)) {
                throw DiskFullException.of(d, "the project folder could not be created", -1, "try again", e);
            }
            throw new ProjectException(ProjectException.Kind.IO, "Could not create " + d + ": " + Faults.describe(e) + ".", e);
        }
    }

    private static void configure(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
                rs.next();
                if (!"wal".equalsIgnoreCase(rs.getString(1))) {
                    throw new SQLException("could not switch to WAL mode (got " + rs.getString(1) + ")");
                }
            }
            // FULL: in WAL mode every commit is fsynced, so an accepted label survives power loss
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA foreign_keys=ON");
            s.execute("PRAGMA busy_timeout=5000"); // an outside reader (sqlite3 shell) may hold a lock briefly
        }
    }

    private static void migrate(Connection c, Path d, Path db, int from, boolean fresh, List<Migration> steps)
            throws SQLException {
        int to = Schema.latest(steps);
        if (from == to) {
            return;
        }
        Path backup = null;
        if (!fresh) {
            backup = unusedSibling(db, DB_FILE + ".bak-v" + from);
            try (PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
                ps.setString(1, backup.toString());
                ps.execute();
            }
        }
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            if (fresh) {
                s.execute("PRAGMA application_id=" + Schema.APPLICATION_ID);
            }
            for (Migration m : steps) {
                if (m.version() > from) {
                    m.step().apply(c);
                    s.execute("PRAGMA user_version=" + m.version());
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException alreadyRolledBack) {
                e.addSuppressed(alreadyRolledBack);
            }
            String what = "the project could not be " + (fresh ? "created" : "upgraded from schema v" + from + " to v" + to)
                    + (backup == null ? "" : "; it is unchanged, and a copy is at " + backup);
            if (Faults.isDiskFull(e)) {
                throw DiskFullException.of(d, what, -1, "open it again", e);
            }
            throw new ProjectException(ProjectException.Kind.IO, "Project " + d + ": " + what + " ("
                    + Faults.describe(e) + ").", e);
        } finally {
            setAutoCommitQuietly(c);
        }
    }

    private static Path unusedSibling(Path file, String name) {
        Path p = file.resolveSibling(name);
        for (int i = 2; Files.exists(p); i++) {
            p = file.resolveSibling(name + "-" + i); // never overwrite an earlier backup
        }
        return p;
    }

    private static int pragmaInt(Connection c, String pragma) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + pragma)) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private static int schemaObjectCount(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already failing; the first error is the one to report
            }
        }
    }

    /** Closes the database and releases the project lock. Idempotent. */
    @Override
    public void close() {
        synchronized (mutex) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                conn.close(); // the last connection to close checkpoints the WAL into project.db
            } catch (SQLException e) {
                // the WAL keeps whatever a checkpoint could not copy: nothing is lost, the next open replays it
                throw new ProjectException(ProjectException.Kind.IO, "Project " + dir + " did not close cleanly ("
                        + Faults.describe(e) + "); its changes are kept and the next open picks them up.", e);
            } finally {
                lock.close();
            }
        }
    }

    /** The project folder (absolute, normalised). */
    public Path dir() {
        return dir;
    }

    /** Where model-version files live; {@link #addModelVersion} paths are relative to {@link #dir()}. */
    public Path modelsDir() {
        return dir.resolve(MODELS_DIR);
    }

    /** The schema version of the open database. */
    public int schemaVersion() {
        return read(c -> pragmaInt(c, "user_version"));
    }

    /** A PRAGMA's value on the store's own connection (some, like synchronous, are per connection). */
    String pragma(String name) {
        return read(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    // ------------------------------------------------------------------ images

    /**
     * Registers images in one transaction and returns their ids in input order. A path already known
     * keeps its id and first import time; its other columns are replaced (a re-import of a changed file).
     */
    public List<Long> addImages(List<NewImage> images) {
        List<Object[]> rows = imageRows(images);
        long now = System.currentTimeMillis();
        return write(c -> insertImages(c, rows, now));
    }

    /**
     * Registers images and labels them with the classes their folders name, all in ONE transaction (an import's batch):
     * a full disk leaves either all of it or none, never images without the labels their folders gave them. A class
     * name no live class has (ignoring case) is added first.
     *
     * @param folderLabels one per image: a class name, or null for none
     * @return the images' ids in input order
     */
    public List<Long> addLabelledImages(List<NewImage> images, List<String> folderLabels) {
        if (folderLabels.size() != images.size()) {
            throw new IllegalArgumentException(folderLabels.size() + " labels for " + images.size() + " images");
        }
        List<Object[]> rows = imageRows(images);
        String by = annotator;
        List<String> names = new ArrayList<>(folderLabels.size());
        for (String l : folderLabels) {
            names.add(l == null ? null : checkName(l));
        }
        long now = System.currentTimeMillis();
        synchronized (mutex) {
            ensureOpen();
            record Batch(List<Long> ids, List<JournalEntry> events) {
            }
            Batch b = write(c -> {
                List<Long> ids = insertImages(c, rows, now);
                Map<String, Long> classIds = new java.util.HashMap<>();
                List<Map.Entry<Long, Long>> labelling = new ArrayList<>();
                for (int k = 0; k < ids.size(); k++) {
                    String name = names.get(k);
                    if (name != null) {
                        Long id = classIds.get(name.toLowerCase(Locale.ROOT));
                        if (id == null) {
                            id = first(queryClasses(c, "WHERE deleted = 0 AND name = ? COLLATE NOCASE", name))
                                    .map(LabelClass::id).orElse(null);
                            if (id == null) {
                                id = insertClass(c, name, null, null, null).id();
                            }
                            classIds.put(name.toLowerCase(Locale.ROOT), id);
                        }
                        labelling.add(Map.entry(ids.get(k), id));
                    }
                }
                return new Batch(ids, appendLabels(c, labelling, by));
            });
            b.events().forEach(labels::apply);
            return b.ids();
        }
    }

    private static List<Object[]> imageRows(List<NewImage> images) {
        List<Object[]> rows = new ArrayList<>(images.size());
        for (NewImage im : images) {
            Path path = normalise(im.path());
            Path root = normalise(im.root());
            if (!path.startsWith(root) || path.equals(root)) {
                throw invalid("Image " + path + " is not inside its import folder " + root + ".");
            }
            String sha = im.sha256() == null ? null : im.sha256().toLowerCase(Locale.ROOT);
            rows.add(new Object[] {path.toString(), root.toString(), relPath(root, path), sha,
                im.sizeBytes(), im.mtimeMs(), im.width(), im.height(), im.status().dbValue(), im.statusReason()});
        }
        return rows;
    }

    private List<Long> insertImages(Connection c, List<Object[]> rows, long now) throws SQLException {
        statusCounts = null;
        List<Long> ids = new ArrayList<>(rows.size());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO images (path, root, rel_path, sha256,"
                + " size_bytes, mtime_ms, width, height, status, status_reason, imported_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (path) DO UPDATE SET root = excluded.root, rel_path = excluded.rel_path,"
                + " sha256 = excluded.sha256, size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms,"
                + " width = excluded.width, height = excluded.height, status = excluded.status,"
                + " status_reason = excluded.status_reason RETURNING id")) {
            for (Object[] row : rows) {
                bind(ps, row);
                ps.setLong(row.length + 1, now);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    ids.add(rs.getLong(1));
                }
            }
        }
        return Collections.unmodifiableList(ids);
    }

    public Optional<ImageRecord> image(long id) {
        return read(c -> first(queryImages(c, "WHERE id = ?", id)));
    }

    public Optional<ImageRecord> findByPath(Path path) {
        return read(c -> first(queryImages(c, "WHERE path = ?", normalise(path).toString())));
    }

    /**
     * The image whose path relative to its import folder is {@code relPath} ('/' or '\' separated).
     *
     * @throws ProjectException (INVALID) when images from several import folders match; the message
     *                          lists them
     */
    public Optional<ImageRecord> findByRelPath(String relPath) {
        String rel = relPath.replace('\\', '/');
        List<ImageRecord> found = read(c -> queryImages(c, "WHERE rel_path = ? ORDER BY id", rel));
        if (found.size() > 1) {
            throw invalid("'" + relPath + "' is ambiguous; it matches " + found.size() + " images: "
                    + found.stream().map(r -> r.path().toString()).collect(Collectors.joining(", ")) + ".");
        }
        return first(found);
    }

    /** Every image with this content hash (duplicates share one). */
    public List<ImageRecord> findByHash(String sha256) {
        return read(c -> queryImages(c, "WHERE sha256 = ? ORDER BY id", sha256.toLowerCase(Locale.ROOT)));
    }

    /**
     * Points images at new files: each {@code ImageRelink} moves one image (its id, labels, embeddings and thumbnail
     * stay) to a file found with its content, and makes it usable again. One transaction. An image whose new path is
     * already another image's is left as it was.
     *
     * @return how many images now point at their new files
     */
    public int relinkImages(List<ImageRelink> moves) {
        if (moves.isEmpty()) {
            return 0;
        }
        List<Object[]> rows = new ArrayList<>(moves.size());
        for (ImageRelink m : moves) {
            Path path = normalise(m.path());
            Path root = normalise(m.root());
            if (!path.startsWith(root) || path.equals(root)) {
                throw invalid("Image " + path + " is not inside its import folder " + root + ".");
            }
            rows.add(new Object[] {path.toString(), root.toString(), relPath(root, path), m.sizeBytes(), m.mtimeMs(),
                m.imageId()});
        }
        return write(c -> {
            int n = 0;
            statusCounts = null;
            try (PreparedStatement ps = c.prepareStatement("UPDATE OR IGNORE images SET path = ?, root = ?, rel_path = ?,"
                    + " size_bytes = ?, mtime_ms = ?, status = 'ok', status_reason = NULL WHERE id = ?")) {
                for (Object[] row : rows) {
                    bind(ps, row);
                    n += ps.executeUpdate();
                }
            }
            return n;
        });
    }

    /** The image at {@code path} if its recorded size and mtime still match: re-import can skip it. */
    public Optional<ImageRecord> knownFile(Path path, long sizeBytes, long mtimeMs) {
        return read(c -> first(queryImages(c, "WHERE path = ? AND size_bytes = ? AND mtime_ms = ?",
                normalise(path).toString(), sizeBytes, mtimeMs)));
    }

    /** All images by id. */
    public List<ImageRecord> images() {
        return read(c -> queryImages(c, "ORDER BY id"));
    }

    /**
     * Every image's id, content hash and file, in id order: what a gallery needs to show a collection, read without
     * the rest of each record (a tenth of {@link #images()}'s time and garbage on 100,000 images).
     */
    public ImageList imageList() {
        return read(c -> {
            int n = Math.toIntExact(queryLong(c, "SELECT count(*) FROM images"));
            long[] ids = new long[n];
            String[] sha = new String[n];
            String[] paths = new String[n];
            int i = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT id, sha256, path FROM images ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next() && i < n) { // the count and the rows are read under one lock: they agree
                    ids[i] = rs.getLong(1);
                    sha[i] = rs.getString(2);
                    paths[i] = rs.getString(3);
                    i++;
                }
            }
            return new ImageList(ids, sha, paths);
        });
    }

    /** Ids, content hashes and file paths of a project's images, index by index, in id order. */
    public record ImageList(long[] ids, String[] sha256, String[] paths) {
    }

    public long imageCount() {
        return read(c -> queryLong(c, "SELECT count(*) FROM images"));
    }

    public void setStatus(long imageId, ImageStatus status, String reason) {
        write(c -> {
            statusCounts = null;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE images SET status = ?, status_reason = ? WHERE id = ?")) {
                ps.setString(1, status.dbValue());
                ps.setString(2, reason);
                ps.setLong(3, imageId);
                if (ps.executeUpdate() == 0) {
                    throw invalid("There is no image " + imageId + ".");
                }
            }
            return null;
        });
    }

    /** Sets the status of many images in one transaction (e.g. every file found missing on open). */
    public void setStatuses(java.util.Collection<Long> imageIds, ImageStatus status, String reason) {
        if (imageIds.isEmpty()) {
            return;
        }
        write(c -> {
            statusCounts = null;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE images SET status = ?, status_reason = ? WHERE id = ?")) {
                for (long id : imageIds) {
                    ps.setString(1, status.dbValue());
                    ps.setString(2, reason);
                    ps.setLong(3, id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    private static Path normalise(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private static String relPath(Path root, Path path) {
        Path rel = root.relativize(path);
        List<String> parts = new ArrayList<>();
        rel.forEach(p -> parts.add(p.toString()));
        return String.join("/", parts);
    }

    private static List<ImageRecord> queryImages(Connection c, String where, Object... args) throws SQLException {
        List<ImageRecord> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + IMAGE_COLUMNS + " FROM images " + where)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new ImageRecord(rs.getLong(1), Path.of(rs.getString(2)), Path.of(rs.getString(3)),
                            rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7),
                            nullableInt(rs, 8), nullableInt(rs, 9), ImageStatus.fromDb(rs.getString(10)),
                            rs.getString(11), rs.getLong(12)));
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ classes

    /**
     * Adds a live class and its CLASS_ADD event. A null colour takes the first palette colour no live
     * class uses; a null hotkey the first free of 1..9 then a..z (none if all are taken).
     */
    public LabelClass addClass(String name, String colour, Character hotkey) {
        return addClass(name, colour, hotkey, null);
    }

    /**
     * Adds a live class as {@link #addClass(String, String, Character)} does, with the text embedding it starts
     * from (null: none), in the same transaction.
     */
    public LabelClass addClass(String name, String colour, Character hotkey, ClassText text) {
        String n = checkName(name);
        String col = colour == null ? null : checkColour(colour);
        if (hotkey != null) {
            checkHotkey(hotkey);
        }
        return write(c -> insertClass(c, n, col, hotkey, text));
    }

    private LabelClass insertClass(Connection c, String n, String col, Character hotkey, ClassText text) throws SQLException {
        List<LabelClass> live = queryClasses(c, "WHERE deleted = 0");
        requireNameFree(live, n, -1);
        Character key = hotkey;
        if (key == null) {
            key = autoHotkey(live);
        } else {
            for (LabelClass k : live) {
                if (k.hotkey() != null && Character.toLowerCase(k.hotkey()) == Character.toLowerCase(key)) {
                    throw invalid("Hotkey '" + key + "' is already used by class '" + k.name() + "'.");
                }
            }
        }
        String finalColour = col != null ? col : autoColour(live);
        int ord = (int) queryLong(c, "SELECT coalesce(max(ord), 0) + 1 FROM classes");
        long id;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO classes (name, colour, hotkey, ord) VALUES (?, ?, ?, ?) RETURNING id")) {
            bind(ps, n, finalColour, key == null ? null : key.toString(), ord);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
        }
        appendEvent(c, EventKind.CLASS_ADD, null, id, null, n, null, null, null);
        if (text != null) {
            putClassText(c, id, text);
        }
        return new LabelClass(id, n, finalColour, key, ord, false);
    }

    /** Renames a live class (writes CLASS_RENAME); labels are untouched. */
    public LabelClass renameClass(long classId, String newName) {
        return renameClass(classId, newName, null);
    }

    /** Renames a live class and, when {@code text} is given, replaces its text embedding in the same transaction. */
    public LabelClass renameClass(long classId, String newName, ClassText text) {
        String n = checkName(newName);
        return write(c -> {
            LabelClass k = liveClass(c, classId);
            if (text != null) {
                putClassText(c, classId, text);
            }
            if (k.name().equals(n)) {
                return k;
            }
            requireNameFree(queryClasses(c, "WHERE deleted = 0"), n, classId);
            update(c, "UPDATE classes SET name = ? WHERE id = ?", n, classId);
            appendEvent(c, EventKind.CLASS_RENAME, null, classId, null, n, null, null, null);
            return new LabelClass(k.id(), n, k.colour(), k.hotkey(), k.ord(), false);
        });
    }

    /** Moves every label of {@code fromId} to {@code intoId} and deletes {@code fromId} (one CLASS_MERGE). */
    public JournalEntry mergeClass(long fromId, long intoId) {
        if (fromId == intoId) {
            throw invalid("A class cannot be merged into itself.");
        }
        synchronized (mutex) {
            JournalEntry e = write(c -> {
                liveClass(c, fromId);
                liveClass(c, intoId);
                update(c, "UPDATE classes SET deleted = 1 WHERE id = ?", fromId);
                return appendEvent(c, EventKind.CLASS_MERGE, null, fromId, intoId, null, null, null, null);
            });
            labels.apply(e);
            return e;
        }
    }

    /** Deletes a live class; its images become unlabelled (one CLASS_DELETE). The id is never reused. */
    public JournalEntry deleteClass(long classId) {
        synchronized (mutex) {
            JournalEntry e = write(c -> {
                liveClass(c, classId);
                update(c, "UPDATE classes SET deleted = 1 WHERE id = ?", classId);
                return appendEvent(c, EventKind.CLASS_DELETE, null, classId, null, null, null, null, null);
            });
            labels.apply(e);
            return e;
        }
    }

    /** Live classes in display order. */
    public List<LabelClass> classes() {
        return read(c -> queryClasses(c, "WHERE deleted = 0 ORDER BY ord, id"));
    }

    /** Every class ever made, deleted ones included (to name them in the journal's history). */
    public List<LabelClass> allClasses() {
        return read(c -> queryClasses(c, "ORDER BY ord, id"));
    }

    /** The live class with this name, ignoring case. */
    public Optional<LabelClass> classByName(String name) {
        return read(c -> first(queryClasses(c, "WHERE deleted = 0 AND name = ? COLLATE NOCASE", name.trim())));
    }

    /** The class with this id, live or deleted. */
    public Optional<LabelClass> classById(long id) {
        return read(c -> first(queryClasses(c, "WHERE id = ?", id)));
    }

    private static String checkName(String name) {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty()) {
            throw invalid("A class name cannot be empty.");
        }
        if (n.length() > 200 || n.codePoints().anyMatch(Character::isISOControl)) {
            throw invalid("'" + n + "' is not a usable class name (too long or has control characters).");
        }
        return n;
    }

    private static String checkColour(String colour) {
        if (!COLOUR.matcher(colour).matches()) {
            throw invalid("'" + colour + "' is not a colour; use #rrggbb.");
        }
        return colour.toLowerCase(Locale.ROOT);
    }

    private static void checkHotkey(char key) {
        if (Character.isWhitespace(key) || Character.isISOControl(key) || Character.isSurrogate(key)) {
            throw invalid("'" + key + "' cannot be a hotkey.");
        }
    }

    private static void requireNameFree(List<LabelClass> live, String name, long exceptId) {
        for (LabelClass k : live) {
            if (k.id() != exceptId && k.name().equalsIgnoreCase(name)) {
                throw invalid("A class named '" + k.name() + "' already exists.");
            }
        }
    }

    private static Character autoHotkey(List<LabelClass> live) {
        Set<Character> used = new HashSet<>();
        live.stream().filter(k -> k.hotkey() != null).forEach(k -> used.add(Character.toLowerCase(k.hotkey())));
        for (char ch : AUTO_HOTKEYS.toCharArray()) {
            if (!used.contains(ch)) {
                return ch;
            }
        }
        return null;
    }

    private static String autoColour(List<LabelClass> live) {
        Set<String> used = live.stream().map(LabelClass::colour).collect(Collectors.toSet());
        return PALETTE.stream().filter(p -> !used.contains(p)).findFirst()
                .orElse(PALETTE.get(live.size() % PALETTE.size()));
    }

    private static LabelClass liveClass(Connection c, long id) throws SQLException {
        Optional<LabelClass> k = first(queryClasses(c, "WHERE id = ?", id));
        if (k.isEmpty()) {
            throw invalid("There is no class " + id + ".");
        }
        if (k.get().deleted()) {
            throw invalid("Class '" + k.get().name() + "' has been deleted.");
        }
        return k.get();
    }

    /** The text embedding class {@code classId} starts from, if it has one. */
    public Optional<ClassText> classText(long classId) {
        return Optional.ofNullable(classTexts().get(classId));
    }

    /** Every class's text embedding (deleted classes' included), by class id. */
    public Map<Long, ClassText> classTexts() {
        return read(c -> {
            Map<Long, ClassText> out = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT class_id, model, text, logit_scale, dim, vector FROM class_texts ORDER BY class_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    float[] v = new float[rs.getInt(5)];
                    ByteBuffer.wrap(rs.getBytes(6)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                    out.put(rs.getLong(1), new ClassText(rs.getString(2), rs.getString(3), v, rs.getFloat(4)));
                }
            }
            return out;
        });
    }

    private static void putClassText(Connection c, long classId, ClassText t) throws SQLException {
        float[] v = t.vector();
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO class_texts"
                + " (class_id, model, text, logit_scale, dim, vector) VALUES (?, ?, ?, ?, ?, ?)")) {
            bind(ps, classId, t.model(), t.text(), (double) t.logitScale(), v.length, buf.array());
            ps.executeUpdate();
        }
    }

    private static List<LabelClass> queryClasses(Connection c, String where, Object... args) throws SQLException {
        List<LabelClass> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CLASS_COLUMNS + " FROM classes " + where)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(4);
                    out.add(new LabelClass(rs.getLong(1), rs.getString(2), rs.getString(3),
                            key == null ? null : key.charAt(0), rs.getInt(5), rs.getInt(6) != 0));
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ labels and the journal

    /**
     * Labels an image, writing LABEL (it had none) or RELABEL, durable when this returns. Giving an
     * image the class it already has writes nothing and returns empty.
     *
     * @param prequential  whether the model's prediction was right just before this label; null if none
     * @param modelVersion the trainer's model version that made that prediction; may be null
     */
    public Optional<JournalEntry> label(long imageId, long classId, Boolean prequential, Long modelVersion) {
        return setLabel(imageId, classId, prequential, modelVersion, null, false);
    }

    /**
     * A reviewer's decision on an image whose annotators disagree (ADR 0034): a label event by this store's annotator,
     * marked as adjudication, written even when the image already has that class. It wins over the votes.
     */
    public JournalEntry adjudicate(long imageId, long classId) {
        return setLabel(imageId, classId, null, null, null, true).orElseThrow();
    }

    /** Removes an image's label (UNLABEL); empty when it had none. */
    public Optional<JournalEntry> unlabel(long imageId) {
        return setLabel(imageId, null, null, null, null, false);
    }

    /**
     * Appends an event that sets {@code imageId}'s label to {@code classId} (null: unlabelled) and
     * records that it compensates journal event {@code undoOf} (an event about this image, or a class
     * event): the building block of undo and redo. Empty when the image already has that label.
     */
    public Optional<JournalEntry> appendCompensating(long undoOf, long imageId, Long classId) {
        return setLabel(imageId, classId, null, null, undoOf, false);
    }

    private Optional<JournalEntry> setLabel(long imageId, Long classId, Boolean prequential, Long modelVersion,
                                            Long undoOf, boolean adjudication) {
        synchronized (mutex) {
            ensureOpen();
            Long previous = labels.labelOf(imageId);
            String by = annotator;
            if (!adjudication && unchanged(imageId, previous, classId, by) && !compensatesConfirmation(undoOf)) {
                return Optional.empty();
            }
            JournalEntry e = write(c -> {
                if (queryLong(c, "SELECT count(*) FROM images WHERE id = ?", imageId) == 0) {
                    throw invalid("There is no image " + imageId + ".");
                }
                if (classId != null) {
                    liveClass(c, classId);
                }
                if (undoOf != null) {
                    List<JournalEntry> target = queryJournal("SELECT " + JOURNAL_COLUMNS
                            + " FROM journal WHERE seq = ?", undoOf);
                    if (target.isEmpty()) {
                        throw invalid("There is no journal event " + undoOf + " to compensate.");
                    }
                    Long about = target.get(0).imageId();
                    if (about != null && about != imageId) {
                        throw invalid("Journal event " + undoOf + " is about image " + about + ", not " + imageId + ".");
                    }
                }
                EventKind kind = classId == null ? EventKind.UNLABEL
                        : previous == null ? EventKind.LABEL : EventKind.RELABEL;
                return appendEvent(c, kind, imageId, classId, previous, null, undoOf, prequential, modelVersion, by,
                        adjudication);
            });
            labels.apply(e);
            return Optional.of(e);
        }
    }

    /**
     * Whether labelling {@code imageId} with {@code classId} would say nothing new: it has that label already, from the
     * same annotator. The same class from another annotator is written (a RELABEL to the same class, a confirmation):
     * agreement needs each annotator's own label, and dropping the agreeing ones would count only disagreements.
     */
    private boolean unchanged(long imageId, Long previous, Long classId, String by) {
        return java.util.Objects.equals(previous, classId)
                && (classId == null || java.util.Objects.equals(read(c -> lastLabelledBy(c, imageId)), by));
    }

    /**
     * Who wrote {@code imageId}'s newest label event (null: none, or written before schema v5). Asked only when a label
     * repeats the current one, so nothing is kept in memory or read at open (index journal_image).
     */
    private String lastLabelledBy(Connection c, long imageId) throws SQLException {
        if (!recordsAnnotator) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT annotator FROM journal WHERE image_id = ?"
                + " AND kind IN ('LABEL', 'RELABEL', 'UNLABEL') ORDER BY seq DESC LIMIT 1")) {
            ps.setLong(1, imageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Undo or redo of a confirmation (a label event that kept the class) must be written although the class stays. */
    private boolean compensatesConfirmation(Long undoOf) {
        if (undoOf == null) {
            return false;
        }
        try {
            List<JournalEntry> target = queryJournal("SELECT " + JOURNAL_COLUMNS + " FROM journal WHERE seq = ?", undoOf);
            return !target.isEmpty() && target.get(0).kind() == EventKind.RELABEL
                    && java.util.Objects.equals(target.get(0).classId(), target.get(0).otherClassId());
        } catch (SQLException e) {
            throw classify(dir, e, "the journal could not be read", "try again");
        }
    }

    /**
     * Labels many images in ONE durable transaction (LABEL or RELABEL events in the given order);
     * for imports that take labels from folder names. Images that already have the class are skipped.
     *
     * @return the events written
     */
    public List<JournalEntry> labelAll(List<Map.Entry<Long, Long>> imageToClass) {
        synchronized (mutex) {
            ensureOpen();
            String by = annotator;
            List<JournalEntry> written = write(c -> appendLabels(c, imageToClass, by));
            written.forEach(labels::apply);
            return written;
        }
    }

    /** LABEL/RELABEL events for {@link #labelAll}; the caller holds the mutex and applies them after the commit. */
    private List<JournalEntry> appendLabels(Connection c, List<Map.Entry<Long, Long>> imageToClass, String by)
            throws SQLException {
        Map<Long, Long> now = new java.util.HashMap<>();
        List<JournalEntry> out = new ArrayList<>();
        Set<Long> checkedClasses = new HashSet<>();
        for (Map.Entry<Long, Long> e : imageToClass) {
            long imageId = e.getKey();
            long classId = e.getValue();
            Long previous = now.containsKey(imageId) ? now.get(imageId) : labels.labelOf(imageId);
            if (java.util.Objects.equals(previous, classId)
                    && (now.containsKey(imageId) || java.util.Objects.equals(lastLabelledBy(c, imageId), by))) {
                continue;
            }
            if (queryLong(c, "SELECT count(*) FROM images WHERE id = ?", imageId) == 0) {
                throw invalid("There is no image " + imageId + ".");
            }
            if (checkedClasses.add(classId)) {
                liveClass(c, classId);
            }
            EventKind kind = previous == null ? EventKind.LABEL : EventKind.RELABEL;
            out.add(appendEvent(c, kind, imageId, classId, previous, null, null, null, null, by, false));
            now.put(imageId, classId);
        }
        return out;
    }

    /** Image id → class id, derived from the journal. An immutable snapshot. */
    public Map<Long, Long> currentLabels() {
        synchronized (mutex) {
            ensureOpen();
            return labels.snapshot();
        }
    }

    public Optional<Long> labelOf(long imageId) {
        synchronized (mutex) {
            ensureOpen();
            return Optional.ofNullable(labels.labelOf(imageId));
        }
    }

    /** The whole journal, oldest first. */
    public List<JournalEntry> journal() {
        return journalSince(0);
    }

    /** Events with seq greater than {@code seq}, oldest first. */
    public List<JournalEntry> journalSince(long seq) {
        return read(c -> queryJournal("SELECT " + JOURNAL_COLUMNS + " FROM journal WHERE seq > ? ORDER BY seq", seq));
    }

    public Optional<JournalEntry> journalEntry(long seq) {
        return read(c -> first(queryJournal("SELECT " + JOURNAL_COLUMNS + " FROM journal WHERE seq = ?", seq)));
    }

    /**
     * Journal seq → the annotator who wrote that event, for the events that record one (schema v5 on; older events
     * are absent).
     */
    public Map<Long, String> journalAnnotators() {
        return read(c -> {
            Map<Long, String> out = new java.util.HashMap<>();
            if (!recordsAnnotator) {
                return out;
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT seq, annotator FROM journal WHERE annotator IS NOT NULL")) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getString(2));
                }
            }
            return out;
        });
    }

    // ------------------------------------------------------------------ team sync (docs/adr/0034-team-server.md)

    /** Setting: the server sequence number of the last remote event this project has taken in. */
    public static final String PULLED_SETTING = "team.pulled_seq";

    /** What {@link #applyRemote} did with a batch of remote events. */
    public record RemoteApplied(int applied, int alreadyHere, int waiting, int ignored, int held) {
        public RemoteApplied(int applied, int alreadyHere, int waiting, int ignored) {
            this(applied, alreadyHere, waiting, ignored, 0);
        }
    }

    /**
     * Overlap for agreement (ADR 0034, issue 15): a share of the images is labelled by {@code k} annotators. A pulled
     * label of such an image waits in the inbox, so the image stays unlabelled here and in this instance's queue, until
     * it has been labelled here too (an event written in this project) or by {@code k} annotators.
     *
     * @param share the share of images in the overlap, chosen by content hash (the same on every machine)
     * @param k     annotators each overlap image should have
     */
    public record Overlap(double share, int k) {
        public static final Overlap NONE = new Overlap(0, 2);

        public Overlap {
            if (!(share >= 0 && share <= 1)) throw new IllegalArgumentException("overlap share must be in [0, 1]: " + share);
            if (k < 2) throw new IllegalArgumentException("overlap needs at least 2 annotators per image: " + k);
        }

        /** Whether the image with this content hash (hex SHA-256) is one of the overlap's. */
        public boolean covers(String sha256) {
            if (share <= 0 || sha256 == null || sha256.length() < 8) return false;
            return Long.parseLong(sha256.substring(0, 8), 16) / 4294967296.0 < share;
        }
    }

    /** The journal seqs of reviewers' decisions (adjudication events, ADR 0034). */
    public Set<Long> adjudicationEvents() {
        return read(c -> {
            Set<Long> out = new HashSet<>();
            if (!recordsEventId) {
                return out;
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT seq FROM journal WHERE adjudication = 1")) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            return out;
        });
    }

    /** The journal seqs of events pulled from the team's server (written by other instances). */
    public Set<Long> pulledEvents() {
        return read(c -> {
            Set<Long> out = new HashSet<>();
            if (!recordsEventId) {
                return out;
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT seq FROM journal WHERE server_seq IS NOT NULL")) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            return out;
        });
    }

    /** Journal seq → the event's global id (schema v6 on). */
    public Map<Long, String> journalEventIds() {
        return read(c -> {
            Map<Long, String> out = new java.util.HashMap<>();
            if (!recordsEventId) {
                return out;
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT seq, event_id FROM journal")) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getString(2));
                }
            }
            return out;
        });
    }

    /**
     * The events written in this project (not those pulled from the team's server) with seq greater than
     * {@code afterSeq}, oldest first, at most {@code limit}, as the server holds them: image by content hash and
     * relative path, classes by their current name, an undo by the id of the event it undoes.
     */
    public List<TeamEvent> localEvents(long afterSeq, int limit) {
        requireEventIds();
        return read(c -> {
            List<TeamEvent> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT j.seq, j.event_id, j.time_ms, j.kind, j.annotator, i.sha256, i.rel_path, k1.name, k2.name,
                           j.text, u.event_id, j.adjudication
                    FROM journal j
                    LEFT JOIN images i ON i.id = j.image_id
                    LEFT JOIN classes k1 ON k1.id = j.class_id
                    LEFT JOIN classes k2 ON k2.id = j.other_class_id
                    LEFT JOIN journal u ON u.seq = j.undo_of
                    WHERE j.seq > ? AND j.server_seq IS NULL
                    ORDER BY j.seq LIMIT ?""")) {
                bind(ps, afterSeq, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new TeamEvent(0, rs.getString(2), rs.getLong(3), EventKind.valueOf(rs.getString(4)),
                                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                                rs.getString(10), rs.getString(11), rs.getInt(12) != 0, rs.getLong(1)));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Takes in events pulled from the team's server, in server order, and records {@code pulledThrough} as the last
     * server sequence number taken in: all in ONE transaction, so a crash leaves either both or neither, and the next
     * pull starts where this one committed. An event whose id is already in the journal (this project's own, or pulled
     * before) is skipped, so nothing is ever doubled. A label event becomes a label event by its annotator here (its
     * image found by content hash, else relative path; its class by name, created if missing). One whose image is not
     * in this project yet, or whose undone event is not here yet, waits in the inbox and is tried again at every pull,
     * before the new ones. Class renames, merges and deletes of other instances are not applied (ADR 0034).
     */
    public RemoteApplied applyRemote(List<TeamEvent> events, long pulledThrough) {
        return applyRemote(events, pulledThrough, Overlap.NONE);
    }

    /** The same, holding back the labels of overlap images this annotator should label too ({@link Overlap}). */
    public RemoteApplied applyRemote(List<TeamEvent> events, long pulledThrough, Overlap overlap) {
        requireEventIds();
        synchronized (mutex) {
            List<JournalEntry> written = new ArrayList<>();
            RemoteApplied result = write(c -> {
                written.clear();
                int[] n = new int[5]; // applied, already here, waiting, ignored, held for the overlap
                Map<Long, Long> now = new java.util.HashMap<>();
                List<TeamEvent> todo = new ArrayList<>(inbox(c));
                Set<String> fromInbox = new HashSet<>();
                todo.forEach(e -> fromInbox.add(e.eventId()));
                todo.addAll(events);
                Map<String, Set<String>> voters = overlapVoters(c, todo, overlap);
                for (TeamEvent e : todo) {
                    boolean waiting = fromInbox.contains(e.eventId());
                    if (queryLong(c, "SELECT count(*) FROM journal WHERE event_id = ?", e.eventId()) > 0) {
                        if (waiting) {
                            update(c, "DELETE FROM team_inbox WHERE event_id = ?", e.eventId());
                        } else {
                            n[1]++;
                        }
                        continue;
                    }
                    Optional<JournalEntry> applied;
                    if (e.kind().isLabelEvent() && held(e, overlap, voters)) {
                        if (!waiting) {
                            toInbox(c, e);
                        }
                        n[4]++;
                        continue;
                    }
                    if (e.kind().isLabelEvent()) {
                        applied = applyRemoteLabel(c, e, now);
                    } else {
                        if (e.kind() == EventKind.CLASS_ADD && e.text() != null
                                && queryClasses(c, "WHERE deleted = 0 AND name = ? COLLATE NOCASE", e.text()).isEmpty()) {
                            insertClass(c, checkName(e.text()), null, null, null);
                        }
                        n[3]++;
                        continue;
                    }
                    if (applied.isPresent()) {
                        written.add(applied.get());
                        n[0]++;
                        if (waiting) {
                            update(c, "DELETE FROM team_inbox WHERE event_id = ?", e.eventId());
                        }
                    } else {
                        if (!waiting) {
                            toInbox(c, e);
                        }
                        n[2]++;
                    }
                }
                update(c, "INSERT INTO settings (key, value) VALUES (?, ?)"
                        + " ON CONFLICT (key) DO UPDATE SET value = excluded.value", PULLED_SETTING,
                        Long.toString(pulledThrough));
                return new RemoteApplied(n[0], n[1], n[2], n[3], n[4]);
            });
            written.forEach(labels::apply);
            return result;
        }
    }

    /**
     * For each overlap image among {@code todo}'s label events (by content hash): the annotators who labelled it, here
     * (the journal) or in {@code todo} (the inbox and this pull).
     */
    private Map<String, Set<String>> overlapVoters(Connection c, List<TeamEvent> todo, Overlap overlap) throws SQLException {
        Map<String, Set<String>> out = new java.util.HashMap<>();
        if (overlap.share() <= 0) return out;
        for (TeamEvent e : todo) {
            if (!e.kind().isLabelEvent() || e.adjudication() || !overlap.covers(e.imageSha256())) continue;
            Set<String> v = out.get(e.imageSha256());
            if (v == null) {
                v = new HashSet<>();
                out.put(e.imageSha256(), v);
                // who labelled it in the journal; a label written here counts as HERE, whatever its annotator's name
                try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT CASE WHEN j.server_seq IS NULL THEN ? ELSE"
                        + " j.annotator END FROM journal j JOIN images i ON i.id = j.image_id WHERE i.sha256 = ?"
                        + " AND j.kind IN ('LABEL', 'RELABEL') AND (j.server_seq IS NULL OR j.annotator IS NOT NULL)")) {
                    ps.setString(1, HERE);
                    ps.setString(2, e.imageSha256());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) v.add(rs.getString(1));
                    }
                }
            }
            if (e.kind() != EventKind.UNLABEL && e.undoOf() == null && e.annotator() != null) v.add(e.annotator());
        }
        return out;
    }

    /** Marks, among an overlap image's voters, that it was labelled in this project (not a possible annotator name). */
    private static final String HERE = "\u0000here";

    /** Whether a pulled label event waits for this instance's own label of an overlap image ({@link Overlap}). */
    private static boolean held(TeamEvent e, Overlap overlap, Map<String, Set<String>> voters) {
        if (e.adjudication() || !overlap.covers(e.imageSha256())) return false;
        Set<String> v = voters.getOrDefault(e.imageSha256(), Set.of());
        return !v.contains(HERE) && v.size() < overlap.k();
    }

    private Optional<JournalEntry> applyRemoteLabel(Connection c, TeamEvent e, Map<Long, Long> now) throws SQLException {
        Long imageId = null;
        if (e.imageSha256() != null) {
            imageId = optionalLong(c, "SELECT min(id) FROM images WHERE sha256 = ?", e.imageSha256());
        }
        if (imageId == null && e.imageRelPath() != null) {
            imageId = optionalLong(c, "SELECT min(id) FROM images WHERE rel_path = ?", e.imageRelPath());
        }
        if (imageId == null) {
            return Optional.empty();
        }
        Long undoOf = null;
        if (e.undoOf() != null) {
            undoOf = optionalLong(c, "SELECT seq FROM journal WHERE event_id = ?", e.undoOf());
            if (undoOf == null) {
                return Optional.empty();
            }
        }
        Long classId = null;
        if (e.kind() != EventKind.UNLABEL) {
            if (e.className() == null) {
                return Optional.empty();
            }
            List<LabelClass> k = queryClasses(c, "WHERE deleted = 0 AND name = ? COLLATE NOCASE", e.className());
            classId = k.isEmpty() ? insertClass(c, checkName(e.className()), null, null, null).id() : k.get(0).id();
        }
        Long previous = now.containsKey(imageId) ? now.get(imageId) : labels.labelOf(imageId);
        EventKind kind = classId == null ? EventKind.UNLABEL : previous == null ? EventKind.LABEL : EventKind.RELABEL;
        JournalEntry j = insertEvent(c, e.timeMs(), kind, imageId, classId, previous, null, undoOf, null, null,
                e.annotator(), e.adjudication(), e.eventId(), e.serverSeq());
        now.put(imageId, classId);
        return Optional.of(j);
    }

    private static List<TeamEvent> inbox(Connection c) throws SQLException {
        List<TeamEvent> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT server_seq, event_id, time_ms,"
                + " kind, annotator, image_sha256, image_rel_path, class_name, other_class_name, text, undo_of,"
                + " adjudication FROM team_inbox ORDER BY server_seq")) {
            while (rs.next()) {
                out.add(new TeamEvent(rs.getLong(1), rs.getString(2), rs.getLong(3), EventKind.valueOf(rs.getString(4)),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                        rs.getString(10), rs.getString(11), rs.getInt(12) != 0, 0));
            }
        }
        return out;
    }

    private static void toInbox(Connection c, TeamEvent e) throws SQLException {
        update(c, "INSERT OR IGNORE INTO team_inbox (server_seq, event_id, time_ms, kind, annotator, image_sha256,"
                        + " image_rel_path, class_name, other_class_name, text, undo_of, adjudication)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e.serverSeq(), e.eventId(), e.timeMs(),
                e.kind().name(), e.annotator(), e.imageSha256(), e.imageRelPath(), e.className(), e.otherClassName(),
                e.text(), e.undoOf(), e.adjudication() ? 1 : 0);
    }

    /** How many remote events wait for their image (or the event they undo) to be in this project. */
    public int inboxSize() {
        requireEventIds();
        return read(c -> (int) queryLong(c, "SELECT count(*) FROM team_inbox"));
    }

    private void requireEventIds() {
        if (!recordsEventId) {
            throw new IllegalStateException("this store was opened without schema v6");
        }
    }

    private static Long optionalLong(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long v = rs.getLong(1);
                return rs.wasNull() ? null : v;
            }
        }
    }

    /** The newest event's seq, 0 for an empty journal. */
    public long lastSeq() {
        return read(c -> queryLong(c, "SELECT coalesce(max(seq), 0) FROM journal"));
    }

    /**
     * The newest journal position before the first event pulled from past server sequence number {@code serverSeq}:
     * everything up to it came from the team's log up to {@code serverSeq} or was written here (ADR 0034).
     */
    public long lastSeqBeforeServerSeq(long serverSeq) {
        return read(c -> {
            long first = queryLong(c, "SELECT coalesce(min(seq), 0) FROM journal WHERE server_seq > ?", serverSeq);
            return first > 0 ? first - 1 : queryLong(c, "SELECT coalesce(max(seq), 0) FROM journal");
        });
    }

    private JournalEntry appendEvent(Connection c, EventKind kind, Long imageId, Long classId, Long otherClassId,
                                     String text, Long undoOf, Boolean prequential, Long modelVersion)
            throws SQLException {
        return appendEvent(c, kind, imageId, classId, otherClassId, text, undoOf, prequential, modelVersion, annotator,
                false);
    }

    private JournalEntry appendEvent(Connection c, EventKind kind, Long imageId, Long classId, Long otherClassId,
                                     String text, Long undoOf, Boolean prequential, Long modelVersion, String by,
                                     boolean adjudication)
            throws SQLException {
        return insertEvent(c, System.currentTimeMillis(), kind, imageId, classId, otherClassId, text, undoOf,
                prequential, modelVersion, by, adjudication, recordsEventId ? UUID.randomUUID().toString() : null, null);
    }

    /** Appends one journal row; {@code eventId} and {@code serverSeq} are written when the schema has them (v6). */
    private JournalEntry insertEvent(Connection c, long now, EventKind kind, Long imageId, Long classId,
                                     Long otherClassId, String text, Long undoOf, Boolean prequential,
                                     Long modelVersion, String by, boolean adjudication, String eventId,
                                     Long serverSeq) throws SQLException {
        List<Object> args = new ArrayList<>(List.of(now, kind.name()));
        args.addAll(java.util.Arrays.asList(imageId, classId, otherClassId, text, undoOf,
                prequential == null ? null : (prequential ? 1 : 0), modelVersion));
        StringBuilder cols = new StringBuilder("time_ms, kind, image_id, class_id, other_class_id, text, undo_of,"
                + " prequential, model_version");
        if (recordsAnnotator) {
            cols.append(", annotator");
            args.add(by);
        }
        if (recordsEventId) {
            cols.append(", event_id, server_seq, adjudication");
            args.add(eventId);
            args.add(serverSeq);
            args.add(adjudication ? 1 : 0);
        }
        String marks = String.join(", ", java.util.Collections.nCopies(args.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO journal (" + cols + ") VALUES (" + marks
                + ") RETURNING seq")) {
            bind(ps, args.toArray());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new JournalEntry(rs.getLong(1), now, kind, imageId, classId, otherClassId, text, undoOf,
                        prequential, modelVersion);
            }
        }
    }

    /** {@code arg} < 0 means the query has no parameter. Caller holds the mutex (or is the constructor). */
    private List<JournalEntry> queryJournal(String sql, long arg) throws SQLException {
        List<JournalEntry> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            if (arg >= 0) {
                ps.setLong(1, arg);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Long preq = nullableLong(rs, 9);
                    out.add(new JournalEntry(rs.getLong(1), rs.getLong(2), EventKind.valueOf(rs.getString(3)),
                            nullableLong(rs, 4), nullableLong(rs, 5), nullableLong(rs, 6), rs.getString(7),
                            nullableLong(rs, 8), preq == null ? null : preq != 0, nullableLong(rs, 10)));
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ embeddings

    /**
     * Stores (or replaces) embeddings of one backbone in one transaction. All vectors must have the
     * same length, and the same as any already stored for that backbone.
     */
    public void putEmbeddings(String backbone, Map<Long, float[]> vectors) {
        if (backbone == null || backbone.isBlank()) {
            throw invalid("A backbone id is needed to store embeddings.");
        }
        if (vectors.isEmpty()) {
            return;
        }
        int dim = vectors.values().iterator().next().length;
        for (float[] v : vectors.values()) {
            if (v.length != dim || dim == 0) {
                throw invalid("Embeddings for '" + backbone + "' must all have the same, non-zero length.");
            }
        }
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT dim FROM embeddings WHERE backbone = ? LIMIT 1")) {
                ps.setString(1, backbone);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getInt(1) != dim) {
                        throw invalid("Backbone '" + backbone + "' has " + rs.getInt(1)
                                + "-dimensional embeddings stored; got " + dim + ".");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT OR REPLACE INTO embeddings (image_id, backbone, dim, vector) VALUES (?, ?, ?, ?)")) {
                ByteBuffer buf = ByteBuffer.allocate(4 * dim).order(ByteOrder.LITTLE_ENDIAN);
                for (Map.Entry<Long, float[]> en : vectors.entrySet()) {
                    buf.clear();
                    buf.asFloatBuffer().put(en.getValue());
                    ps.setLong(1, en.getKey());
                    ps.setString(2, backbone);
                    ps.setInt(3, dim);
                    ps.setBytes(4, buf.array().clone());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** Every stored embedding of {@code backbone}, ids ascending. */
    public EmbeddingSet embeddings(String backbone) {
        return embeddings(backbone, id -> true);
    }

    /**
     * The stored embeddings of {@code backbone} of the images {@code keep} accepts, ids ascending: a check on the
     * labelled images of a big project then holds their rows alone on the heap (ADR 0040).
     */
    public EmbeddingSet embeddings(String backbone, java.util.function.LongPredicate keep) {
        return read(c -> {
            int n = (int) queryLong(c, "SELECT count(*) FROM embeddings WHERE backbone = ?", backbone);
            long[] ids = new long[n];
            float[][] vectors = new float[n][];
            int dim = 0;
            int i = 0;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT image_id, dim, vector FROM embeddings WHERE backbone = ? ORDER BY image_id")) {
                ps.setString(1, backbone);
                try (ResultSet rs = ps.executeQuery()) {
                    while (i < n && rs.next()) {
                        dim = rs.getInt(2);
                        if (!keep.test(rs.getLong(1))) continue;
                        ids[i] = rs.getLong(1);
                        float[] v = new float[dim];
                        FloatBuffer fb = ByteBuffer.wrap(rs.getBytes(3)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                        fb.get(v);
                        vectors[i++] = v;
                    }
                }
            }
            return new EmbeddingSet(backbone, dim, i == n ? ids : java.util.Arrays.copyOf(ids, i),
                    i == n ? vectors : java.util.Arrays.copyOf(vectors, i));
        });
    }

    /** The ids of the images that have an embedding of {@code backbone}, ascending (no vectors read). */
    public long[] embeddingIds(String backbone) {
        return read(c -> {
            List<Long> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT image_id FROM embeddings WHERE backbone = ? ORDER BY image_id")) {
                ps.setString(1, backbone);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getLong(1));
                }
            }
            return out.stream().mapToLong(Long::longValue).toArray();
        });
    }

    /** Where {@link #embeddingsInto} writes: asked once for room for {@code rows × dim} floats. */
    @FunctionalInterface
    public interface EmbeddingRows {
        FloatBuffer allocate(int rows, int dim);
    }

    /**
     * The embeddings of {@code backbone} copied straight into the buffer {@code rows} allocates, row i for image
     * {@code ids[i]}, ids ascending; returns the ids. Unlike {@link #embeddings} it makes no array per image: 100,000
     * 480-d rows arrive in one native buffer without 190 MB of heap copies on the way (ADR 0031). Nothing is allocated
     * when there are none (empty ids).
     */
    public long[] embeddingsInto(String backbone, EmbeddingRows rows) {
        return read(c -> {
            int n;
            int dim;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*), min(dim), max(dim) FROM embeddings WHERE backbone = ?")) {
                ps.setString(1, backbone);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    n = rs.getInt(1);
                    dim = rs.getInt(2);
                    if (n > 0 && dim != rs.getInt(3)) {
                        throw new ProjectException(ProjectException.Kind.IO, "Project " + dir + " holds embeddings of "
                                + backbone + " with different widths (" + dim + " and " + rs.getInt(3)
                                + "): compute them again (remove the base model's embeddings and reopen).");
                    }
                }
            }
            long[] ids = new long[n];
            if (n == 0) {
                return ids;
            }
            FloatBuffer out = rows.allocate(n, dim);
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT image_id, vector FROM embeddings WHERE backbone = ? ORDER BY image_id")) {
                ps.setString(1, backbone);
                try (ResultSet rs = ps.executeQuery()) {
                    int i = 0;
                    for (; i < n && rs.next(); i++) {
                        ids[i] = rs.getLong(1);
                        out.position(i * dim);
                        out.put(ByteBuffer.wrap(rs.getBytes(2)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
                    }
                    if (i < n) {
                        return java.util.Arrays.copyOf(ids, i); // rows removed meanwhile (one connection: not expected)
                    }
                }
            }
            return ids;
        });
    }

    /** Ids of images with status ok that have no embedding from {@code backbone}, ascending. */
    public List<Long> imagesWithoutEmbedding(String backbone) {
        return read(c -> {
            List<Long> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM images i WHERE status = 'ok' AND NOT EXISTS"
                    + " (SELECT 1 FROM embeddings e WHERE e.image_id = i.id AND e.backbone = ?) ORDER BY id")) {
                ps.setString(1, backbone);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getLong(1));
                    }
                }
            }
            return out;
        });
    }

    // ------------------------------------------------------------------ label check marks (ADR 0026)

    /**
     * Marks an image's current label as checked by the user (the label check then leaves it out until the image is
     * relabelled). Durable when this returns.
     *
     * @throws ProjectException when the image has no label
     */
    public LabelCheckMark markChecked(long imageId) {
        synchronized (mutex) {
            ensureOpen();
            Long cls = labels.labelOf(imageId);
            if (cls == null) {
                throw invalid("Image " + imageId + " has no label to mark as checked.");
            }
            return write(c -> appendCheck(c, imageId, cls, true, null));
        }
    }

    /** Takes back the check mark {@code markSeq} (undo): the image's label is unchecked again. */
    public LabelCheckMark unmarkChecked(long markSeq) {
        synchronized (mutex) {
            ensureOpen();
            return write(c -> {
                LabelCheckMark m = checkRow(c, markSeq).orElseThrow(() -> invalid("There is no check mark " + markSeq + "."));
                return appendCheck(c, m.imageId(), m.classId(), false, markSeq);
            });
        }
    }

    /**
     * Image id → the class its label was checked at, for every image whose newest mark is "checked" and whose label
     * has not changed since (no label event on it after the mark, and the same class now).
     */
    public Map<Long, Long> checkedLabels() {
        synchronized (mutex) {
            ensureOpen();
            return read(c -> {
                Map<Long, long[]> newest = new java.util.HashMap<>(); // image -> {checked, class, journal_seq}
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT image_id, checked, class_id, journal_seq FROM label_checks ORDER BY seq");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        newest.put(rs.getLong(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)});
                    }
                }
                Map<Long, Long> lastEvent = new java.util.HashMap<>();
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT image_id, max(seq) FROM journal WHERE image_id IS NOT NULL GROUP BY image_id");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        lastEvent.put(rs.getLong(1), rs.getLong(2));
                    }
                }
                Map<Long, Long> out = new java.util.HashMap<>();
                newest.forEach((image, m) -> {
                    Long now = labels.labelOf(image);
                    if (m[0] == 1 && now != null && now == m[1] && lastEvent.getOrDefault(image, 0L) <= m[2]) {
                        out.put(image, m[1]);
                    }
                });
                return java.util.Collections.unmodifiableMap(out);
            });
        }
    }

    /** Every check-mark row, oldest first. */
    public List<LabelCheckMark> checkMarks() {
        return read(c -> {
            List<LabelCheckMark> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + CHECK_COLUMNS + " FROM label_checks ORDER BY seq");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(checkMark(rs));
                }
            }
            return out;
        });
    }

    private static final String CHECK_COLUMNS = "seq, time_ms, image_id, class_id, checked, journal_seq, undo_of";

    private static LabelCheckMark checkMark(ResultSet rs) throws SQLException {
        return new LabelCheckMark(rs.getLong(1), rs.getLong(2), rs.getLong(3), nullableLong(rs, 4), rs.getInt(5) == 1,
                rs.getLong(6), nullableLong(rs, 7));
    }

    private static Optional<LabelCheckMark> checkRow(Connection c, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CHECK_COLUMNS + " FROM label_checks WHERE seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(checkMark(rs)) : Optional.empty();
            }
        }
    }

    private static LabelCheckMark appendCheck(Connection c, long imageId, Long classId, boolean checked, Long undoOf)
            throws SQLException {
        long now = System.currentTimeMillis();
        long journalSeq = queryLong(c, "SELECT coalesce(max(seq), 0) FROM journal");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO label_checks (time_ms, image_id, class_id, checked,"
                + " journal_seq, undo_of) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq")) {
            bind(ps, now, imageId, classId, checked ? 1 : 0, journalSeq, undoOf);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new LabelCheckMark(rs.getLong(1), now, imageId, classId, checked, journalSeq, undoOf);
            }
        }
    }

    // ------------------------------------------------------------------ model versions

    /**
     * Records a saved model file. Register it after the file is in place under {@link #modelsDir()};
     * {@code relFile} is relative to the project folder, '/'-separated (e.g. models/v0007.zip).
     */
    public ModelVersion addModelVersion(String relFile, int labelCount, long journalSeq, String note) {
        String rel = relFile.replace('\\', '/');
        Path p = Path.of(rel);
        if (rel.isBlank() || p.isAbsolute() || rel.startsWith("/") || !dir.resolve(p).normalize().startsWith(dir)) {
            throw invalid("Model file '" + relFile + "' must be a path inside the project folder.");
        }
        long now = System.currentTimeMillis();
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_versions"
                    + " (file, created_ms, label_count, journal_seq, note) VALUES (?, ?, ?, ?, ?) RETURNING id")) {
                bind(ps, rel, now, labelCount, journalSeq, note);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new ModelVersion(rs.getLong(1), rel, now, labelCount, journalSeq, note);
                }
            }
        });
    }

    /** All recorded model versions, oldest first. */
    public List<ModelVersion> modelVersions() {
        return read(c -> {
            List<ModelVersion> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT id, file, created_ms, label_count, journal_seq, note FROM model_versions ORDER BY id")) {
                while (rs.next()) {
                    out.add(new ModelVersion(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getInt(4),
                            rs.getLong(5), rs.getString(6)));
                }
            }
            return out;
        });
    }

    /**
     * Forgets model versions (one transaction); their files are the caller's to delete afterwards. The newest
     * version is never deleted: it is what the next open starts from.
     */
    public void deleteModelVersions(java.util.Collection<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        write(c -> {
            long newest = queryLong(c, "SELECT coalesce(max(id), 0) FROM model_versions");
            if (ids.contains(newest)) {
                throw invalid("The newest model version (" + newest + ") cannot be deleted.");
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM model_versions WHERE id = ?")) {
                for (long id : ids) {
                    ps.setLong(1, id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    public Optional<ModelVersion> latestModelVersion() {
        List<ModelVersion> all = modelVersions();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    // ------------------------------------------------------------------ exclusions (issue 14)

    /**
     * Excludes ({@code excluded} true) or brings back images as one undoable batch, recorded in the append-only
     * exclusions table. Images already in the wanted state are left out of the batch. Returns the batch number,
     * or 0 when nothing changed.
     */
    public long setExcluded(java.util.Collection<Long> imageIds, boolean excluded, String reason) {
        return write(c -> {
            java.util.Set<Long> now = excludedIds(c);
            List<Long> change = new ArrayList<>();
            for (long id : new java.util.LinkedHashSet<>(imageIds)) {
                if (queryLong(c, "SELECT count(*) FROM images WHERE id = ?", id) == 0) {
                    throw invalid("There is no image " + id + ".");
                }
                if (now.contains(id) != excluded) change.add(id);
            }
            return change.isEmpty() ? 0L : appendExclusions(c, change, excluded, reason, null);
        });
    }

    /** Ids of the images now excluded. */
    public java.util.Set<Long> excludedImages() {
        return read(ProjectStore::excludedIds);
    }

    /**
     * Reverses the most recent exclusion batch (an undo is itself a batch, so a second call redoes). Returns the
     * number of images whose state changed; 0 when there is nothing to undo.
     */
    public int undoLastExclusion() {
        return write(c -> {
            long batch = lastExclusionBatch(c);
            if (batch == 0) return 0;
            List<Long> ids = new ArrayList<>();
            boolean wasExcluded = false;
            try (PreparedStatement ps = c.prepareStatement("SELECT image_id, excluded FROM exclusions WHERE batch = ? ORDER BY seq")) {
                ps.setLong(1, batch);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                        wasExcluded = rs.getInt(2) == 1;
                    }
                }
            }
            appendExclusions(c, ids, !wasExcluded, "undo", batch);
            return ids.size();
        });
    }

    /** Whether {@link #undoLastExclusion} has a batch to reverse. */
    public boolean canUndoExclusion() {
        return read(c -> lastExclusionBatch(c) > 0);
    }

    /** The newest batch that excluded or brought back images (kept groups are not exclusion changes); 0 if none. */
    private static long lastExclusionBatch(Connection c) throws SQLException {
        return queryLong(c, "SELECT coalesce(max(batch), 0) FROM exclusions WHERE reason IS NOT ?", KEPT);
    }

    /** The reason on the rows of a near-duplicate group the user kept whole. */
    private static final String KEPT = "kept";

    /**
     * Remembers that the user kept every image of a near-duplicate group (issue 14): one batch of "not excluded" rows
     * with reason {@value #KEPT} in the append-only exclusions table, which changes no image's state (the group's
     * images are all included when it is listed; an excluded one is brought back) and which {@link #undoLastExclusion}
     * skips. Returns the batch number.
     */
    public long keepGroup(java.util.Collection<Long> imageIds) {
        return write(c -> {
            List<Long> ids = new ArrayList<>(new java.util.TreeSet<>(imageIds));
            for (long id : ids) {
                if (queryLong(c, "SELECT count(*) FROM images WHERE id = ?", id) == 0) throw invalid("There is no image " + id + ".");
            }
            if (ids.size() < 2) throw invalid("A group needs two images or more.");
            return appendExclusions(c, ids, false, KEPT, null);
        });
    }

    /** The groups kept whole with {@link #keepGroup}, each as its image ids, oldest first. */
    public List<java.util.Set<Long>> keptGroups() {
        return read(c -> {
            java.util.Map<Long, java.util.Set<Long>> byBatch = new java.util.LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT batch, image_id FROM exclusions WHERE reason = ? ORDER BY seq")) {
                ps.setString(1, KEPT);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) byBatch.computeIfAbsent(rs.getLong(1), b -> new java.util.TreeSet<>()).add(rs.getLong(2));
                }
            }
            return List.copyOf(byBatch.values());
        });
    }

    private static long appendExclusions(Connection c, List<Long> ids, boolean excluded, String reason, Long undoOf)
            throws SQLException {
        long batch = queryLong(c, "SELECT coalesce(max(batch), 0) + 1 FROM exclusions");
        long now = System.currentTimeMillis();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO exclusions (batch, time_ms, image_id, excluded, reason, undo_of) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (long id : ids) {
                bind(ps, batch, now, id, excluded ? 1 : 0, reason, undoOf);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return batch;
    }

    private static java.util.Set<Long> excludedIds(Connection c) throws SQLException {
        java.util.Set<Long> out = new java.util.HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT e.image_id FROM exclusions e WHERE e.seq = "
                + "(SELECT max(seq) FROM exclusions WHERE image_id = e.image_id) AND e.excluded = 1");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(rs.getLong(1));
        }
        return out;
    }

    // ------------------------------------------------------------------ settings

    public Optional<String> setting(String key) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM settings WHERE key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    /** Sets a setting; a null value removes it. */
    public void setSetting(String key, String value) {
        write(c -> {
            if (value == null) {
                update(c, "DELETE FROM settings WHERE key = ?", key);
            } else {
                update(c, "INSERT INTO settings (key, value) VALUES (?, ?)"
                        + " ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
            }
            return null;
        });
    }

    /**
     * Tries one small real write (a setting, committed and fsynced) and fails the way any write would: the app asks this
     * while a full or read-only disk keeps the project read-only, to know when it can carry on.
     */
    public void probeWrite() {
        write(c -> {
            update(c, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    WRITE_PROBE_SETTING, Long.toString(System.currentTimeMillis()));
            return null;
        });
    }

    // ------------------------------------------------------------------ stats

    /**
     * Counts for {@code loupe status}. Prequential accuracy counts every label event that carried a verdict and is not
     * undone.
     */
    public ProjectStats stats() {
        synchronized (mutex) {
            return read(c -> {
                // Images per status: a scan of every image (~45 ms on 100,000), once per label in the app before. Kept
                // until this store writes to the images table, or another connection changes the file (data_version).
                long version = queryLong(c, "PRAGMA data_version");
                if (statusCounts == null || version != statusCountsVersion) {
                    Map<ImageStatus, Long> counted = new EnumMap<>(ImageStatus.class);
                    for (ImageStatus s : ImageStatus.values()) {
                        counted.put(s, 0L);
                    }
                    try (Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT status, count(*) FROM images GROUP BY status")) {
                        while (rs.next()) {
                            counted.put(ImageStatus.fromDb(rs.getString(1)), rs.getLong(2));
                        }
                    }
                    statusCounts = counted;
                    statusCountsVersion = version;
                }
                Map<ImageStatus, Long> byStatus = new EnumMap<>(statusCounts);
                long total = 0;
                for (long n : byStatus.values()) {
                    total += n;
                }
                Map<Long, Long> counts = labels.snapshot().values().stream()
                        .collect(Collectors.groupingBy(k -> k, Collectors.counting()));
                Map<LabelClass, Long> perClass = new LinkedHashMap<>();
                for (LabelClass k : queryClasses(c, "WHERE deleted = 0 ORDER BY ord, id")) {
                    perClass.put(k, counts.getOrDefault(k.id(), 0L));
                }
                List<JournalEntry> events = queryJournal("SELECT " + JOURNAL_COLUMNS
                        + " FROM journal WHERE prequential IS NOT NULL OR undo_of IS NOT NULL ORDER BY seq", -1);
                java.util.Set<Long> undone = LabelReplay.undone(events); // an undone label is no longer a verdict
                List<Boolean> verdicts = new ArrayList<>();
                for (JournalEntry e : events) {
                    if (e.prequential() != null && !undone.contains(e.seq())) {
                        verdicts.add(e.prequential());
                    }
                }
                return new ProjectStats(total, Collections.unmodifiableMap(byStatus), labels.size(),
                        Collections.unmodifiableMap(perClass), accuracy(verdicts),
                        accuracy(verdicts.subList(Math.max(0, verdicts.size() - 50), verdicts.size())));
            });
        }
    }

    private static ProjectStats.Accuracy accuracy(List<Boolean> verdicts) {
        int correct = (int) verdicts.stream().filter(b -> b).count();
        return new ProjectStats.Accuracy(correct, verdicts.size());
    }

    // ------------------------------------------------------------------ plumbing

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(SqlWork<T> work) {
        synchronized (mutex) {
            ensureOpen();
            try {
                return work.run(conn);
            } catch (SQLException e) {
                throw dbError(e);
            }
        }
    }

    /**
     * Runs {@code work} in one transaction; committed (and fsynced) when this returns. When a statement or the commit
     * fails, SQLite may already have rolled the transaction back itself (it does on a full disk); the failure reported
     * is the first one, never the "no transaction is active" that the clean-up then gets.
     */
    private <T> T write(SqlWork<T> work) {
        synchronized (mutex) {
            ensureOpen();
            try {
                conn.setAutoCommit(false);
                try {
                    T result = work.run(conn);
                    checkWrite();
                    conn.commit();
                    return result;
                } catch (SQLException | RuntimeException | Error e) {
                    try {
                        conn.rollback();
                    } catch (SQLException rollbackFailure) {
                        e.addSuppressed(rollbackFailure);
                    }
                    throw e;
                } finally {
                    setAutoCommitQuietly(conn);
                }
            } catch (SQLException e) {
                throw dbError(e);
            }
        }
    }

    /** The fault harness's seam ({@link FileWrites}): a commit is a write to project.db. */
    private void checkWrite() throws SQLException {
        try {
            FileWrites.check(dir.resolve(DB_FILE));
        } catch (IOException e) {
            throw new SQLException("write refused: " + Faults.describe(e), e);
        }
    }

    private static void setAutoCommitQuietly(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException afterRollback) {
            // sqlite-jdbc switches its flag before it sends COMMIT; with SQLite's own rollback done, there is nothing to commit
        }
    }

    /**
     * Runs {@code check} before every call that reads or writes the project (null: none). The app installs one
     * that refuses the UI thread, so a call from the wrong thread fails at once instead of freezing the window.
     */
    public void setAccessCheck(Runnable check) {
        accessCheck = check == null ? NO_CHECK : check;
    }

    private void ensureOpen() {
        accessCheck.run();
        if (closed) {
            throw new IllegalStateException("Project " + dir + " is closed.");
        }
    }

    private RuntimeException dbError(SQLException e) {
        if (primary(e) == SQLITE_CONSTRAINT) {
            LOG.error("Project {} refused a change", dir, e);
            return new ProjectException(ProjectException.Kind.INVALID, "Project " + dir + " refused the change: it "
                    + "breaks a rule of the project database. Nothing was changed. This is a Loupe bug; please report it.", e);
        }
        return classify(dir, e, "the last change to the project was not saved", "do it again");
    }

    /**
     * A database failure as the user should hear it (docs/adr/0025-faults.md): a full disk, a read-only folder, a file
     * SQLite calls corrupt, or a plain sentence; never SQLite's own text. A failure the database reports without a
     * clear cause ("disk I/O error", or SQLite's own rollback) on a disk with almost no room left is a full disk.
     */
    static LoupeException classify(Path d, Throwable e, String what, String then) {
        int code = e instanceof SQLException s ? primary(s) : -1;
        boolean unclear = code == SQLITE_IOERR || code == SQLITE_FULL || e.getCause() instanceof IOException
                || code == 1 && Faults.mentions(e, "no transaction is active");
        if (Faults.isDiskFull(e) || unclear && almostFull(d)) {
            return DiskFullException.of(d, what, -1, then, e);
        }
        if (code == SQLITE_READONLY || Faults.isReadOnly(e)) {
            return readOnly(d, e);
        }
        if (code == SQLITE_CORRUPT) {
            return damaged(d, "SQLite reports it as malformed", e);
        }
        LOG.error("Project {}: {}", d, what, e);
        return new ProjectException(ProjectException.Kind.IO, "Project " + d + ": " + what + " ("
                + (code == SQLITE_IOERR ? "the disk reported an error while writing; it may be failing or unplugged"
                : Faults.describe(e)) + "). Check the disk, then " + then + ".", e);
    }

    /** Less than 1 MiB left: SQLite needs a few pages for the WAL, the journal and the shared-memory index. */
    private static boolean almostFull(Path d) {
        long free = Faults.usableSpace(d);
        return free >= 0 && free < 1 << 20;
    }

    /** SQLite's primary result code (the low byte of an extended one). */
    private static int primary(SQLException e) {
        return e.getErrorCode() & 0xff;
    }

    private static ProjectException invalid(String message) {
        return new ProjectException(ProjectException.Kind.INVALID, message);
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null) {
                ps.setNull(i + 1, Types.NULL);
            } else {
                ps.setObject(i + 1, args[i]);
            }
        }
    }

    private static void update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            ps.executeUpdate();
        }
    }

    private static long queryLong(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Integer nullableInt(ResultSet rs, int col) throws SQLException {
        int v = rs.getInt(col);
        return rs.wasNull() ? null : v;
    }

    private static Long nullableLong(ResultSet rs, int col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    private static <T> Optional<T> first(List<T> list) {
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }
}
