package dev.loupe.spark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.backbone.Backbone;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.importing.parquet.EmbeddingRow;
import dev.loupe.importing.parquet.EmbeddingsParquet;
import dev.loupe.project.EmbeddingSet;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Spark job on {@code local[2]} against the desktop: the same embeddings (to 1e-5) as {@code loupe import}, its bad
 * files as rows with import's reasons, and its Parquet taken in by {@code loupe import --embeddings} with nothing
 * embedded again.
 */
class EmbedJobTest {

    static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("EmbedJobTest")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static Map<String, float[]> embeddingsByRelPath(Path project, String backbone) {
        try (ProjectStore store = ProjectStore.open(project, false)) {
            Map<Long, String> rel = new HashMap<>();
            for (ImageRecord r : store.images()) {
                rel.put(r.id(), r.relPath());
            }
            EmbeddingSet set = store.embeddings(backbone);
            Map<String, float[]> out = new HashMap<>();
            for (int i = 0; i < set.ids().length; i++) {
                out.put(rel.get(set.ids()[i]), set.vectors()[i]);
            }
            return out;
        }
    }

    @Test
    void theJobEmbedsAsTheDesktopDoesAndImportTakesItsParquet() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 4);
        BufferedImage big = new BufferedImage(640, 400, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = big.createGraphics();
        for (int i = 0; i < 30; i++) {
            g.setColor(Color.getHSBColor(i / 30f, 0.6f, 0.9f));
            g.fillRect((i * 41) % 600, (i * 23) % 360, 50, 30);
        }
        g.dispose();
        ImageIO.write(big, "jpg", data.resolve("class2/photo.jpg").toFile());
        TestImages.png(data.resolve("with space/odd %name.png"), 1, 5);
        Files.writeString(data.resolve("notes.txt"), "hello");
        Files.writeString(data.resolve("class0/broken.png"), "not a png");
        Files.write(data.resolve("class1/empty.png"), new byte[0]);

        // The desktop: a project on Model Zero, imported (and embedded) as a user does.
        Path desktop = tmp.resolve("desktop.loupe");
        CliRun imported = CliRun.run("import", desktop.toString(), data.toString(), "--json", "--no-drift-check");
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        JsonNode report = imported.json();
        String backboneId;
        try (ProjectStore st = ProjectStore.open(desktop, false); Backbone b = ProjectBackbone.load(st)) {
            backboneId = b.id();
        }
        Map<String, float[]> want = embeddingsByRelPath(desktop, backboneId);
        assertThat(want).hasSize(14);

        Path out = tmp.resolve("embeddings");
        EmbedJob.Summary s = EmbedJob.run(spark, EmbedJob.spec(desktop, null), data.toString(), out.toString(), 5, 2);

        List<EmbeddingRow> rows = new ArrayList<>();
        EmbeddingsParquet parquet = EmbeddingsParquet.open(out); // the desktop's reader on Spark's own files
        parquet.forEach(rows::add);
        assertThat(rows).extracting(EmbeddingRow::path).as("every file found").hasSize(report.get("found").asInt());
        assertThat(s.rows()).isEqualTo(17);
        assertThat(s.embedded()).isEqualTo(14);
        assertThat(parquet.backbones()).containsExactly(backboneId);
        Map<String, String> bad = new HashMap<>();
        for (EmbeddingRow r : rows) {
            if (r.ok()) {
                assertThat(r.embedding()).as(r.path()).containsExactly(want.get(r.path()), within(1e-5f));
                assertThat(r.sha256()).hasSize(64);
            } else {
                bad.put(data.resolve(r.path()).toString(), r.reason());
            }
        }
        Map<String, String> skipped = new HashMap<>();
        report.get("skipped").forEach(k -> skipped.put(k.get("path").asText(), k.get("reason").asText()));
        assertThat(bad).as("the job's bad files are import's, with its reasons").hasSize(3).isEqualTo(skipped);

        // The desktop takes the Parquet in: the same images, nothing embedded again.
        Path project = tmp.resolve("p.loupe");
        CliRun run = CliRun.run("import", project.toString(), data.toString(), "--embeddings", out.toString(), "--json",
                "--no-drift-check");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode r = run.json();
        assertThat(r.get("imported").asInt()).isEqualTo(14);
        assertThat(r.get("embeddings_from").get("used").asInt()).isEqualTo(14);
        assertThat(r.get("embedded").asInt()).as("embedded here").isZero();
        Map<String, float[]> got = embeddingsByRelPath(project, backboneId);
        for (Map.Entry<String, float[]> e : want.entrySet()) {
            assertThat(got.get(e.getKey())).as(e.getKey()).containsExactly(e.getValue(), within(1e-5f));
        }
    }

    @Test
    void relativePathsOfEncodedAndPlainHadoopPaths() {
        assertThat(EmbedJob.relPath("file:/data/a%20b", "file:/data/a%20b/x/y%25.png")).isEqualTo("x/y%.png");
        assertThat(EmbedJob.relPath("file:/data/a b", "file:/data/a b/x/y.png")).isEqualTo("x/y.png");
        assertThat(EmbedJob.relPath("hdfs://nn:8020/imgs", "hdfs://nn:8020/imgs/c/1.jpg")).isEqualTo("c/1.jpg");
    }
}
