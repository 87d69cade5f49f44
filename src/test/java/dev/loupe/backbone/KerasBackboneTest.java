package dev.loupe.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Imports a real Keras 2 HDF5 file written by scripts/make-test-keras-h5.py; expected values come from numpy. */
class KerasBackboneTest {

    private static Path h5;
    private static JsonNode expected;

    @TempDir
    Path dir;

    @BeforeAll
    static void files() throws URISyntaxException, IOException {
        h5 = Path.of(KerasBackboneTest.class.getResource("keras-tiny.h5").toURI());
        expected = new ObjectMapper().readTree(KerasBackboneTest.class.getResource("keras-tiny.expected.json"));
    }

    /** The script's input image: pixel (y, x, c) = (37y + 11x + 71c) % 256. */
    static BufferedImage scriptImage() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int r = (37 * y + 11 * x) % 256;
                int g = (37 * y + 11 * x + 71) % 256;
                int b = (37 * y + 11 * x + 142) % 256;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return img;
    }

    @Test
    void inputShapeIsReadFromTheFile() throws BackboneException {
        Preprocessing p = KerasBackbone.inferPreprocessing(h5);
        assertThat(p.width()).isEqualTo(16);
        assertThat(p.height()).isEqualTo(16);
        assertThat(p.color()).isEqualTo(Preprocessing.ColorMode.RGB);
        assertThat(p.layout()).isEqualTo(Preprocessing.Layout.NHWC);
    }

    @Test
    void pooledLayerEmbeddingMatchesNumpy() throws IOException {
        try (Dl4jBackbone backbone = KerasBackbone.load(h5, null)) {
            assertThat(backbone.metadata().featureLayers()).containsExactly("global_average_pooling2d");
            assertThat(backbone.dim()).isEqualTo(4);
            assertThat(backbone.id()).startsWith("keras-tiny@");
            float[] embedding = backbone.embed(List.of(scriptImage()))[0];
            for (int i = 0; i < 4; i++) {
                assertThat((double) embedding[i]).as("pooled[%d]", i)
                        .isCloseTo(expected.get("pooled").get(i).asDouble(), within(1e-5));
            }
            // The whole network agrees too: softmax output.
            INDArray input = backbone.preprocessing().toInput(List.of(scriptImage()));
            INDArray out = ((MultiLayerNetwork) backbone.network()).output(input);
            for (int i = 0; i < 3; i++) {
                assertThat(out.getDouble(0, i)).isCloseTo(expected.get("output").get(i).asDouble(), within(1e-5));
            }
        }
    }

    @Test
    void featureLayerCanBeNamedAndConvIsPooled() throws IOException {
        try (Dl4jBackbone conv = KerasBackbone.load(h5, "conv2d")) {
            float[] e = conv.embed(List.of(scriptImage()))[0];
            // conv2d's activations (NHWC) averaged over space equal the pooling layer's output.
            assertThat((double) e[3]).isCloseTo(expected.get("pooled").get(3).asDouble(), within(1e-5));
        }
        assertThatThrownBy(() -> KerasBackbone.load(h5, "nope")).isInstanceOf(BackboneException.class)
                .hasMessageContaining("'nope' does not exist").hasMessageContaining("conv2d");
    }

    @Test
    void importedModelCanBeKeptAsALoupeZip() throws IOException {
        Path zip = dir.resolve("keras.zip");
        float[][] direct;
        try (Dl4jBackbone imported = KerasBackbone.load(h5, null)) {
            direct = imported.embed(List.of(scriptImage()));
            BackboneFiles.write(zip, imported.network(), imported.metadata());
        }
        try (Backbone loaded = BackboneLoader.load(zip.toString())) {
            assertThat(loaded.embed(List.of(scriptImage()))).isDeepEqualTo(direct);
        }
    }

    @Test
    void notAKerasFileSaysSo() throws IOException {
        Path fake = Files.writeString(dir.resolve("fake.h5"), "not hdf5");
        assertThatThrownBy(() -> KerasBackbone.load(fake, null)).isInstanceOf(BackboneException.class)
                .hasMessageContaining("fake.h5").hasMessageContaining("not a Keras 2 HDF5 model");
        assertThatThrownBy(() -> KerasBackbone.load(dir.resolve("gone.h5"), null))
                .hasMessageContaining("file not found");
    }
}
