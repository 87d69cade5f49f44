package dev.loupe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How failures underneath Loupe are named for the user: never null, never SQLite's text, a full disk as such. */
class FaultsTest {

    @TempDir
    Path tmp;

    @Test
    void causesWithoutAMessageAreNamedInPlainWordsNeverAsNull() {
        List<Throwable> quiet = List.of(new EOFException(), new RuntimeException(new EOFException()),
                new IOException((String) null), new NullPointerException(), new IllegalStateException(),
                new UncheckedIOException(new NoSuchFileException("/a/b.png")));
        for (Throwable t : quiet) {
            String d = Faults.describe(t);
            assertThat(d).as(t.toString()).isNotBlank().doesNotContain("null)", ": null", "Exception:", "java.")
                    .doesNotEndWith("null");
        }
        assertThat(Faults.describe(new RuntimeException(new EOFException()))).isEqualTo("the file ends too early: it is truncated");
        assertThat(Faults.describe(new NoSuchFileException("/a/b.png"))).isEqualTo("file not found: /a/b.png");
        assertThat(Faults.describe(new AccessDeniedException("/a"))).isEqualTo("permission denied: /a");
        assertThat(Faults.describe(new RuntimeException("java.io.IOException: Stream closed"))).isEqualTo("Stream closed");
        assertThat(Faults.describe(new LoupeException("Written for you."))).isEqualTo("Written for you.");
        assertThat(new LoupeException(null, new EOFException()).getMessage()).isEqualTo("the file ends too early: it is truncated");
    }

    @Test
    void databaseErrorsNeverShowSqlitesOwnText() {
        SQLException raw = new SQLException("[SQLITE_ERROR] SQL error or missing database (cannot commit - no transaction is active)",
                null, 1);
        assertThat(Faults.describe(raw)).doesNotContain("SQLITE", "SQL error", "transaction").contains("error code 1");
        assertThat(Faults.describe(new SQLException("[SQLITE_READONLY] attempt to write a readonly database", null, 8)))
                .contains("read-only").doesNotContain("SQLITE");
    }

    @Test
    void aFullDiskIsRecognisedHoweverItIsReported() {
        assertThat(Faults.isDiskFull(new FileSystemException("/p/x", null, "No space left on device"))).isTrue();
        assertThat(Faults.isDiskFull(new IOException("No space left on device"))).isTrue();
        assertThat(Faults.isDiskFull(new IOException("There is not enough space on the disk"))).isTrue(); // Windows
        assertThat(Faults.isDiskFull(new IOException("Disk quota exceeded"))).isTrue();
        assertThat(Faults.isDiskFull(new SQLException("[SQLITE_FULL] database or disk is full", null, 13))).isTrue();
        RuntimeException wrapped = new RuntimeException("step failed", new UncheckedIOException(new IOException("No space left on device")));
        assertThat(Faults.isDiskFull(wrapped)).isTrue();
        Exception suppressed = new IllegalStateException("cleanup");
        suppressed.addSuppressed(new IOException("No space left on device"));
        assertThat(Faults.isDiskFull(suppressed)).isTrue();
        assertThat(Faults.isDiskFull(new IOException("Stream closed"))).isFalse();
        assertThat(Faults.describe(new FileSystemException("/p/x", null, "No space left on device"))).isEqualTo("the disk is full");

        assertThat(Faults.isReadOnly(new FileSystemException("/p/x", null, "Read-only file system"))).isTrue();
        assertThat(Faults.isReadOnly(new AccessDeniedException("/p/x"))).isTrue();
        assertThat(Faults.isReadOnly(new SQLException("readonly", null, 8))).isTrue();
        assertThat(Faults.isReadOnly(new IOException("No space left on device"))).isFalse();
    }

    @Test
    void aDiskFullMessageNamesTheDiskItsFreeSpaceWhatIsNeededAndWhatToDo() {
        Path where = tmp.resolve("p.loupe");
        DiskFullException e = DiskFullException.of(where, "the import stopped after 3 new images", 5L << 20,
                "import the folder again", new IOException("No space left on device"));
        assertThat(e.getMessage()).startsWith("The disk holding " + where + " is full (")
                .contains(" free): the import stopped after 3 new images. Free at least 5.0 MB on it, then import the folder again.")
                .doesNotContain("null");
        assertThat(e.where()).isEqualTo(where);
        assertThat(e.neededBytes()).isEqualTo(5L << 20);
        assertThat(DiskFullException.find(new RuntimeException(e))).isSameAs(e);
        assertThat(DiskFullException.of(where, "x", -1, "y", null).getMessage()).contains("Free some space on it, then y.");
    }
}
