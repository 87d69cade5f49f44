package dev.loupe;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Time stamps of the app's start-up for measuring it (docs/adr/0031-big-project-open.md): with
 * {@code -Dloupe.stamps=FILE}, each named moment is appended to FILE as one line, "name ms-since-JVM-start rss-MiB".
 * Without the property nothing is written and a stamp costs one volatile read. Any thread.
 */
public final class Stamps {

    /** The system property naming the file. */
    public static final String PROPERTY = "loupe.stamps";

    private static final Path FILE = file();
    private static final Set<String> ONCE = ConcurrentHashMap.newKeySet();

    private Stamps() {
    }

    private static Path file() {
        String f = System.getProperty(PROPERTY);
        return f == null || f.isBlank() ? null : Path.of(f);
    }

    /** Whether stamps are being written. */
    public static boolean on() {
        return FILE != null;
    }

    /** Writes a stamp named {@code name}. */
    public static void stamp(String name) {
        if (FILE == null) {
            return;
        }
        long ms = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        String line = name.replace(' ', '_') + " " + ms + " " + residentMiB() + "\n";
        synchronized (Stamps.class) {
            try {
                Files.writeString(FILE, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                // a measuring aid only: the app goes on
            }
        }
    }

    /** Writes the stamp {@code name} the first time it is asked for, never again. */
    public static void once(String name) {
        if (FILE != null && ONCE.add(name)) {
            stamp(name);
        }
    }

    /** VmRSS of this process in MiB; -1 where /proc is not there. */
    public static long residentMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
