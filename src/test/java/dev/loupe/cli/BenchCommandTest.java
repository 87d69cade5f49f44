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
        // The cache goes to the user's cache folder, not into the data tree.
        assertThat(data.resolve(".loupe-bench")).doesNotExist();
        Path cacheDir = dev.loupe.bench.EmbeddingCache.location(data, "any").getParent();
        try (var files = Files.list(cacheDir)) {
            assertThat(files.filter(p -> p.toString().endsWith(".emb"))).hasSize(1);
        }

        CliRun again = CliRun.run("bench", "simulate", "--data", data.toString(), "--strategies", "margin", "--seeds", "1",
                "--start", "4", "--step", "4", "--budget", "4", "--test-fraction", "0.25", "--no-retrain", "--json");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).as("cached: nothing embedded again").doesNotContain("embedding:");
        try (var files = Files.walk(cacheDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void mislabelsReportsEveryMethodAgainstTheNaiveBaseline(@TempDir Path dir) throws Exception {
        Path data = TestImages.imageFolder(dir.resolve("data"), 3, 14);
        CliRun r = CliRun.run("bench", "mislabels", "--data", data.toString(), "--pool", "0", "--flip", "0.1",
                "--seeds", "1", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("labelled").asInt()).isEqualTo(42);
        assertThat(j.get("flipped").asInt()).isEqualTo(4);
        JsonNode methods = j.get("methods");
        assertThat(methods.size()).isEqualTo(5);
        methods.forEach(m -> {
            assertThat(m.get("precision_at_k_mean").asDouble()).isBetween(0.0, 1.0);
            assertThat(m.get("recall_at_2k_mean").asDouble()).isBetween(m.get("precision_at_k_mean").asDouble(), 1.0);
        });
        // Coloured shapes are easy: the check finds the flipped labels.
        assertThat(methods.get("out-of-sample head + kNN vote (weight 0.30)").get("recall_at_2k_mean").asDouble()).isGreaterThanOrEqualTo(0.75);
        try (var files = Files.walk(dev.loupe.bench.EmbeddingCache.location(data, "any").getParent())) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
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

    @Test
    void openStampsEachStepInOrderAndLabelsTheProject(@TempDir Path dir) throws Exception {
        Path data = TestImages.imageFolder(dir.resolve("data"), 2, 6);
        String project = dir.resolve("p.loupe").toString();
        assertThat(CliRun.run("import", project, data.toString()).exitCode()).isZero();
        CliRun none = CliRun.run("bench", "open", project);
        assertThat(none.exitCode()).isNotZero();
        assertThat(none.err()).contains("has no classes").contains("loupe classes");
        for (int c = 0; c < 2; c++) {
            assertThat(CliRun.run("classes", project, "add", "class" + c).exitCode()).isZero();
        }

        CliRun r = CliRun.run("bench", "open", project, "--labels", "5", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode steps = r.json().get("steps");
        assertThat(steps.findValuesAsText("step")).containsExactly("main", "store open", "session open",
                "image list (12)", "first 12 thumbnails read", "first label accepted", "5 labels accepted");
        long previous = 0;
        for (JsonNode s : steps) {
            assertThat(s.get("at_ms").asLong()).as(s.get("step").asText()).isGreaterThanOrEqualTo(previous);
            previous = s.get("at_ms").asLong();
            assertThat(s.get("peak_rss_mib").asLong()).isGreaterThanOrEqualTo(s.get("rss_mib").asLong());
        }
        JsonNode status = CliRun.run("status", project, "--json").json();
        assertThat(status.get("labelled").asLong()).isEqualTo(5);
    }
}
