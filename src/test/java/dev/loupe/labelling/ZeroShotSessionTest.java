package dev.loupe.labelling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.gallery.GalleryFilter;
import dev.loupe.gallery.GalleryOrder;
import dev.loupe.project.EmbeddingSet;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import dev.loupe.testing.TinyClip;
import dev.loupe.training.Head;
import dev.loupe.training.Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Classes from their names on a CLIP project, end to end on the tiny generated pair (scripts/onnx/make_tiny_clip.py):
 * images embedded by the ONNX image model, class texts by the ONNX text model through the Java tokenizer, the head's
 * logits checked against 100·cosine with the text embeddings PyTorch computed.
 */
class ZeroShotSessionTest {

    @TempDir
    Path tmp;
    private Path projectDir;
    private ProjectStore store;
    private LabellingSession session;
    private JsonNode golden;

    @BeforeEach
    void setUp() throws Exception {
        golden = TinyClip.golden();
        Path models = tmp.resolve("downloads");
        Files.createDirectories(models);
        for (String f : new String[] {"tiny-visual.onnx", "tiny-textual.onnx", "tiny-vocab.txt.gz"}) {
            Files.copy(TinyClip.file(f), models.resolve(f));
        }
        projectDir = tmp.resolve("p.loupe");
        CliRun created = CliRun.run("new", projectDir.toString(), "--backbone", models.resolve("tiny-visual.onnx") + "#image_embeds",
                "--preprocessing", "clip", "--text-model", models.resolve("tiny-textual.onnx").toString(),
                "--vocabulary", models.resolve("tiny-vocab.txt.gz").toString(), "--json");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.json().get("text_model").asBoolean()).isTrue();
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 10);
        CliRun imported = CliRun.run("import", projectDir.toString(), data.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        store = ProjectStore.open(projectDir, false);
        session = LabellingSession.open(store, LabellingSession.Options.defaults());
    }

    @AfterEach
    void tearDown() {
        if (session != null) {
            session.close();
        }
        store.close();
    }

    private float[] goldenClass(String name) {
        for (JsonNode c : golden.get("classes")) {
            if (c.get("name").asText().equals(name)) {
                float[] v = new float[c.get("embedding").size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) c.get("embedding").get(i).asDouble();
                }
                return v;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private float[][] embeddings() {
        EmbeddingSet set = store.embeddings(session.backbone().id());
        float[][] x = new float[set.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = set.vectors()[i];
            assertThat(session.rowOf(set.ids()[i])).isEqualTo(i);
        }
        return x;
    }

    private static double cos100(float[] x, float[] t) {
        double dot = 0, nx = 0, nt = 0;
        for (int i = 0; i < x.length; i++) {
            dot += (double) x[i] * t[i];
            nx += (double) x[i] * x[i];
            nt += (double) t[i] * t[i];
        }
        return 100 * dot / Math.sqrt(nx * nt);
    }

    private float[][] headLogits() {
        Head h = Head.fromState(session.latest().headState());
        return h.logits(Nd4j.create(embeddings()));
    }

    private void assertZeroShot(float[][] z, List<String> names) {
        float[][] x = embeddings();
        for (int i = 0; i < x.length; i++) {
            double norm = 0;
            for (float v : x[i]) norm += v * v;
            assertThat(norm).as("image embeddings are L2-normalised").isCloseTo(1.0, within(1e-5));
            for (int c = 0; c < names.size(); c++) {
                if (names.get(c) == null) continue;
                assertThat((double) z[i][c]).as("row %d, class %s", i, names.get(c))
                        .isCloseTo(cos100(x[i], goldenClass(names.get(c))), within(1e-3));
            }
        }
    }

    @Test
    void classesFromTheirNamesPredictAndRankBeforeTheFirstLabelExactlyAsClipWould() {
        LabelClass cat = session.addClass("cat", null, null);
        LabelClass dog = session.addClass("dog", null, null);
        assertThat(store.classText(cat.id())).isPresent();
        Snapshot s = session.latest();
        assertThat(s.labelCount()).isZero();
        assertThat(s.activeClassCount()).isEqualTo(2);
        assertThat(s.coldStart()).isFalse();
        assertZeroShot(headLogits(), List.of("cat", "dog"));

        // The gallery before any label: unlabelled images by the margin of softmax(100·cos), smallest margin first.
        float[][] x = embeddings();
        double[] margin = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double d = cos100(x[i], goldenClass("cat")) - cos100(x[i], goldenClass("dog"));
            double p = 1 / (1 + Math.exp(-d));
            margin[i] = Math.abs(2 * p - 1);
        }
        long[] ids = new long[x.length];
        for (int i = 0; i < ids.length; i++) ids[i] = session.imageIdAt(i);
        long[] gallery = GalleryOrder.of(s, ids, store.currentLabels(), session.columns(), GalleryFilter.UNLABELLED);
        assertThat(gallery).hasSize(30);
        for (int k = 0; k + 1 < gallery.length; k++) {
            assertThat(margin[session.rowOf(gallery[k])]).as("gallery position %d", k)
                    .isLessThanOrEqualTo(margin[session.rowOf(gallery[k + 1])] + 1e-5);
        }
        float[] p = session.probabilities(gallery[0]);
        assertThat(p[0] + p[1]).isCloseTo(1f, within(1e-5f));
        assertThat(session.queue(dev.loupe.ranking.QueryStrategy.MARGIN, 5)).extracting(LabellingSession.QueueItem::imageId)
                .containsExactly(Arrays.stream(gallery, 0, 5).boxed().toArray(Long[]::new));
    }

    @Test
    void renameDeleteUndoReopenAndRetrainKeepTheTextStartWithoutTheTextModel() throws Exception {
        LabelClass cat = session.addClass("cat", null, null);
        LabelClass dog = session.addClass("dog", null, null);
        LabelClass tree = session.addClass("tree", null, null);
        session.renameClass(dog.id(), "bird"); // no labels yet: the class now predicts from its new name
        assertThat(store.classText(dog.id()).orElseThrow().text()).isEqualTo("bird");
        assertZeroShot(headLogits(), List.of("cat", "bird", "tree"));
        session.deleteClass(tree.id());
        assertThat(session.latest().activeClassCount()).isEqualTo(2);
        float[][] before = headLogits();

        long img = session.imageIdAt(3);
        session.label(img, cat.id()).join();
        assertThat(session.latest().labelCount()).isEqualTo(1);
        assertThat(headLogits()[5][1]).isNotEqualTo(before[5][1]); // a label refines the text columns
        session.undo().join();
        float[][] undone = headLogits();
        for (int i = 0; i < before.length; i++) assertThat(undone[i]).containsExactly(before[i]);

        // Reopen without the text model: the stored texts give the same head.
        session.close();
        session = null;
        Files.delete(projectDir.resolve("tiny-textual.onnx"));
        session = LabellingSession.open(store, LabellingSession.Options.defaults());
        float[][] reopened = headLogits();
        assertZeroShot(reopened, Arrays.asList("cat", "bird", null));
        assertThat(session.latest().activeClassCount()).isEqualTo(2);

        session.label(img, cat.id()).join();
        session.label(session.imageIdAt(20), dog.id()).join();
        var r = session.retrain(10, 0.0);
        assertThat(r.snapshot().activeClassCount()).isEqualTo(2);
        Map<Long, Long> labels = new HashMap<>(store.currentLabels());
        assertThat(labels).hasSize(2);
        // Adding a class now needs the text model, which is gone: a clear error, nothing added.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> session.addClass("car", null, null))
                .hasMessageContaining("text model").hasMessageContaining("tiny-textual.onnx");
        assertThat(store.classes()).extracting(LabelClass::name).containsExactly("cat", "bird");
    }
}
