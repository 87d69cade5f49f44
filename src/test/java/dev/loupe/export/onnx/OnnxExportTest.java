package dev.loupe.export.onnx;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.LoupeException;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.Dl4jBackbone;
import dev.loupe.backbone.Preprocessing;
import dev.loupe.export.ClassColumn;
import dev.loupe.export.ExportFixtures;
import dev.loupe.export.LoupeModel;
import dev.loupe.export.Prediction;
import dev.loupe.testing.TestImages;
import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.HeadState;
import dev.loupe.training.InputNormalization;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The exported ONNX classifier, loaded back with ONNX Runtime for Java, gives the probabilities Loupe's own model file
 * gives ({@code loupe predict}) on the same images, column for column, within {@value OnnxExport#TOLERANCE}.
 */
class OnnxExportTest {

    /** Head columns: three labelled classes, one never labelled, one labelled then deleted in the project. */
    private static final List<ClassColumn> COLUMNS = List.of(ClassColumn.live("circle", true),
            ClassColumn.live("box", true), ClassColumn.live("triangle", true), ClassColumn.live("unused", false),
            ClassColumn.deleted("old"));

    @TempDir
    static Path shared;

    static Backbone zero;
    static List<BufferedImage> images;
    static float[][] embeddings;
    static int[] labels;

    @BeforeAll
    static void embedOnce() throws Exception {
        zero = ExportFixtures.modelZero();
        List<Path> files = new ArrayList<>();
        List<Integer> y = new ArrayList<>();
        int[] column = {0, 1, 2, 4};
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < 3; i++) {
                files.add(TestImages.png(shared.resolve("img/c" + c + "-" + i + ".png"), c, i));
                y.add(column[c]);
            }
        }
        images = ExportFixtures.decode(zero, files);
        embeddings = zero.embed(images);
        labels = y.stream().mapToInt(Integer::intValue).toArray();
    }

    @AfterAll
    static void close() {
        zero.close();
    }

    static HeadState head(int hidden, double temperature) {
        return head(hidden, temperature, 0);
    }

    /**
     * A head trained as the app trains one: inputs standardised, a calibrated temperature, and the share of images
     * the project expects in classes without an example yet (probabilities scaled by 1 − it).
     */
    static HeadState head(int hidden, double temperature, double unseenShare) {
        int dim = embeddings[0].length;
        Head h = Head.create(new HeadConfig(dim, hidden, 1e-2, HeadConfig.DEFAULT_L2, 7), COLUMNS.size());
        INDArray x = Nd4j.createFromArray(embeddings);
        h.setInputNormalization(InputNormalization.of(x));
        INDArray mean = x.mean(0).reshape(1, dim);
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, labels.length, COLUMNS.size());
        for (int c = 0; c < COLUMNS.size(); c++) {
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) rows.add(i);
            }
            if (!rows.isEmpty()) h.activateClass(c, x.getRows(rows.stream().mapToInt(Integer::intValue).toArray()), mean);
        }
        for (int i = 0; i < labels.length; i++) oneHot.putScalar(i, labels[i], 1f);
        for (int s = 0; s < 30; s++) h.fit(x, oneHot);
        h.setTemperature(temperature);
        h.setUnseenShare(unseenShare);
        return h.state();
    }

    private static OnnxExport.Provenance provenance() {
        return new OnnxExport.Provenance("shapes", 7, labels.length, Map.of("circle", 3, "box", 3, "triangle", 3));
    }

    @Test
    void theOnnxFileGivesLoupePredictsProbabilitiesColumnForColumn() throws Exception {
        for (int hidden : new int[] {0, 16}) {
            double unseen = hidden == 0 ? 0 : 0.2;
            HeadState state = head(hidden, 2.7, unseen);
            Path onnx = shared.resolve("h" + hidden + "/model.onnx");
            Path zip = shared.resolve("h" + hidden + "/model.zip");
            OnnxExport.Result result = OnnxExport.write(onnx, zero, state, COLUMNS, provenance());
            LoupeModel.write(zip, ExportFixtures.modelZeroFile(), state, COLUMNS, Map.of());
            assertThat(result.maxDifference()).isLessThanOrEqualTo(OnnxExport.TOLERANCE);
            assertThat(result.temperature()).isEqualTo(2.7, org.assertj.core.data.Offset.offset(1e-6));

            List<Prediction> loupe;
            try (LoupeModel model = LoupeModel.load(zip)) {
                loupe = model.predict(images);
            }
            float[][] got;
            try (OnnxClassifier classifier = OnnxClassifier.open(onnx)) {
                got = classifier.probabilities(zero.preprocessing().fittedRgb(images), images.size());
                List<String> names = Arrays.asList(new ObjectMapper().readValue(classifier.metadata().get("classes"), String[].class));
                assertThat(names).isEqualTo(COLUMNS.stream().map(ClassColumn::name).toList());
                assertThat(classifier.metadata()).containsEntry("backbone_id", zero.id())
                        .containsEntry("classes_active", "[true,true,true,false,false]")
                        .containsEntry("model_version", "7").containsKey("preprocessing").containsKey("loupe_version");
                if (unseen > 0) assertThat(classifier.metadata()).containsEntry("unseen_share", "0.2");
            }
            double worst = 0;
            for (int i = 0; i < images.size(); i++) {
                float[] want = loupe.get(i).probabilities();
                assertThat(got[i]).hasSize(COLUMNS.size());
                for (int k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(want[k] - got[i][k]));
                assertThat(got[i][3]).as("never labelled").isZero();
                assertThat(got[i][4]).as("deleted").isZero();
                assertThat(COLUMNS.get(ExportFixtures.argmax(got[i])).name()).isEqualTo(loupe.get(i).label());
                double sum = 0;
                for (float v : got[i]) sum += v;
                assertThat(sum).as("rows sum to the seen share").isCloseTo(1 - unseen, org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThat(worst).as("hidden " + hidden).isLessThan(OnnxExport.TOLERANCE);
        }
    }

    @Test
    void theBatchIsDynamicAndRowsAreIndependent() throws Exception {
        Path onnx = shared.resolve("batch/model.onnx");
        OnnxExport.write(onnx, zero, head(0, 1.0), COLUMNS, provenance());
        Preprocessing p = zero.preprocessing();
        try (OnnxClassifier classifier = OnnxClassifier.open(onnx)) {
            float[][] all = classifier.probabilities(p.fittedRgb(images), images.size());
            float[][] one = classifier.probabilities(p.fittedRgb(images.subList(5, 6)), 1);
            assertThat(one[0]).containsExactly(all[5], org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    @Test
    void aModelCardIsWrittenBesideAndNoTemporaryFileIsLeft() throws Exception {
        Path dir = shared.resolve("card");
        Path onnx = dir.resolve("shapes.onnx");
        OnnxExport.Result result = OnnxExport.write(onnx, zero, head(0, 1.5), COLUMNS, provenance());
        assertThat(result.card()).isEqualTo(dir.resolve("shapes.md"));
        String card = Files.readString(result.card());
        assertThat(card).contains("`[N, 64, 64, 3]`", "RGB values 0..255", "stretched to 64x64", "| 2 | triangle | 3 |",
                "deleted in the project: always 0", "no examples yet: always 0", "T = 1.5", zero.id());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("shapes.onnx", "shapes.md");
        }
    }

    @Test
    void aModelWithNoLearnedClassIsRefused() {
        Head h = Head.create(HeadConfig.linear(zero.dim(), 1), 2);
        Path onnx = shared.resolve("none/model.onnx");
        assertThatThrownBy(() -> OnnxExport.write(onnx, zero, h.state(),
                List.of(ClassColumn.live("a", false), ClassColumn.live("b", false)), provenance()))
                .isInstanceOf(LoupeException.class).hasMessageContaining("no class has been learned yet");
        assertThat(onnx.getParent()).doesNotExist();
    }

    @Test
    void badTargetsAreRefusedBeforeAnythingIsComputed() throws Exception {
        Path folder = Files.createDirectories(shared.resolve("targets/folder.onnx"));
        Path file = Files.writeString(shared.resolve("targets/plain-file"), "x");
        assertThatThrownBy(() -> OnnxExport.checkTarget(shared.resolve("targets/model.zip")))
                .hasMessageContaining("name the file FILE.onnx");
        assertThatThrownBy(() -> OnnxExport.checkTarget(folder)).hasMessageContaining("it is a folder");
        assertThatThrownBy(() -> OnnxExport.checkTarget(file.resolve("model.onnx"))).hasMessageContaining("is a file, not a folder");
    }

    @Test
    void aBackboneWithAnUnmappedLayerLeavesNothingBehind() throws Exception {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.FLOAT).graphBuilder();
        g.addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3));
        g.addLayer("up", new Deconvolution2D.Builder(2, 2).stride(2, 2).nOut(4).build(), "in");
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "up");
        g.setOutputs("gap");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        Preprocessing p = Preprocessing.unitScale(8, 8, Preprocessing.ColorMode.RGB, Preprocessing.ResizeMode.SQUASH);
        Path dir = Files.createDirectories(shared.resolve("unmapped"));
        Path onnx = dir.resolve("model.onnx");
        Files.writeString(onnx, "the previous export");
        try (Dl4jBackbone backbone = Dl4jBackbone.wrap(net, "deconv", "", List.of("gap"), p, "deconv@1", "test")) {
            float[][] x = backbone.embed(images.subList(0, 3));
            Head h = Head.create(HeadConfig.linear(backbone.dim(), 1), 2);
            h.activateClass(0, Nd4j.createFromArray(x).getRows(0), Nd4j.createFromArray(x).mean(0).reshape(1, 4));
            assertThatThrownBy(() -> OnnxExport.write(onnx, backbone, h.state(),
                    List.of(ClassColumn.live("a", true), ClassColumn.live("b", false)), provenance()))
                    .hasMessageContaining("layer 'up' (Deconvolution2D)");
        }
        assertThat(Files.readString(onnx)).isEqualTo("the previous export");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(onnx);
        }
    }
}
