package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCommandTest {

    @Test
    void simulateEmbedsOnceAndPrintsCurvesAndAPlot(@TempDir Path dir) throws Exception {
        Path data = TestImages.imageFolder(dir.resolve("data"), 3, 12);
        Path png = dir.resolve("curves.png");
        CliRun r = CliRun.run("bench", "simulate", "--data", data.toString(), "--strategies", "default,random", "--seeds", "2",
                "--start", "4", "--step", "4", "--budget", "8", "--test-fraction", "0.25", "--json", "--plot", png.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("pool").asInt()).isEqualTo(27);
        assertThat(j.get("test").asInt()).isEqualTo(9);
        for (String s : new String[] {"default", "random"}) {
            JsonNode c = j.get("strategies").get(s);
            assertThat(c.get("budgets")).hasSize(2);
            assertThat(c.get("mean")).hasSize(2);
            assertThat(c.get("std")).hasSize(2);
            assertThat(c.get("retrain_mean")).hasSize(2);
            assertThat(c.get("aulc").isNumber()).isTrue();
        }
        assertThat(png).isRegularFile();
        // the cache goes to the per-user cache folder, not into the data tree
        assertThat(data.resolve(".loupe-bench")).doesNotExist();
        Path cache = dev.loupe.bench.EmbeddingCache.location(data, j.get("backbone").asText());
        assertThat(cache).isRegularFile();

        CliRun again = CliRun.run("bench", "simulate", "--data", data.toString(), "--strategies", "margin", "--seeds", "1",
                "--start", "4", "--step", "4", "--budget", "4", "--test-fraction", "0.25", "--no-retrain", "--json");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).as("cached: nothing embedded again").doesNotContain("embedding:");
        Files.delete(cache); // a test leaves nothing in the user's cache folder
        Files.deleteIfExists(cache.getParent());
    }

    @Test
    void forgettingNeedsAKnownClass(@TempDir Path dir) throws Exception {
        Path data = TestImages.imageFolder(dir.resolve("data"), 2, 4);
        CliRun r = CliRun.run("bench", "forgetting", "--data", data.toString(), "--new-class", "nope", "--json");
        assertThat(r.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(r.err()).contains("No class 'nope'");
    }

    @Test
    void latencyPrintsItsFields() {
        CliRun r = CliRun.run("bench", "latency", "--images", "1500", "--classes", "5", "--dim", "8", "--labels", "5",
                "--warmup", "2", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = r.json();
        for (String k : new String[] {"p50_ms", "p95_ms", "p99_ms", "add_class_ms", "heap_used_mb", "step_p50_ms", "rerank_p50_ms"}) {
            assertThat(j.get(k).asDouble()).as(k).isPositive();
        }
    }
}
