package dev.loupe.backbone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed models/model-zero.zip is the trained Model Zero: DL4J must give the embeddings that
 * PyTorch gave for the check images written by scripts/model-zero/export_keras_h5.py.
 */
class ModelZeroTest {

    static ModelZeroImport.Expected expected() throws IOException, URISyntaxException {
        return ModelZeroImport.Expected.read(
                Path.of(ModelZeroTest.class.getResource("model-zero.expected.json").toURI()));
    }

    @Test
    void committedModelZeroGivesPyTorchsEmbeddings() throws Exception {
        ModelZeroImport.Expected expected = expected();
        Path located = BackboneLoader.locateModelZero();
        try (Backbone zero = BackboneLoader.load(BackboneLoader.MODEL_ZERO)) {
            assertThat(zero.id()).isEqualTo("model-zero@" + BackboneFiles.sha256(located).substring(0, 12));
            assertThat(zero.dim()).isEqualTo(480).isEqualTo(expected.dim());
            assertThat(zero.preprocessing()).isEqualTo(expected.preprocessing());
            BackboneMetadata metadata = BackboneFiles.readMetadata(located);
            assertThat(metadata.featureLayers()).isEqualTo(List.of("gap1", "gap2", "gap3", "gap4"));
            assertThat(metadata.description()).contains("SimCLR").contains("openclipart");
            assertThat(expected.images()).hasSize(4);
            assertThat(expected.maxDifference(zero))
                    .as("largest |DL4J - PyTorch| over the check images")
                    .isLessThanOrEqualTo(ModelZeroImport.TOLERANCE);
        }
    }

    @Test
    void modelZeroIsSmall() throws IOException {
        assertThat(Files.size(BackboneLoader.locateModelZero())).isLessThan(2_000_000);
    }
}
