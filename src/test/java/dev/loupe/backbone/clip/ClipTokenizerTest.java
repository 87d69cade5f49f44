package dev.loupe.backbone.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.backbone.catalog.ModelCache;
import dev.loupe.testing.TinyClip;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClipTokenizerTest {

    static Path resource(String name) {
        return TinyClip.file(name);
    }

    static JsonNode golden() {
        return TinyClip.golden();
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    @Test
    void encodesLikeTheGeneratorsTokenizerOnTheTinyVocabulary() throws Exception {
        ClipTokenizer t = ClipTokenizer.load(resource("tiny-vocab.txt.gz"));
        JsonNode g = golden();
        assertThat(t.startToken()).isEqualTo(g.get("start").asInt());
        assertThat(t.endToken()).isEqualTo(g.get("end").asInt());
        assertThat(t.vocabularySize()).isEqualTo(g.get("vocab_size").asInt());
        for (JsonNode s : g.get("tokens")) {
            assertThat(t.encode(s.get("text").asText())).as(s.get("text").asText()).containsExactly(ints(s.get("ids")));
        }
    }

    @Test
    void tokensAreFramedPaddedAndCutToTheContextLikeClipsTruncation() throws Exception {
        ClipTokenizer t = ClipTokenizer.load(resource("tiny-vocab.txt.gz"));
        int[] body = t.encode("a photo of a cat.");
        int[] row = t.tokens("a photo of a cat.", ClipTokenizer.CONTEXT_LENGTH);
        assertThat(row).hasSize(77);
        assertThat(row[0]).isEqualTo(t.startToken());
        for (int i = 0; i < body.length; i++) {
            assertThat(row[i + 1]).isEqualTo(body[i]);
        }
        assertThat(row[body.length + 1]).isEqualTo(t.endToken());
        assertThat(t.length(row)).isEqualTo(body.length + 2);
        for (int i = body.length + 2; i < 77; i++) {
            assertThat(row[i]).isZero();
        }

        int[] longRow = t.tokens("cat ".repeat(200), 77);
        assertThat(t.encode("cat ".repeat(200)).length).isGreaterThan(77);
        assertThat(longRow[0]).isEqualTo(t.startToken());
        assertThat(longRow[76]).isEqualTo(t.endToken());
        assertThat(longRow[75]).isEqualTo(t.encode("cat")[0]);
        assertThat(t.length(longRow)).isEqualTo(77);

        int[] empty = t.tokens("   ", 77);
        assertThat(empty[0]).isEqualTo(t.startToken());
        assertThat(empty[1]).isEqualTo(t.endToken());
        assertThat(t.length(empty)).isEqualTo(2);
    }

    @Test
    void theFirstIdsAreTheByteSymbolsInTheReferencesOrder() throws Exception {
        ClipTokenizer t = ClipTokenizer.read(new ByteArrayInputStream("#v\na b".getBytes(StandardCharsets.UTF_8)));
        // '!' is the first printable byte (id 0, "!</w>" 256); 'a' is 64 places after it. The one merge (id 512) joins
        // "a" and "b", not "a" and the word-final "b</w>".
        assertThat(t.encode("!")).containsExactly(256);
        assertThat(t.encode("ab")).containsExactly(64, 256 + 65);
        assertThat(t.encode("abc")).containsExactly(512, 256 + 66);
        // A soft hyphen is UTF-8 C2 AD: 0xC2 is printable (id 126), 0xAD is not, so its symbol is the last of the 256.
        assertThat(t.encode("\u00ad")).containsExactly(126, 256 + 255);
        assertThat(t.startToken()).isEqualTo(513);
    }

    @Test
    void aBrokenVocabularyIsRefusedWithItsLine() {
        assertThatThrownBy(() -> ClipTokenizer.read(new ByteArrayInputStream("#v\na b\nabc\n".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IOException.class).hasMessageContaining("line 3");
        assertThatThrownBy(() -> ClipTokenizer.read(new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(IOException.class).hasMessageContaining("empty");
    }

    @Test
    void cleaningFollowsFtfyAndHtmlUnescape() {
        assertThat(ClipTextCleaner.clean("  Hello\t\tWORLD \u3000")).isEqualTo("hello world");
        assertThat(ClipTextCleaner.clean("\u201ccurly\u201d \u2018quotes\u2019")).isEqualTo("\"curly\" 'quotes'");
        assertThat(ClipTextCleaner.clean("\ufb01sh \ufb02y")).isEqualTo("fish fly");
        assertThat(ClipTextCleaner.clean("\uff26\uff35\uff2c\uff2c")).isEqualTo("full");
        assertThat(ClipTextCleaner.clean("e\u0301cole")).isEqualTo("\u00e9cole");
        assertThat(ClipTextCleaner.clean("tab\u001csep\u0007bell")).isEqualTo("tabsepbell");
        assertThat(ClipTextCleaner.clean("\u001b[31mred\u001b[0m")).isEqualTo("red");
        assertThat(ClipTextCleaner.clean("\u0093q\u0094 \u0080")).isEqualTo("\"q\" \u20ac");
        assertThat(ClipTextCleaner.clean("Tom &amp;amp; Jerry &lt;3")).isEqualTo("tom & jerry <3"); // unescaped twice
        assertThat(ClipTextCleaner.clean("&ampx &notit; &COPY;")).isEqualTo("&x \u00acit; \u00a9");
        assertThat(ClipTextCleaner.clean("&#65;&#x263A;&#0;&#128;&#xD800;&#99999999999;&#1;"))
                .isEqualTo("a\u263a\ufffd\u20ac\ufffd\ufffd");
        assertThat(ClipTextCleaner.clean("&unknownentity; &")).isEqualTo("&unknownentity; &");
    }

    /**
     * The ids of openai/CLIP's own tokenizer with its real vocabulary, for 42 strings (plain, punctuation,
     * contractions, accents, Greek, CJK, Korean, emoji, HTML entities, ftfy's fixes, numbers, a long text). The
     * vocabulary (1.3 MB, MIT) is not in the repository: give it with {@code -Dloupe.clip.vocab=FILE}, or have
     * {@code loupe models get clip-vit-b32} put it in the model cache.
     */
    @Test
    void encodesLikeOpenAisTokenizerWithTheRealVocabulary() throws Exception {
        String given = System.getProperty("loupe.clip.vocab");
        Path file = given != null ? Path.of(given)
                : ModelCache.standard().root().resolve("clip-vit-b32").resolve("bpe_simple_vocab_16e6.txt.gz");
        Assumptions.assumeTrue(Files.isRegularFile(file), "CLIP's bpe_simple_vocab_16e6.txt.gz is not here (" + file
                + "): run with -Dloupe.clip.vocab=FILE to compare with the goldens");
        ClipTokenizer t = ClipTokenizer.load(file);
        assertThat(t.startToken()).isEqualTo(49406);
        assertThat(t.endToken()).isEqualTo(49407);
        JsonNode g = new ObjectMapper().readTree(resource("openai-vocab.golden.json").toFile());
        List<String> wrong = new ArrayList<>();
        for (JsonNode s : g) {
            if (!java.util.Arrays.equals(t.encode(s.get("text").asText()), ints(s.get("ids")))) {
                wrong.add(s.get("text").asText());
            }
        }
        assertThat(g.size()).isEqualTo(42);
        assertThat(wrong).isEmpty();
    }
}
