package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code loupe train-backbone} end to end in-process, on tiny synthetic ImageFolder trees at 32 px. */
class TrainBackboneCommandTest {

    private static final int CLASSES = 3;

    @TempDir
    static Path shared;

    /** 3 classes x 16 images; a held-out share of 0.25 keeps 4 per class (12 images). */
    static Path data;
    static Path trained;
    static JsonNode trainedSummary;

    @TempDir
    Path tmp;

    @BeforeAll
    static void trainOnce() throws Exception {
        data = TestImages.imageFolder(shared.resolve("data"), CLASSES, 16);
        trained = shared.resolve("out").resolve("shapes.zip");
        CliRun r = train(data, trained, "--epochs", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        trainedSummary = r.json();
    }

    /** A small, quick run: 32 px, batch 8, held-out 0.25, seed 3, JSON summary; {@code more} (option, value pairs) overrides. */
    static CliRun train(Path dir, Path out, String... more) {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--size", "32", "--batch", "8", "--held-out", "0.25",
                "--learning-rate", "0.003", "--seed", "3"));
        for (int i = 0; i < more.length; i += 2) {
            options.put(more[i], more[i + 1]);
        }
        List<String> args = new ArrayList<>(List.of("train-backbone", "--data", dir.toString(), "--out", out.toString(), "--json"));
        options.forEach((k, v) -> args.addAll(List.of(k, v)));
        return CliRun.run(args.toArray(String[]::new));
    }

    @Test
    void twoEpochsWriteALoadableBackboneThatBeatsChance() throws Exception {
        JsonNode s = trainedSummary;
        assertThat(s.get("epochs")).hasSize(2);
        assertThat(s.get("classes")).extracting(JsonNode::asText).containsExactly("class0", "class1", "class2");
        assertThat(s.get("train_images").asInt()).isEqualTo(36);
        assertThat(s.get("held_out_images").asInt()).isEqualTo(12);
        assertThat(s.get("skipped").asInt()).isZero();
        double best = s.get("best_held_out_accuracy").asDouble();
        assertThat(best).as("held-out accuracy vs chance 1/3").isGreaterThan(2.0 / 3);

        var contents = BackboneFiles.read(trained);
        assertThat(contents.metadata().dim()).isEqualTo(240).isEqualTo(s.get("dim").asInt());
        assertThat(contents.metadata().featureLayers()).containsExactly("gap1", "gap2", "gap3", "gap4");
        assertThat(contents.metadata().preprocessing().width()).isEqualTo(32);
        assertThat(contents.metadata().name()).isEqualTo("shapes");
        try (Backbone backbone = BackboneLoader.load(trained.toString())) {
            assertThat(backbone.id()).isEqualTo(s.get("backbone").asText()).startsWith("shapes@");
            float[][] e = backbone.embed(List.of(ImageIO.read(data.resolve("class1/img3.png").toFile())));
            assertThat(e[0]).hasSize(240);
        }
        assertThat(Files.list(trained.getParent()).map(p -> p.getFileName().toString()))
                .as("only the file, no temporary left").containsExactly("shapes.zip");
    }

    @Test
    void labelFreeTrainingLearnsHowImagesAreTurnedFromAPlainFolder() throws Exception {
        // An unlabelled folder, nested any way: pictures with a "sky" (a bright band at the top) so that a
        // quarter turn is visible, each with its own colour and noise.
        Path plain = tmp.resolve("unlabelled");
        java.util.Random r = new java.util.Random(4);
        for (int i = 0; i < 40; i++) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(40, 40, java.awt.image.BufferedImage.TYPE_INT_RGB);
            int sky = java.awt.Color.HSBtoRGB(r.nextFloat(), 0.6f, 1f);
            for (int y = 0; y < 40; y++) {
                for (int x = 0; x < 40; x++) {
                    int v = 40 + r.nextInt(40);
                    img.setRGB(x, y, y < 12 ? sky : new java.awt.Color(v, v, v).getRGB());
                }
            }
            Path f = plain.resolve(i % 2 == 0 ? "a" : "b/c").resolve("pic" + i + ".png");
            Files.createDirectories(f.getParent());
            ImageIO.write(img, "png", f.toFile());
        }
        Files.writeString(plain.resolve("notes.png"), "not an image"); // skipped with its reason, the run goes on
        Path out = tmp.resolve("turns.zip");
        CliRun run = CliRun.run("train-backbone", "--label-free", "--data", plain.toString(), "--out", out.toString(),
                "--json", "--size", "32", "--batch", "8", "--held-out", "0.25", "--learning-rate", "0.003", "--seed", "3",
                "--epochs", "4", "--patience", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode s = run.json();
        assertThat(s.get("classes")).extracting(JsonNode::asText).containsExactly("0°", "90°", "180°", "270°");
        assertThat(s.get("train_images").asInt() + s.get("held_out_images").asInt()).isEqualTo(40);
        assertThat(s.get("skipped").asInt()).isEqualTo(1);
        assertThat(s.get("best_held_out_accuracy").asDouble()).as("rotation accuracy vs chance 1/4").isGreaterThan(0.5);
        var contents = BackboneFiles.read(out);
        assertThat(contents.metadata().description()).contains("label-free", "quarter turns");
        try (Backbone backbone = BackboneLoader.load(out.toString())) {
            assertThat(backbone.dim()).isEqualTo(240);
        }
    }

    @Test
    void theSameSeedGivesTheSameEpochNumbersAndWeights() throws Exception {
        JsonNode a = train(data, tmp.resolve("a/same.zip"), "--epochs", "2").json();
        JsonNode b = train(data, tmp.resolve("b/same.zip"), "--epochs", "2").json();
        assertThat(a.get("epochs")).hasSize(2);
        for (int e = 0; e < 2; e++) {
            for (String field : List.of("train_loss", "held_out_accuracy")) {
                assertThat(b.get("epochs").get(e).get(field).asDouble()).as(field + " of epoch " + (e + 1))
                        .isEqualTo(a.get("epochs").get(e).get(field).asDouble());
            }
        }
        assertThat(b.get("backbone").asText()).as("same bytes, same id").isEqualTo(a.get("backbone").asText());
        JsonNode other = train(data, tmp.resolve("c/same.zip"), "--epochs", "2", "--seed", "4").json();
        assertThat(other.get("epochs").get(0).get("train_loss").asDouble())
                .isNotEqualTo(a.get("epochs").get(0).get("train_loss").asDouble());
    }

    @Test
    void trainingStopsEarlyWhenHeldOutAccuracyStopsImprovingAndKeepsTheBestEpoch() {
        // 12 held-out images allow at most 12 strict improvements, so patience 1 must stop well before 40 epochs.
        JsonNode s = train(data, tmp.resolve("early.zip"), "--epochs", "40", "--patience", "1").json();
        JsonNode epochs = s.get("epochs");
        assertThat(s.get("stopped_early").asBoolean()).isTrue();
        assertThat(epochs.size()).isLessThan(40);
        int best = s.get("best_epoch").asInt();
        assertThat(best).as("patience 1: the run ends one epoch after its best").isEqualTo(epochs.size() - 1);
        double max = 0;
        for (JsonNode e : epochs) {
            max = Math.max(max, e.get("held_out_accuracy").asDouble());
        }
        assertThat(s.get("best_held_out_accuracy").asDouble()).isEqualTo(max)
                .isEqualTo(epochs.get(best - 1).get("held_out_accuracy").asDouble());
        assertThat(epochs.get(epochs.size() - 1).get("held_out_accuracy").asDouble()).isLessThanOrEqualTo(max);
    }

    @Test
    void withoutAHeldOutShareEveryEpochRunsAndTheLastIsKept() {
        JsonNode s = train(data, tmp.resolve("all.zip"), "--epochs", "2", "--held-out", "0", "--patience", "1").json();
        assertThat(s.get("held_out_images").asInt()).isZero();
        assertThat(s.get("train_images").asInt()).isEqualTo(CLASSES * 16);
        assertThat(s.get("epochs")).hasSize(2);
        assertThat(s.get("best_epoch").asInt()).isEqualTo(2);
        assertThat(s.get("best_held_out_accuracy").isNull()).isTrue();
        assertThat(s.get("stopped_early").asBoolean()).isFalse();
    }

    @Test
    void badInputsSayWhatIsWrongExitOneAndLeaveNoFile() throws Exception {
        Path out = tmp.resolve("never.zip");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path oneClass = TestImages.imageFolder(tmp.resolve("one"), 1, 3);
        Path aFile = Files.writeString(tmp.resolve("a-file"), "x");

        assertUserError(train(tmp.resolve("missing"), out), "no such folder");
        assertUserError(train(empty, out), "at least 2 classes", "found 0");
        assertUserError(train(oneClass, out), "at least 2 classes", "found 1 (class0)");
        assertUserError(train(data, aFile.resolve("x.zip")), "Cannot write --out", "not a folder");
        assertUserError(train(data, tmp), "is a folder");
        assertUserError(train(data, tmp.resolve("model.bin")), ".zip");
        assertUserError(train(data, out, "--held-out", "0.9"), "--held-out");
        assertThat(out).doesNotExist();
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).doesNotContain("never.zip")
                    .noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void undecodableFilesAreSkippedAndCounted() throws Exception {
        Path dir = TestImages.imageFolder(tmp.resolve("mixed"), 2, 6);
        Files.writeString(dir.resolve("class0/broken.png"), "not a png");
        Files.write(dir.resolve("class1/empty.jpg"), new byte[0]);
        Files.createDirectories(dir.resolve("class2"));
        Files.writeString(dir.resolve("class2/only-broken.png"), "nope"); // a class with no usable image is dropped
        CliRun r = train(dir, tmp.resolve("mixed.zip"), "--epochs", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode s = r.json();
        assertThat(s.get("skipped").asInt()).isEqualTo(3);
        assertThat(s.get("skipped_files").findValuesAsText("reason")).hasSize(3).allMatch(reason -> !reason.isBlank());
        assertThat(s.get("classes")).extracting(JsonNode::asText).containsExactly("class0", "class1");
        assertThat(tmp.resolve("mixed.zip")).exists();
    }

    @Test
    void aProjectOnTheTrainedBackboneEmbedsAndLabels() throws Exception {
        Path project = tmp.resolve("p.loupe");
        CliRun created = CliRun.run("new", project.toString(), "--backbone", trained.toString(), "--json");
        assertThat(created.exitCode()).as(created.err()).isZero();
        String id = trainedSummary.get("backbone").asText();
        assertThat(created.json().get("backbone").asText()).isEqualTo(id);
        assertThat(project.resolve("backbone.zip")).hasSameBinaryContentAs(trained);

        CliRun imported = CliRun.run("import", project.toString(), data.toString(), "--json");
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.json().get("embedded").asInt()).isEqualTo(CLASSES * 16);
        for (int c = 0; c < CLASSES; c++) {
            assertThat(CliRun.run("classes", project.toString(), "add", "class" + c).exitCode()).isZero();
        }
        CliRun labelled = CliRun.run("label", project.toString(), "class2/img5.png", "class2", "--json");
        assertThat(labelled.exitCode()).as(labelled.err()).isZero();
        assertThat(labelled.json().get("model_version").asLong()).isPositive();
        try (ProjectStore store = ProjectStore.open(project, false)) {
            assertThat(store.setting(ProjectBackbone.SETTING)).contains("backbone.zip");
            assertThat(store.imagesWithoutEmbedding(id)).isEmpty();
        }
    }

    private static void assertUserError(CliRun r, String... saying) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(r.err()).contains(saying).doesNotContain("Exception", "\tat ");
    }
}
