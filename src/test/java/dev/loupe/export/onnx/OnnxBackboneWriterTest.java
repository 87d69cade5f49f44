package dev.loupe.export.onnx;

import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.Preprocessing.ColorMode;
import dev.loupe.backbone.Preprocessing.Layout;
import dev.loupe.backbone.Preprocessing.ResizeMode;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.OnnxBackboneMetadata.Reduction;
import dev.loupe.backbone.onnx.OnnxTestModels;
import dev.loupe.export.ClassColumn;
import dev.loupe.onnx.OnnxProto.ModelProto;
import dev.loupe.onnx.OnnxProto.NodeProto;
import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import dev.loupe.training.HeadState;
import dev.loupe.training.InputNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The head appended to an ONNX backbone's own graph (scripts/onnx/make_test_models.py's small models): every reduction,
 * L2 normalisation, NHWC and fixed-batch graphs, BGR input and a short-side crop give the embedding
 * {@link OnnxBackbone} gives, and the classifier the probabilities Loupe's head gives.
 */
class OnnxBackboneWriterTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    private static OnnxBackbone open(String model, String tensor, Layout layout, boolean l2) throws Exception {
        OnnxBackbone.Options o = OnnxTestModels.options(layout).withL2Normalize(l2);
        return OnnxBackbone.open(OnnxTestModels.model(model), tensor == null ? o : o.withEmbeddingTensor(tensor));
    }

    @ParameterizedTest
    @CsvSource({
            "cnn-nchw.onnx, features, NCHW, false, NONE",
            "cnn-nchw.onnx, pooled, NCHW, false, FLATTEN",
            "cnn-nchw.onnx, block2, NCHW, true, MEAN_NCHW",
            "cnn-nhwc.onnx, feature_map, NHWC, false, MEAN_NHWC",
            "tokens.onnx, last_hidden_state, NCHW, true, FIRST_TOKEN",
    })
    void everyReductionGivesTheBackbonesEmbedding(String model, String tensor, Layout layout, boolean l2,
                                                  Reduction reduction) throws Exception {
        try (OnnxBackbone backbone = open(model, tensor, layout, l2)) {
            assertThat(backbone.metadata().reduction()).isEqualTo(reduction);
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(TOLERANCE);
        }
    }

    /** scripts/onnx/make_export_test_models.py's models: the opsets where Reduce* nodes change form. */
    private static Path exportTestModel(String name) throws Exception {
        return Path.of(OnnxBackboneWriterTest.class.getResource("/dev/loupe/export/onnx/" + name).toURI());
    }

    @ParameterizedTest
    @CsvSource({"old-opset.onnx, block, 9", "opset18.onnx, features, 18"})
    void reductionsAreWrittenInTheFormOfTheBackbonesOpset(String model, String tensor, int opset) throws Exception {
        OnnxBackbone.Options o = OnnxBackbone.Options.defaults().withL2Normalize(true).withEmbeddingTensor(tensor);
        try (OnnxBackbone backbone = OnnxBackbone.open(exportTestModel(model), o)) {
            assertThat(backbone.metadata().reduction()).isEqualTo(Reduction.MEAN_NCHW);
            ModelProto written = OnnxExport.embeddingModel(backbone);
            assertThat(written.getOpsetImport(0).getVersion()).isEqualTo(opset);
            NodeProto mean = written.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("ReduceMean"))
                    .findFirst().orElseThrow();
            assertThat(mean.getInputCount()).isEqualTo(opset >= 18 ? 2 : 1);
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void aBgrModelWithAShortSideCropSeesWhatLoupeFeedsIt() throws Exception {
        Preprocessing bgr = new Preprocessing(32, 32, ColorMode.BGR, ResizeMode.CENTER_CROP, Layout.NCHW,
                new float[] {0.4f, 0.5f, 0.6f}, new float[] {0.2f, 0.25f, 0.3f}, 40);
        OnnxBackbone.Options o = new OnnxBackbone.Options(null, null, "features", null, bgr, 0, false, null, null, Map.of());
        try (OnnxBackbone backbone = OnnxBackbone.open(OnnxTestModels.model("cnn-nchw.onnx"), o)) {
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void aDynamicSizeGraphRunsAtTheProjectsSize() throws Exception {
        OnnxBackbone.Options o = OnnxBackbone.Options.defaults().withSize(48);
        try (OnnxBackbone backbone = OnnxBackbone.open(OnnxTestModels.model("dynamic-size.onnx"), o)) {
            assertThat(backbone.preprocessing().width()).isEqualTo(48);
            assertThat(EmbeddingCheck.difference(backbone)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void theClassifierAfterTheEmbeddingIsLeftOutAndTheBackbonesOwnNamesAreKept() throws Exception {
        try (OnnxBackbone backbone = open("cnn-nchw.onnx", null, Layout.NCHW, false)) {
            ModelProto model = OnnxExport.embeddingModel(backbone);
            List<String> ops = model.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
            // The backbone's own Gemm (logits) and Softmax are gone; only Loupe's input prefix and reduction remain.
            assertThat(ops).doesNotContain("Softmax", "Gemm");
            assertThat(model.getGraph().getInitializerList()).noneMatch(t -> t.getName().contains("fc"));
            // Its input was called 'image' too: the backbone's tensor is renamed, the export's input keeps the name.
            assertThat(model.getGraph().getInputList()).extracting(v -> v.getName()).containsExactly(OnnxExport.INPUT);
            assertThat(model.getGraph().getNodeList()).anyMatch(n -> n.getOutputList().contains("backbone/image"));
            assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(13);
        }
    }

    @Test
    void theClassifierOnAnOnnxBackboneGivesTheHeadsProbabilities() throws Exception {
        try (OnnxBackbone backbone = open("cnn-nhwc.onnx", null, Layout.NHWC, true)) {
            List<java.awt.image.BufferedImage> images = OnnxTestModels.images();
            float[][] x = backbone.embed(images);
            INDArray all = Nd4j.createFromArray(x);
            Head h = Head.create(new HeadConfig(backbone.dim(), 8, 1e-2, HeadConfig.DEFAULT_L2, 3), 3);
            h.setInputNormalization(InputNormalization.of(all));
            h.activateClass(0, all.getRows(0, 1), all.mean(0).reshape(1, backbone.dim()));
            h.activateClass(2, all.getRows(2, 3), all.mean(0).reshape(1, backbone.dim()));
            h.setTemperature(1.7);
            HeadState state = h.state();
            List<ClassColumn> columns = List.of(ClassColumn.live("a", true), ClassColumn.live("b", false),
                    ClassColumn.live("c", true));
            Path file = tmp.resolve("nhwc.onnx");
            OnnxExport.Result result = OnnxExport.write(file, backbone, state, columns,
                    new OnnxExport.Provenance("p", 1, 4, Map.of()));
            float[][] expected = Head.fromState(state).predict(all).toFloatMatrix();
            try (OnnxClassifier classifier = OnnxClassifier.open(file)) {
                // The graph takes one image at a time, as its TensorFlow-style input says.
                for (int i = 0; i < images.size(); i++) {
                    float[] got = classifier.probabilities(backbone.preprocessing().fittedRgb(images.subList(i, i + 1)), 1)[0];
                    for (int k = 0; k < 3; k++) assertThat((double) Math.abs(got[k] - expected[i][k])).isLessThan(TOLERANCE);
                    assertThat(got[1]).isZero();
                }
            }
            assertThat(result.maxDifference()).isLessThan(TOLERANCE);
            assertThat(Files.readString(OnnxExport.cardFile(file))).contains("`[1, 32, 32, 3]`", "batch size 1 (fixed by the base model)");
        }
    }
}
