package dev.loupe.backbone.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.backbone.Preprocessing;
import dev.loupe.backbone.onnx.PreprocessingPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {

    @TempDir
    Path tmp;

    @Test
    void theBuiltInCatalogPinsTheModelZoosHashesForItsImageNetModels() throws Exception {
        Catalog c = Catalog.load();
        CatalogEntry mobile = c.get("mobilenetv2");
        assertThat(mobile.imageModel().sha256()).isEqualTo("c0c3f76d93fa3fd6580652a45618618a220fced18babf65774ed169de0432ad5");
        assertThat(mobile.imageModel().bytes()).isEqualTo(13_964_571L);
        assertThat(mobile.imageModel().urls()).hasSize(2).allMatch(u -> u.startsWith("https://"));
        assertThat(mobile.embeddingTensor()).isNull(); // the input of the final Gemm
        assertThat(mobile.dim()).isEqualTo(1280);
        CatalogEntry resnet = c.get("ResNet50");
        assertThat(resnet.imageModel().sha256()).isEqualTo("79102261eb6e5fd7af5d27f41316293e388c5cb691e5d25bfb035c4f64fefe31");
        assertThat(resnet.embeddingTensor()).isEqualTo("resnetv24_pool1_fwd");
        CatalogEntry lite = c.get("efficientnet-lite4");
        assertThat(lite.imageModel().sha256()).isEqualTo("d111689907c06eea7c82e4833ddef758da6453b9d4cf60b7e99ca05c7cbd9c12");
        assertThat(lite.preprocessing()).isEqualTo("inception");
        for (CatalogEntry e : c.entries()) {
            assertThat(e.licence()).isNotBlank();
            assertThat(e.goodAt()).isNotBlank();
            assertThat(e.source()).isNotBlank();
        }
        Preprocessing p = PreprocessingPreset.parse(mobile.preprocessing()).preprocessing(224, 224, Preprocessing.Layout.NCHW);
        assertThat(p.resizeShortSide()).isEqualTo(256);
        assertThatThrownBy(() -> c.get("nope")).hasMessageContaining("mobilenetv2").hasMessageContaining("loupe models list");
    }

    @Test
    void anEntryWithSeveralFilesParsesAndOffersItsCompanions() throws Exception {
        String json = """
                {"format_version": 1, "models": [{
                  "name": "pair", "title": "A pair", "good_at": "tests", "licence": "MIT", "source": "here",
                  "files": [
                    {"role": "image_model", "file": "visual.onnx", "urls": ["http://127.0.0.1:9/v"], "sha256": null},
                    {"role": "text_model", "file": "textual.onnx", "urls": ["http://127.0.0.1:9/t"]},
                    {"role": "vocabulary", "file": "vocab.txt.gz", "urls": ["http://127.0.0.1:9/b"], "bytes": 10}],
                  "preprocessing": "clip", "l2_normalize": true, "dim": 512,
                  "properties": {"text_input": "input_ids"}}]}
                """;
        Path file = tmp.resolve("extra.json");
        Files.writeString(file, json);
        System.setProperty(Catalog.EXTRA_PROPERTY, file.toString());
        try {
            CatalogEntry pair = Catalog.load().get("pair");
            assertThat(pair.imageModel().file()).isEqualTo("visual.onnx");
            assertThat(pair.file("vocabulary").orElseThrow().bytes()).isEqualTo(10);
            assertThat(pair.properties()).containsEntry("text_input", "input_ids");
            assertThat(pair.options("ab").companions())
                    .containsEntry("text_model", "textual.onnx").containsEntry("vocabulary", "vocab.txt.gz");
            assertThat(pair.options("ab").l2Normalize()).isTrue();
            assertThat(pair.options("ab").preset()).isEqualTo(PreprocessingPreset.CLIP);
            assertThat(Catalog.load().find("mobilenetv2")).isPresent();
        } finally {
            System.clearProperty(Catalog.EXTRA_PROPERTY);
        }
    }

    @Test
    void aBrokenCatalogSaysWhatIsWrong() {
        assertThatThrownBy(() -> Catalog.parse("{\"format_version\": 9}".getBytes(), "x.json"))
                .hasMessageContaining("x.json: catalog format_version 9");
        assertThatThrownBy(() -> Catalog.parse(("{\"format_version\": 1, \"models\": [{\"name\": \"a\", \"files\": []}]}")
                .getBytes(), "x.json")).hasMessageContaining("needs exactly one file with the role image_model");
    }
}
