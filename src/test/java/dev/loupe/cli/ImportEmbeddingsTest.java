package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.importing.ImageDecoder;
import dev.loupe.importing.Importer;
import dev.loupe.importing.RowEmbedder;
import dev.loupe.importing.parquet.EmbeddingRow;
import dev.loupe.importing.parquet.EmbeddingsParquetWriter;
import dev.loupe.project.EmbeddingSet;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code loupe import --embeddings}: a Parquet written here, row by row as the Spark job makes them ({@link RowEmbedder}),
 * by the same library the desktop reads it with. No Spark and no Hadoop on this test's class path.
 */
class ImportEmbeddingsTest {

    @TempDir
    Path tmp;

    /** The collection: 6 small PNGs, one larger photo-like PNG, a broken .png and a text file. */
    private Path collection() throws IOException {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 2, 3);
        BufferedImage big = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = big.createGraphics();
        for (int i = 0; i < 20; i++) {
            g.setColor(Color.getHSBColor(i / 20f, 0.7f, 0.9f));
            g.fillOval(i * 17, (i * 37) % 250, 60, 40);
        }
        g.dispose();
        ImageIO.write(big, "png", data.resolve("class1/big.png").toFile());
        Files.writeString(data.resolve("notes.txt"), "hello");
        Files.writeString(data.resolve("class0/fake.png"), "not a png");
        return data;
    }

    /** What the Spark job computes for every file under {@code data}, through the same per-file code. */
    private static List<EmbeddingRow> jobRows(Path data, Backbone backbone) throws IOException {
        List<EmbeddingRow> rows = new ArrayList<>();
        try (RowEmbedder embedder = new RowEmbedder(backbone, new ImageDecoder(), 3);
             Stream<Path> files = Files.walk(data)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                rows.addAll(embedder.add(Importer.relPath(data, f), Files.readAllBytes(f)));
            }
            rows.addAll(embedder.finish());
        }
        return rows;
    }

    private static Path writeParquet(Path dir, List<EmbeddingRow> rows, boolean success) throws IOException {
        Files.createDirectories(dir);
        int half = rows.size() / 2;
        try (EmbeddingsParquetWriter w = new EmbeddingsParquetWriter(dir.resolve("part-00000.snappy.parquet"),
                CompressionCodecName.SNAPPY, 2)) {
            for (EmbeddingRow r : rows.subList(0, half)) {
                w.write(r);
            }
        }
        try (EmbeddingsParquetWriter w = new EmbeddingsParquetWriter(dir.resolve("part-00001.parquet"),
                CompressionCodecName.UNCOMPRESSED, 100)) {
            for (EmbeddingRow r : rows.subList(half, rows.size())) {
                w.write(r);
            }
        }
        if (success) {
            Files.createFile(dir.resolve("_SUCCESS"));
        }
        return dir;
    }

    private static Map<String, float[]> embeddingsByRelPath(Path project, String backboneId) {
        try (ProjectStore store = ProjectStore.open(project, false)) {
            EmbeddingSet set = store.embeddings(backboneId);
            Map<Long, String> rel = new HashMap<>();
            for (ImageRecord r : store.images()) {
                rel.put(r.id(), r.relPath());
            }
            Map<String, float[]> out = new HashMap<>();
            for (int i = 0; i < set.ids().length; i++) {
                out.put(rel.get(set.ids()[i]), set.vectors()[i]);
            }
            return out;
        }
    }

    @Test
    void importTakesTheJobsEmbeddingsAndEmbedsChangedFilesHere() throws Exception {
        Path data = collection();
        List<EmbeddingRow> real;
        String backboneId;
        try (Backbone backbone = BackboneLoader.load(BackboneLoader.MODEL_ZERO)) {
            backboneId = backbone.id();
            real = jobRows(data, backbone);
        }
        // The job's per-file code gives the desktop import's embeddings.
        Path desktop = tmp.resolve("desktop.loupe");
        CliRun ref = CliRun.run("import", desktop.toString(), data.toString(), "--json", "--no-drift-check");
        assertThat(ref.exitCode()).as(ref.err()).isZero();
        Map<String, float[]> desktopVectors = embeddingsByRelPath(desktop, backboneId);
        assertThat(real).hasSize(9);
        assertThat(real.stream().filter(EmbeddingRow::ok)).hasSize(7);
        for (EmbeddingRow r : real) {
            if (r.ok()) {
                assertThat(r.embedding()).as(r.path()).containsExactly(desktopVectors.get(r.path()), within(1e-5f));
            }
        }
        // Rows marked so the test can tell a taken embedding from one computed here: row k holds k+0.5 everywhere.
        List<EmbeddingRow> marked = new ArrayList<>();
        Map<String, float[]> marks = new HashMap<>();
        for (EmbeddingRow r : real) {
            float[] mark = null;
            if (r.ok()) {
                mark = new float[r.embedding().length];
                Arrays.fill(mark, marked.size() + 0.5f);
                marks.put(r.path(), mark);
            }
            marked.add(new EmbeddingRow(r.path(), r.sha256(), r.size(), r.status(), r.reason(), r.backbone(), mark));
        }
        Path parquet = writeParquet(tmp.resolve("embeddings"), marked, true);
        TestImages.png(data.resolve("class1/img2.png"), 0, 777); // changed after the job ran

        Path project = tmp.resolve("p.loupe");
        CliRun run = CliRun.run("import", project.toString(), data.toString(), "--embeddings", parquet.toString(),
                "--json", "--no-drift-check");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode r = run.json();
        assertThat(r.get("imported").asInt()).isEqualTo(7);
        JsonNode from = r.get("embeddings_from");
        assertThat(from.get("rows").asInt()).isEqualTo(9);
        assertThat(from.get("used").asInt()).isEqualTo(6);
        assertThat(from.get("changed").asInt()).isEqualTo(1);
        assertThat(r.get("embedded").asInt()).as("embedded here: the changed file").isEqualTo(1);
        // The job's bad rows are import's skipped files, with import's reasons.
        Map<String, String> skipped = new HashMap<>();
        r.get("skipped").forEach(s -> skipped.put(s.get("path").asText(), s.get("reason").asText()));
        Map<String, String> bad = new HashMap<>();
        from.get("bad_rows").forEach(s -> bad.put(s.get("path").asText(), s.get("reason").asText()));
        assertThat(bad).hasSize(2).isEqualTo(skipped);
        assertThat(bad.values()).anySatisfy(reason -> assertThat(reason).contains("not an image file (.txt)"));

        Map<String, float[]> stored = embeddingsByRelPath(project, backboneId);
        assertThat(stored).hasSize(7);
        for (Map.Entry<String, float[]> e : stored.entrySet()) {
            if (e.getKey().equals("class1/img2.png")) {
                assertThat(e.getValue()).as("re-embedded here").isNotEqualTo(marks.get(e.getKey()));
                assertThat(e.getValue()[0]).isNotEqualTo(desktopVectors.get(e.getKey())[0]);
            } else {
                assertThat(e.getValue()).as(e.getKey()).isEqualTo(marks.get(e.getKey()));
            }
        }
        assertThat(backboneId).isNotBlank();
    }

    @Test
    void aSubfolderOfTheJobsFolderTakesItsEmbeddingsByContent() throws Exception {
        Path data = collection();
        List<EmbeddingRow> rows;
        try (Backbone backbone = BackboneLoader.load(BackboneLoader.MODEL_ZERO)) {
            rows = jobRows(data, backbone);
        }
        Path parquet = writeParquet(tmp.resolve("embeddings"), rows, true);
        Path project = tmp.resolve("p.loupe");

        CliRun run = CliRun.run("import", project.toString(), data.resolve("class1").toString(), "--embeddings",
                parquet.toString(), "--json", "--no-drift-check");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode r = run.json();
        assertThat(r.get("imported").asInt()).isEqualTo(4); // img0..2 and big.png
        JsonNode from = r.get("embeddings_from");
        assertThat(from.get("used").asInt()).isEqualTo(4);
        assertThat(from.get("used_by_content").asInt()).as("paths are relative to the job's folder").isEqualTo(4);
        assertThat(from.get("unused").asInt()).isEqualTo(3); // class0's images
        assertThat(r.get("embedded").asInt()).isZero();
    }

    @Test
    void embeddingsOfAnotherBaseModelOrAnUnfinishedJobAreRefusedAndLeaveNoProject() throws Exception {
        Path data = collection();
        List<EmbeddingRow> rows;
        try (Backbone backbone = BackboneLoader.load(BackboneLoader.MODEL_ZERO)) {
            rows = jobRows(data, backbone);
        }
        List<EmbeddingRow> other = rows.stream().map(r -> new EmbeddingRow(r.path(), r.sha256(), r.size(), r.status(),
                r.reason(), "resnet50@0123456789ab", r.embedding())).toList();
        Path wrong = writeParquet(tmp.resolve("other"), other, true);
        Path project = tmp.resolve("p.loupe");

        CliRun run = CliRun.run("import", project.toString(), data.toString(), "--embeddings", wrong.toString());

        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).contains("resnet50@0123456789ab").contains("base model").contains("--project");
        assertThat(project).doesNotExist();

        Path unfinished = writeParquet(tmp.resolve("unfinished"), rows, false);
        CliRun run2 = CliRun.run("import", project.toString(), data.toString(), "--embeddings", unfinished.toString());
        assertThat(run2.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run2.err()).contains("_SUCCESS");
        assertThat(project).doesNotExist();
    }
}
