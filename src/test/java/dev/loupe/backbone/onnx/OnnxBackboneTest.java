package dev.loupe.backbone.onnx;

import static dev.loupe.backbone.onnx.OnnxTestModels.TOLERANCE;
import static dev.loupe.backbone.onnx.OnnxTestModels.golden;
import static dev.loupe.backbone.onnx.OnnxTestModels.images;
import static dev.loupe.backbone.onnx.OnnxTestModels.model;
import static dev.loupe.backbone.onnx.OnnxTestModels.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.backbone.Preprocessing.Layout;
import dev.loupe.backbone.onnx.OnnxBackboneMetadata.Reduction;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxBackboneTest {

    @TempDir
    Path tmp;

    private static void assertMatches(float[][] actual, float[][] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).hasSize(expected[i].length);
            for (int j = 0; j < expected[i].length; j++) {
                double tol = TOLERANCE * Math.max(1, Math.abs(expected[i][j]));
                assertThat((double) actual[i][j]).as("image %d value %d", i, j)
                        .isCloseTo(expected[i][j], org.assertj.core.api.Assertions.within(tol));
            }
        }
    }

    @Test
    void theDefaultEmbeddingIsTheInputOfTheFinalGemmAnInternalTensorAddedAsAnOutput() throws Exception {
        try (OnnxBackbone b = OnnxBackbone.open(model("cnn-nchw.onnx"), options(Layout.NCHW))) {
            OnnxBackboneMetadata m = b.metadata();
            assertThat(m.inputName()).isEqualTo("image");
            assertThat(m.preprocessing().layout()).isEqualTo(Layout.NCHW);
            assertThat(m.preprocessing().width()).isEqualTo(32);
            assertThat(m.dynamicBatch()).isTrue();
            assertThat(m.embeddingTensor()).isEqualTo("features");
            assertThat(m.embeddingIsGraphOutput()).isFalse();
            assertThat(m.reduction()).isEqualTo(Reduction.NONE);
            assertThat(m.dim()).isEqualTo(16);
            assertThat(m.sha256()).isEqualTo(OnnxTestModels.sha256("cnn-nchw.onnx"));
            assertThat(b.id()).startsWith("cnn-nchw@").hasSize("cnn-nchw@".length() + 12);
            assertMatches(b.embed(images()), golden("cnn-nchw.onnx", "features"));
        }
    }

    @Test
    void aPooledFeatureMapOfOneByOneIsFlattenedAndALargerOneAveraged() throws Exception {
        try (OnnxBackbone pooled = OnnxBackbone.open(model("cnn-nchw.onnx"),
                options(Layout.NCHW).withEmbeddingTensor("pooled"));
             OnnxBackbone block = OnnxBackbone.open(model("cnn-nchw.onnx"),
                     options(Layout.NCHW).withEmbeddingTensor("block2"))) {
            assertThat(pooled.metadata().reduction()).isEqualTo(Reduction.FLATTEN);
            assertMatches(pooled.embed(images()), golden("cnn-nchw.onnx", "pooled"));
            assertThat(block.metadata().reduction()).isEqualTo(Reduction.MEAN_NCHW);
            assertThat(block.dim()).isEqualTo(16);
            assertMatches(block.embed(images()), golden("cnn-nchw.onnx", "block2_mean"));
        }
    }

    @Test
    void aGraphOutputIsReadAsItIsAndL2NormalisationDividesByTheNorm() throws Exception {
        try (OnnxBackbone out = OnnxBackbone.open(model("cnn-nchw.onnx"),
                options(Layout.NCHW).withEmbeddingTensor("probabilities"));
             OnnxBackbone l2 = OnnxBackbone.open(model("cnn-nchw.onnx"), options(Layout.NCHW).withL2Normalize(true))) {
            assertThat(out.metadata().embeddingIsGraphOutput()).isTrue();
            assertMatches(out.embed(images()), golden("cnn-nchw.onnx", "probabilities"));
            assertThat(l2.metadata().l2Normalize()).isTrue();
            assertThat(l2.id()).isNotEqualTo(out.id());
            float[][] v = l2.embed(images());
            assertMatches(v, golden("cnn-nchw.onnx", "features_l2"));
            double norm = 0;
            for (float x : v[0]) {
                norm += x * x;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
        }
    }

    @Test
    void anNhwcModelWithItsBatchFixedToOneRunsImageByImage() throws Exception {
        try (OnnxBackbone b = OnnxBackbone.open(model("cnn-nhwc.onnx"), options(Layout.NHWC))) {
            assertThat(b.metadata().preprocessing().layout()).isEqualTo(Layout.NHWC);
            assertThat(b.metadata().dynamicBatch()).isFalse();
            assertThat(b.metadata().fixedBatch()).isEqualTo(1);
            assertThat(b.metadata().reduction()).isEqualTo(Reduction.MEAN_NHWC);
            assertMatches(b.embed(images()), golden("cnn-nhwc.onnx", "feature_map_mean"));
        }
    }

    @Test
    void aDynamicSpatialSizeNeedsAGivenSize() throws Exception {
        assertThatThrownBy(() -> OnnxBackbone.open(model("dynamic-size.onnx"), OnnxBackbone.Options.defaults()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("dynamic-size.onnx")
                .hasMessageContaining("input size is dynamic ([N, 3, ?, ?])")
                .hasMessageContaining("--size");
        try (OnnxBackbone b = OnnxBackbone.open(model("dynamic-size.onnx"), options(Layout.NCHW))) {
            assertMatches(b.embed(images()), golden("dynamic-size.onnx", "embedding"));
        }
        try (OnnxBackbone b = OnnxBackbone.open(model("dynamic-size.onnx"), OnnxBackbone.Options.defaults().withSize(48))) {
            assertThat(b.preprocessing().width()).isEqualTo(48);
            assertThat(b.preprocessing().resizeShortSide()).isEqualTo(55); // 48 * 256 / 224
        }
    }

    @Test
    void aTokenSequenceGivesItsFirstToken() throws Exception {
        try (OnnxBackbone b = OnnxBackbone.open(model("tokens.onnx"), options(Layout.NCHW))) {
            assertThat(b.metadata().reduction()).isEqualTo(Reduction.FIRST_TOKEN);
            assertThat(b.dim()).isEqualTo(12);
            assertMatches(b.embed(images()), golden("tokens.onnx", "first_token"));
        }
    }

    @Test
    void batchesLargerThanOneRunAndPartialBatchesGiveTheSameRowsAsSingleImages() throws Exception {
        List<BufferedImage> many = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            many.addAll(images()); // 20 images: one full run of MAX_BATCH and a partial one
        }
        float[][] gold = golden("cnn-nchw.onnx", "features");
        try (OnnxBackbone b = OnnxBackbone.open(model("cnn-nchw.onnx"), options(Layout.NCHW))) {
            float[][] all = b.embed(many);
            assertThat(all).hasNumberOfRows(20);
            for (int i = 0; i < 20; i++) {
                assertMatches(new float[][] {all[i]}, new float[][] {gold[i % 4]});
            }
            float[][] viaArray = b.embedInput(b.preprocessing().toInput(images()));
            assertMatches(viaArray, gold);
            assertThat(b.embed(List.of())).isEmpty();
        }
    }

    @Test
    void storedSettingsReopenTheSameBackboneAndAChangedFileIsRefused() throws Exception {
        Path copy = tmp.resolve("backbone.onnx");
        Files.copy(model("cnn-nchw.onnx"), copy);
        OnnxBackboneMetadata stored;
        String id;
        try (OnnxBackbone b = OnnxBackbone.open(copy, options(Layout.NCHW).withEmbeddingTensor("pooled")
                .withName("tiny", "a tiny test CNN"))) {
            stored = b.metadata();
            id = b.id();
        }
        OnnxBackboneFiles.write(OnnxBackboneFiles.metadataFile(copy), stored);
        assertThat(OnnxBackboneFiles.read(OnnxBackboneFiles.metadataFile(copy))).isEqualTo(stored);
        try (Backbone again = BackboneLoader.load(copy.toString())) {
            assertThat(again.id()).isEqualTo(id);
            assertThat(again.name()).isEqualTo("tiny");
            assertMatches(again.embed(images()), golden("cnn-nchw.onnx", "pooled"));
        }
        Files.copy(model("cnn-nhwc.onnx"), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> BackboneLoader.load(copy.toString()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("backbone.onnx is not the expected model")
                .hasMessageContaining(OnnxTestModels.sha256("cnn-nhwc.onnx"));
    }

    @Test
    void theLoaderTakesAHashTensorSuffix() throws Exception {
        try (Backbone b = BackboneLoader.load(model("cnn-nchw.onnx") + "#block2")) {
            assertThat(b).isInstanceOf(OnnxBackbone.class);
            assertThat(((OnnxBackbone) b).metadata().reduction()).isEqualTo(Reduction.MEAN_NCHW);
            assertThat(b.preprocessing().resizeShortSide()).isEqualTo(37); // ImageNet's 256/224 by default
        }
    }

    @Test
    void filesThatAreNotUsableImageModelsAreRefusedWithWhatIsWrong() {
        assertRefused("not-onnx.onnx", "not-onnx.onnx is not an ONNX model");
        assertRefused("truncated.onnx", "truncated.onnx is not an ONNX model, or a truncated one");
        assertRefused("two-inputs.onnx", "has 2 inputs (input_ids [?, 8], attention_mask [?, 8])");
        assertRefused("vector-input.onnx", "its input 'x' has shape [?, 10] (rank 2), not a batch of images");
        assertThatThrownBy(() -> OnnxBackbone.open(model("cnn-nchw.onnx"),
                OnnxBackbone.Options.defaults().withEmbeddingTensor("nope")))
                .hasMessageContaining("the embedding tensor 'nope' does not exist in the model")
                .hasMessageContaining("pooled (GlobalAveragePool)")
                .hasMessageContaining("features (Flatten)")
                .hasMessageContaining("probabilities (graph output)")
                .hasMessageContaining("The default is 'features'");
        assertThatThrownBy(() -> OnnxBackbone.open(model("cnn-nchw.onnx"),
                OnnxBackbone.Options.defaults().withEmbeddingTensor("image")))
                .hasMessageContaining("'image' is the model's input");
        assertThatThrownBy(() -> OnnxBackbone.open(model("cnn-nchw.onnx"),
                OnnxBackbone.Options.defaults().withSha256("00".repeat(32))))
                .hasMessageContaining("is not the expected model");
        assertThatThrownBy(() -> OnnxBackbone.open(tmp.resolve("missing.onnx"), OnnxBackbone.Options.defaults()))
                .hasMessageContaining("missing.onnx");
    }

    private static void assertRefused(String file, String message) {
        assertThatThrownBy(() -> OnnxBackbone.open(model(file), OnnxBackbone.Options.defaults()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining(message);
    }

    @Test
    void aClosedBackboneRefusesWork() throws Exception {
        OnnxBackbone b = OnnxBackbone.open(model("cnn-nchw.onnx"), options(Layout.NCHW));
        b.close();
        b.close();
        assertThatThrownBy(() -> b.embed(images())).isInstanceOf(IllegalStateException.class);
    }
}
