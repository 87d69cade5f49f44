package dev.loupe.importing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The awkward folder, 30000×30000 PNG included, imported by a JVM that has only 512 MB of heap. */
class ImportMemoryTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(180)
    void importsTheAwkwardFolderInA512MbHeap() throws Exception {
        Path root = tmp.resolve("in");
        Map<String, String> expected = AwkwardFolder.create(root);
        Path result = tmp.resolve("result.tsv");
        Path log = tmp.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx512m", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"),
                ImportMemoryCheck.class.getName(), root.toString(), tmp.resolve("thumbs").toString(), result.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(170, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child import did not finish:\n" + Files.readString(log));
        }
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();

        Set<String> imported = new HashSet<>();
        Map<String, String> skipped = new HashMap<>();
        String[] report = null;
        for (String line : Files.readAllLines(result, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            switch (f[0]) {
                case "IMPORTED" -> imported.add(f[1]);
                case "SKIP" -> skipped.put(f[1], f[2]);
                case "REPORT" -> report = f;
                default -> throw new AssertionError(line);
            }
        }
        assertThat(report).isNotNull();
        assertThat(Integer.parseInt(report[5])).as("child max heap MB").isLessThanOrEqualTo(512);
        assertThat(Integer.parseInt(report[1])).as("found").isEqualTo(expected.size());
        int duplicates = Integer.parseInt(report[3]);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String outcome = e.getValue();
            if (outcome.startsWith("imported:")) {
                assertThat(imported).as(e.getKey() + ": " + skipped.get(e.getKey())).contains(e.getKey());
            } else if (outcome.startsWith("skipped:")) {
                assertThat(skipped.get(e.getKey())).as(e.getKey()).isEqualTo(outcome.substring("skipped:".length()));
            }
        }
        assertThat(imported).contains("big/huge.png");
        assertThat(imported.size() + duplicates + skipped.size()).isEqualTo(expected.size());
        assertThat(System.getProperty("java.class.path")).contains(File.pathSeparator);
    }
}
