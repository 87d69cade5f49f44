package dev.loupe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged jar, run the way the README runs it, on the shipped sample images. */
class LoupeJarIT {

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    private Result loupe(String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("loupe.jar", "target/loupe.jar"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("loupe %s finished", List.of(args)).isTrue();
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void importOfTheSampleImagesAccountsForEveryFile() throws Exception {
        Path samples = Path.of("sample-images").toAbsolutePath();
        long files;
        long pngs;
        try (Stream<Path> s = Files.walk(samples)) {
            List<Path> all = s.filter(Files::isRegularFile).toList();
            files = all.size();
            pngs = all.stream().filter(f -> f.toString().endsWith(".png")).count();
        }

        Result r = loupe("import", tmp.resolve("demo.loupe").toString(), samples.toString(), "--labels-from-subfolders", "--json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("found").asLong()).isEqualTo(files);
        assertThat(j.get("imported").asLong() + j.get("duplicates").asLong() + j.get("skipped").size()).isEqualTo(files);
        assertThat(j.get("imported").asLong()).isEqualTo(pngs);
        assertThat(j.get("labelled").asInt()).isPositive();

        Result status = loupe("status", tmp.resolve("demo.loupe").toString(), "--json");
        assertThat(status.code()).as(status.err()).isZero();
        assertThat(new ObjectMapper().readTree(status.out()).get("images").asLong()).isEqualTo(pngs);
    }

    @Test
    void aSecondProcessOnTheSameProjectIsRefused() throws Exception {
        Path project = tmp.resolve("p.loupe");
        assertThat(loupe("import", project.toString(), Path.of("sample-images/labelled").toAbsolutePath().toString()).code()).isZero();
        try (var lock = java.nio.channels.FileChannel.open(project.resolve("project.lock"),
                java.nio.file.StandardOpenOption.WRITE); var held = lock.lock()) {
            Result r = loupe("status", project.toString());
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("already open");
        }
    }

    /** The installer's class path has parquet-hadoop but no Hadoop (ADR 0036): the jar reads a Spark job's Parquet. */
    @Test
    void thePackagedJarTakesEmbeddingsFromParquetWithoutHadoop() throws Exception {
        Path data = dev.loupe.testing.TestImages.imageFolder(tmp.resolve("data"), 1, 5);
        String backboneId;
        int dim;
        try (dev.loupe.backbone.Backbone b = dev.loupe.backbone.BackboneLoader.load(
                dev.loupe.backbone.BackboneLoader.MODEL_ZERO)) {
            backboneId = b.id();
            dim = b.dim();
        }
        Path parquet = Files.createDirectories(tmp.resolve("embeddings"));
        try (var w = new dev.loupe.importing.parquet.EmbeddingsParquetWriter(parquet.resolve("part-00000.parquet"),
                org.apache.parquet.hadoop.metadata.CompressionCodecName.SNAPPY, 2);
             Stream<Path> files = Files.list(data.resolve("class0"))) {
            for (Path f : files.sorted().toList()) {
                float[] v = new float[dim];
                java.util.Arrays.fill(v, 0.25f);
                w.write(new dev.loupe.importing.parquet.EmbeddingRow("class0/" + f.getFileName(),
                        dev.loupe.importing.Importer.sha256(f), Files.size(f), "ok", null, backboneId, v));
            }
        }
        Files.createFile(parquet.resolve("_SUCCESS"));

        Result r = loupe("import", tmp.resolve("p.loupe").toString(), data.toString(), "--embeddings", parquet.toString(),
                "--json", "--no-drift-check");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("embeddings_from").get("used").asInt()).isEqualTo(5);
        assertThat(j.get("embedded").asInt()).as("nothing embedded again").isZero();
        try (Stream<Path> lib = Files.list(Path.of(System.getProperty("loupe.jar", "target/loupe.jar")).getParent()
                .resolve("lib"))) {
            assertThat(lib.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith("hadoop-"));
        }
    }
}
