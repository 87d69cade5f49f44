package dev.loupe.export;

import dev.loupe.LoupeException;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.Dl4jBackbone;
import dev.loupe.testing.TestImages;
import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.HeadState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LoupeModelTest {

    private static final List<String> NAMES = List.of("circle", "box", "triangle");

    @TempDir
    static Path shared;

    static Backbone zero;
    static List<BufferedImage> images;
    static int[] truth;
    static float[][] embeddings;
    static HeadState state;
    static Path modelFile;

    @BeforeAll
    static void trainOnce() throws Exception {
        zero = ExportFixtures.modelZero();
        List<Path> files = new ArrayList<>();
        List<Integer> y = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 3; i++) {
                files.add(TestImages.png(shared.resolve("img/c" + c + "-" + i + ".png"), c, i));
                y.add(c);
            }
        }
        images = ExportFixtures.decode(zero, files);
        truth = y.stream().mapToInt(Integer::intValue).toArray();
        embeddings = zero.embed(images);
        state = ExportFixtures.trainedHead(embeddings, truth, 3);
        modelFile = shared.resolve("model.zip");
        LoupeModel.write(modelFile, ExportFixtures.modelZeroFile(), state,
                NAMES.stream().map(n -> ClassColumn.live(n, true)).toList(),
                Map.of(LoupeModel.PROJECT, "shapes", LoupeModel.MODEL_VERSION, 4, LoupeModel.LABEL_COUNT, 9));
    }

    @AfterAll
    static void closeBackbone() {
        zero.close();
    }

    @Test
    void aLoadedModelPredictsExactlyLikeBackbonePlusHead() throws Exception {
        float[][] direct = ExportFixtures.directProbabilities(state, embeddings);
        try (LoupeModel model = LoupeModel.load(modelFile)) {
            List<Prediction> predictions = model.predict(images);
            assertThat(predictions).hasSize(images.size());
            for (int i = 0; i < images.size(); i++) {
                float[] p = predictions.get(i).probabilities();
                for (int k = 0; k < 3; k++) {
                    assertThat(p[k]).isCloseTo(direct[i][k], within(1e-6f));
                }
                assertThat(predictions.get(i).label()).isEqualTo(NAMES.get(ExportFixtures.argmax(direct[i])));
                assertThat(predictions.get(i).confidence()).isCloseTo(direct[i][ExportFixtures.argmax(direct[i])], within(1e-6f));
            }
            assertThat(model.classNames()).isEqualTo(NAMES);
            assertThat(model.headState()).isEqualTo(state);
            LoupeModel.Info info = model.info();
            assertThat(info.backboneId()).isEqualTo(zero.id());
            assertThat(model.backbone().id()).isEqualTo(zero.id());
            assertThat(info.embeddingDim()).isEqualTo(zero.dim());
            assertThat(info.preprocessing()).isEqualTo(zero.preprocessing());
            assertThat(info.provenance()).containsEntry(LoupeModel.PROJECT, "shapes")
                    .containsEntry(LoupeModel.MODEL_VERSION, 4).containsEntry(LoupeModel.LABEL_COUNT, 9);
            assertThat(info.created()).isNotNull();
            assertThat(info.formatVersion()).as("DL4J backbones keep the first format").isEqualTo(1);
        }
    }

    @Test
    void theModelFileShowsTheProjectsCalibratedProbabilitiesAndLeavesItsKeptPredictionsAtHome() throws Exception {
        dev.loupe.training.Head h = dev.loupe.training.Head.fromState(state);
        h.setTemperature(1.7, 0.1);
        h.setUnseenShare(0.1);
        h.setCalibrationRecords(dev.loupe.training.Calibration.Records.EMPTY.with(new float[] {1, 2, 3}, 2, 8, 3));
        HeadState calibrated = h.state();
        Path file = shared.resolve("calibrated.zip");
        LoupeModel.write(file, ExportFixtures.modelZeroFile(), calibrated,
                NAMES.stream().map(n -> ClassColumn.live(n, true)).toList(), Map.of());
        float[][] direct = ExportFixtures.directProbabilities(calibrated, embeddings); // what the project shows
        float[][] raw = ExportFixtures.directProbabilities(state, embeddings);
        try (LoupeModel model = LoupeModel.load(file)) {
            assertThat(model.headState().temperature()).isEqualTo(1.7);
            assertThat(model.headState().unseenShare()).isEqualTo(0.1);
            assertThat(model.headState().calibrationRecords().size()).isZero();
            List<Prediction> predictions = model.predict(images);
            for (int i = 0; i < images.size(); i++) {
                float[] p = predictions.get(i).probabilities();
                double sum = 0;
                for (int k = 0; k < 3; k++) {
                    assertThat(p[k]).isCloseTo(direct[i][k], within(1e-6f));
                    sum += p[k];
                }
                assertThat(sum).as("the unseen share is not given to any class").isCloseTo(0.9, within(1e-5));
                assertThat(predictions.get(i).label()).isEqualTo(NAMES.get(ExportFixtures.argmax(raw[i])));
                assertThat(predictions.get(i).confidence()).isLessThan(raw[i][ExportFixtures.argmax(raw[i])]);
            }
        }
    }

    @Test
    void theNestedBackboneIsTheOriginalFileByteForByte() throws Exception {
        Path project = shared.resolve("installed");
        Path copy = project.resolve(LoupeModel.BACKBONE_ENTRY);
        try (LoupeModel model = LoupeModel.load(modelFile)) {
            assertThat(model.installBackbone(project)).isEqualTo(LoupeModel.BACKBONE_ENTRY);
        }
        assertThat(copy).hasSameBinaryContentAs(ExportFixtures.modelZeroFile());
    }

    @Test
    void anInactiveColumnIsNeverPredictedEvenWhenItsWeightsWouldWin() throws Exception {
        float[][] direct = ExportFixtures.directProbabilities(state, embeddings);
        long circleWins = Arrays.stream(direct).filter(p -> ExportFixtures.argmax(p) == 0).count();
        assertThat(circleWins).as("precondition: the trained head predicts 'circle' for some images").isPositive();

        Path file = shared.resolve("deleted-circle.zip");
        LoupeModel.write(file, ExportFixtures.modelZeroFile(), state,
                List.of(ClassColumn.deleted("circle"), ClassColumn.live("box", true), ClassColumn.live("triangle", true)),
                Map.of());
        try (LoupeModel model = LoupeModel.load(file)) {
            assertThat(model.columns().get(0).active()).isFalse();
            List<Prediction> predictions = model.predict(images);
            for (int i = 0; i < images.size(); i++) {
                Prediction p = predictions.get(i);
                float[] q = p.probabilities();
                assertThat(p.label()).isNotEqualTo("circle");
                assertThat(q[0]).isZero();
                assertThat(q[1] + q[2]).isCloseTo(1f, within(1e-5f));
                // Masking renormalises over the remaining classes: their ratio is unchanged.
                assertThat(q[1] / q[2]).isCloseTo(direct[i][1] / direct[i][2], within(1e-3f * direct[i][1] / direct[i][2]));
            }
        }
    }

    @Test
    void aColumnTheHeadNeverActivatedIsInactive() throws Exception {
        // Classes 0 and 1 only: column 2 stays masked in the head although the manifest is asked to mark it active.
        int[] y = Arrays.stream(truth).map(c -> Math.min(c, 1)).toArray();
        HeadState twoOfThree = ExportFixtures.trainedHead(embeddings, y, 3);
        Path file = shared.resolve("two-of-three.zip");
        LoupeModel.write(file, ExportFixtures.modelZeroFile(), twoOfThree,
                NAMES.stream().map(n -> ClassColumn.live(n, true)).toList(), Map.of());
        try (LoupeModel model = LoupeModel.load(file)) {
            assertThat(model.columns()).extracting(ClassColumn::active).containsExactly(true, true, false);
            assertThat(model.predict(images)).allSatisfy(p -> {
                assertThat(p.label()).isNotEqualTo("triangle");
                assertThat(p.probabilities()[2]).isZero();
            });
        }
    }

    @Test
    void aModelWrittenFromAnInMemoryBackbonePredictsTheSame() throws Exception {
        Path file = shared.resolve("in-memory.zip");
        try (Dl4jBackbone backbone = Dl4jBackbone.load(ExportFixtures.modelZeroFile())) {
            LoupeModel.write(file, backbone, state, NAMES.stream().map(n -> ClassColumn.live(n, true)).toList(), Map.of());
        }
        float[][] direct = ExportFixtures.directProbabilities(state, embeddings);
        try (LoupeModel model = LoupeModel.load(file)) {
            List<Prediction> predictions = model.predict(images);
            for (int i = 0; i < images.size(); i++) {
                for (int k = 0; k < 3; k++) {
                    assertThat(predictions.get(i).probabilities()[k]).isCloseTo(direct[i][k], within(1e-6f));
                }
            }
        }
    }

    @Test
    void writingAHeadOfTheWrongWidthIsRefused() {
        HeadState narrow = Head.create(HeadConfig.linear(10, 1), 3).state();
        assertThatThrownBy(() -> LoupeModel.write(shared.resolve("never.zip"), ExportFixtures.modelZeroFile(), narrow,
                NAMES.stream().map(n -> ClassColumn.live(n, true)).toList(), Map.of()))
                .isInstanceOf(LoupeException.class)
                .hasMessageContaining("10").hasMessageContaining("480");
        assertThat(shared.resolve("never.zip")).doesNotExist();
    }

    // ---- bad files -------------------------------------------------------------------------------------

    @Test
    void aFileThatIsNoZipIsNotALoupeModel() throws Exception {
        Path file = Files.writeString(shared.resolve("notes.zip"), "hello, I am text");
        assertThatThrownBy(() -> LoupeModel.load(file)).isInstanceOf(LoupeException.class)
                .hasMessageContaining("not a Loupe model file").hasMessageContaining("not a zip archive");
    }

    @Test
    void aZipWithoutTheManifestIsNotALoupeModel() throws Exception {
        Path file = zip(shared.resolve("other.zip"), Map.of("readme.txt", "hi".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> LoupeModel.load(file)).isInstanceOf(LoupeException.class)
                .hasMessageContaining("not a Loupe model file").hasMessageContaining("has no loupe-model.json");
    }

    @Test
    void aBackboneIsNotAModelAndTheMessageSaysSo() throws Exception {
        assertThatThrownBy(() -> LoupeModel.load(ExportFixtures.modelZeroFile())).isInstanceOf(LoupeException.class)
                .hasMessageContaining("not a Loupe model file").hasMessageContaining("backbone");
    }

    @Test
    void aTruncatedModelFileIsReportedAsDamaged() throws Exception {
        byte[] bytes = Files.readAllBytes(modelFile);
        Path file = Files.write(shared.resolve("truncated.zip"), Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> LoupeModel.load(file)).isInstanceOf(LoupeException.class)
                .hasMessageContaining("damaged or truncated").hasMessageContaining("truncated.zip");
    }

    /** Issue 17: a head cut short ended the message in ": null"; a garbled length ran out of memory. */
    @Test
    void aCutOrGarbledHeadIsNamedAsSuchNeverAsNull() throws Exception {
        byte[] head;
        try (ZipFile in = new ZipFile(modelFile.toFile())) {
            head = in.getInputStream(in.getEntry(LoupeModel.HEAD_ENTRY)).readAllBytes();
        }
        Path cut = rewrite("cut-head.zip", LoupeModel.HEAD_ENTRY, Arrays.copyOf(head, head.length / 2));
        assertThatThrownBy(() -> LoupeModel.load(cut)).isInstanceOf(LoupeException.class)
                .hasMessageContaining("cut-head.zip is damaged (the file ends too early: it is truncated)")
                .message().doesNotContain("null");
        byte[] garbled = head.clone();
        // HeadState's layout: magic, config (32 bytes), class count c, c flags, two counters, then the parameters' length
        int classes = java.nio.ByteBuffer.wrap(head).getInt(36);
        java.nio.ByteBuffer.wrap(garbled).putInt(36 + 4 + classes + 8, 0x7f7f7f7f); // ~2 billion floats
        Path bad = rewrite("garbled-head.zip", LoupeModel.HEAD_ENTRY, garbled);
        assertThatThrownBy(() -> LoupeModel.load(bad)).isInstanceOf(LoupeException.class)
                .hasMessageContaining("garbled-head.zip is damaged (an impossible array length (2139062143))")
                .message().doesNotContain("null");
        Path empty = rewrite("empty-head.zip", LoupeModel.HEAD_ENTRY, new byte[0]);
        assertThatThrownBy(() -> LoupeModel.load(empty)).message().contains("truncated").doesNotContain("null");
    }

    @Test
    void aMissingHeadEntryIsReported() throws Exception {
        Path file = rewrite("no-head.zip", LoupeModel.HEAD_ENTRY, null);
        assertThatThrownBy(() -> LoupeModel.load(file)).isInstanceOf(LoupeException.class)
                .hasMessageContaining("incomplete").hasMessageContaining(LoupeModel.HEAD_ENTRY);
    }

    @Test
    void aHeadThatDoesNotFitTheBackboneIsReported() throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        Head.create(HeadConfig.linear(10, 1), 3).state().writeTo(head);
        Path file = rewrite("mismatch.zip", LoupeModel.HEAD_ENTRY, head.toByteArray());
        assertThatThrownBy(() -> LoupeModel.load(file)).isInstanceOf(LoupeException.class)
                .hasMessageContaining("inconsistent").hasMessageContaining("480").hasMessageContaining("10");
    }

    @Test
    void aModelFromANewerLoupeIsRefusedPlainly() throws Exception {
        String manifest;
        try (ZipFile z = new ZipFile(modelFile.toFile())) {
            manifest = new String(z.getInputStream(z.getEntry(LoupeModel.MANIFEST)).readAllBytes(), StandardCharsets.UTF_8);
        }
        String newer = manifest.replaceFirst("\"format_version\"\\s*:\\s*1", "\"format_version\" : 99");
        assertThat(newer).isNotEqualTo(manifest);
        Path file = rewrite("newer.zip", LoupeModel.MANIFEST, newer.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> LoupeModel.load(file)).isInstanceOf(LoupeException.class)
                .hasMessageContaining("newer Loupe");
    }

    @Test
    void theManifestIsReadableJsonWithTheClassColumns() throws Exception {
        try (ZipFile z = new ZipFile(modelFile.toFile())) {
            String manifest = new String(z.getInputStream(z.getEntry(LoupeModel.MANIFEST)).readAllBytes(), StandardCharsets.UTF_8);
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest);
            assertThat(json.get("classes").findValuesAsText("name")).isEqualTo(NAMES);
            assertThat(json.at("/backbone/id").asText()).isEqualTo(zero.id());
            assertThat(json.at("/backbone/embedding_dim").asInt()).isEqualTo(480);
            assertThat(json.at("/backbone/preprocessing/width").asInt()).isEqualTo(64);
            assertThat(json.at("/provenance/label_count").asInt()).isEqualTo(9);
            assertThat(BackboneFiles.readMetadata(ExportFixtures.modelZeroFile()).name()).isEqualTo(json.at("/backbone/name").asText());
        }
    }

    /** A copy of the shared model with entry {@code name} replaced by {@code bytes}, or dropped when null. */
    private static Path rewrite(String fileName, String name, byte[] bytes) throws Exception {
        Path out = shared.resolve(fileName);
        try (ZipFile in = new ZipFile(modelFile.toFile());
             OutputStream raw = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(raw)) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] data = e.getName().equals(name) ? bytes : in.getInputStream(e).readAllBytes();
                if (data != null) {
                    zip.putNextEntry(new ZipEntry(e.getName()));
                    zip.write(data);
                    zip.closeEntry();
                }
            }
        }
        return out;
    }

    private static Path zip(Path out, Map<String, byte[]> entries) throws Exception {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out;
    }
}
