package dev.loupe.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class EmbedBenchTest {

    @TempDir
    Path tmp;

    @Test
    void measuresTheImportPathOnAFolderAndLeavesNothingBehind() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 2, 6);
        Files.writeString(data.resolve("notes.txt"), "not an image");
        long tempBefore = countBenchTemps();

        CliRun r = CliRun.run("bench", "embed", "--data", data.toString(), "--threads", "2", "--batch", "4", "--json");

        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("images").asInt()).isEqualTo(12);
        assertThat(j.get("skipped").asInt()).isEqualTo(1);
        assertThat(j.get("backbone").asText()).startsWith("model-zero@");
        assertThat(j.get("seconds").asDouble()).isPositive();
        assertThat(j.get("images_per_s").asDouble()).isPositive();
        assertThat(j.get("decode_ms_p50").asDouble()).isPositive();
        assertThat(j.get("forward_ms_per_image").asDouble()).isPositive();
        assertThat(j.get("import_seconds").asDouble() + j.get("embed_seconds").asDouble())
                .isCloseTo(j.get("seconds").asDouble(), org.assertj.core.data.Offset.offset(0.01));
        assertThat(countBenchTemps()).as("the throw-away project is deleted").isEqualTo(tempBefore);
    }

    @Test
    void aMissingFolderIsAClearError() {
        CliRun r = CliRun.run("bench", "embed", "--data", tmp.resolve("nope").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("not a folder");
    }

    private static long countBenchTemps() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("loupe-bench-embed")).count();
        }
    }
}
