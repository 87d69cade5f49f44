package dev.loupe.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackboneLoaderTest {

    @TempDir
    Path dir;

    @Test
    void modelZeroIsFoundAndLoads() throws IOException {
        Path located = BackboneLoader.locateModelZero();
        assertThat(located).endsWith(Path.of("models", "model-zero.zip"));
        try (Backbone zero = BackboneLoader.load("model-zero")) {
            assertThat(zero.id()).isEqualTo("model-zero@" + BackboneFiles.sha256(located).substring(0, 12));
            assertThat(zero.dim()).isEqualTo(32 + 64 + 128 + 256);
            assertThat(zero.description()).contains("SimCLR");
            float[][] e = zero.embed(BackboneFilesTest.pictures(2));
            assertThat(e).hasDimensions(2, 480);
            assertThat(e[0]).isNotEqualTo(e[1]);
        }
    }

    @Test
    void propertyOverridesTheModelZeroLocation() throws IOException {
        Path copy = Files.copy(BackboneLoader.locateModelZero(), dir.resolve("zero.zip"));
        String old = System.setProperty(BackboneLoader.MODEL_ZERO_PROPERTY, copy.toString());
        try {
            assertThat(BackboneLoader.locateModelZero()).isEqualTo(copy);
            System.setProperty(BackboneLoader.MODEL_ZERO_PROPERTY, dir.resolve("missing.zip").toString());
            assertThatThrownBy(BackboneLoader::locateModelZero).hasMessageContaining("Model Zero not found");
        } finally {
            if (old == null) {
                System.clearProperty(BackboneLoader.MODEL_ZERO_PROPERTY);
            } else {
                System.setProperty(BackboneLoader.MODEL_ZERO_PROPERTY, old);
            }
        }
    }

    @Test
    void specsPickTheRightLoader() throws IOException {
        Path zip = dir.resolve("tiny.zip");
        BackboneFiles.write(zip, BackboneFilesTest.smallGraph(), BackboneFilesTest.meta(List.of("gap2"), 8));
        try (Backbone b = BackboneLoader.load(zip.toString())) {
            assertThat(b.id()).startsWith("tiny@");
        }
        Path h5 = Path.of(getClass().getResource("keras-tiny.h5").getPath());
        try (Backbone b = BackboneLoader.load(h5 + "#conv2d")) {
            assertThat(b.dim()).isEqualTo(4);
            assertThat(((Dl4jBackbone) b).metadata().featureLayers()).containsExactly("conv2d");
        }
    }

    @Test
    void badSpecsSaySo() {
        assertThatThrownBy(() -> BackboneLoader.load(" ")).hasMessageContaining("no base model given");
        assertThatThrownBy(() -> BackboneLoader.load("zoo:alexnet")).hasMessageContaining("unknown zoo model");
        assertThatThrownBy(() -> BackboneLoader.load(dir.resolve("x.zip") + "#gap1"))
                .hasMessageContaining("'#layer' only applies");
        assertThatThrownBy(() -> BackboneLoader.load(dir.resolve("none.zip").toString()))
                .isInstanceOf(BackboneException.class).hasMessageContaining("file not found");
    }
}
