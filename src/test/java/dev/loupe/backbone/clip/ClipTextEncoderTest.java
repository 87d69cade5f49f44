package dev.loupe.backbone.clip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.backbone.BackboneException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.loupe.backbone.clip.ClipTokenizerTest.golden;
import static dev.loupe.backbone.clip.ClipTokenizerTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ClipTextEncoderTest {

    static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }

    static ClipTextEncoder tiny() throws BackboneException {
        return ClipTextEncoder.open(resource("tiny-textual.onnx"), resource("tiny-vocab.txt.gz"));
    }

    @Test
    void embedsTextsLikePyTorchInBatchesOfAnySize() throws Exception {
        JsonNode g = golden();
        try (ClipTextEncoder enc = tiny()) {
            assertThat(enc.dim()).isEqualTo(g.get("dim").asInt());
            assertThat(enc.id()).startsWith("clip-text@");
            List<String> texts = new ArrayList<>();
            for (JsonNode t : g.get("text_embeds")) {
                texts.add(t.get("text").asText());
            }
            List<String> many = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                many.addAll(texts); // 21 texts: two runs of the 16-row batch
            }
            float[][] got = enc.embed(many);
            assertThat(got).hasNumberOfRows(21);
            for (int i = 0; i < got.length; i++) {
                float[] want = floats(g.get("text_embeds").get(i % 3).get("embedding"));
                for (int j = 0; j < want.length; j++) {
                    assertThat(got[i][j]).as("text %d value %d", i, j).isCloseTo(want[j], within(1e-5f));
                }
            }
        }
    }

    @Test
    void aClassEmbeddingIsTheNormalisedMeanOfItsNormalisedPromptEmbeddings() throws Exception {
        JsonNode g = golden();
        List<String> templates = new ArrayList<>();
        g.get("templates").forEach(t -> templates.add(t.asText()));
        assertThat(PromptEnsemble.TEMPLATES).isEqualTo(templates);
        try (ClipTextEncoder enc = tiny()) {
            for (JsonNode c : g.get("classes")) {
                float[] got = PromptEnsemble.classEmbedding(enc, c.get("name").asText());
                float[] want = floats(c.get("embedding"));
                double norm = 0;
                for (int j = 0; j < want.length; j++) {
                    assertThat(got[j]).as(c.get("name").asText() + " value " + j).isCloseTo(want[j], within(1e-5f));
                    norm += got[j] * got[j];
                }
                assertThat(norm).isCloseTo(1.0, within(1e-5));
            }
            // The name is put into each template as typed, spaces around it dropped.
            assertThat(PromptEnsemble.prompts("  hot dog ")).first().isEqualTo("a photo of a hot dog.");
        }
    }

    @Test
    void anImageModelIsRefusedAsATextModelWithWhatItTakes() {
        assertThatThrownBy(() -> ClipTextEncoder.open(resource("tiny-visual.onnx"), resource("tiny-vocab.txt.gz")))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("tiny-visual.onnx is not a CLIP text model")
                .hasMessageContaining("pixel_values");
        assertThatThrownBy(() -> ClipTextEncoder.open(resource("tiny-vocab.txt.gz"), resource("tiny-vocab.txt.gz")))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("cannot load the text model");
    }

    @Test
    void aClosedEncoderSaysSo() throws Exception {
        ClipTextEncoder enc = tiny();
        enc.close();
        enc.close();
        assertThatThrownBy(() -> enc.embed(List.of("cat"))).hasMessageContaining("closed");
    }
}
