package dev.loupe.importing;

import dev.loupe.backbone.Backbone;

import dev.loupe.importing.ImageDecoder;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ImageStatus;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.FailingDecoder;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EmbedderTest {

    @TempDir
    Path tmp;

    @Test
    void anExceptionOrErrorOnADecodeThreadFailsThatImageWithItsReasonAndTheRestIsEmbedded() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 4); // img0..img3 in each of 3 folders
        Path project = tmp.resolve("p.loupe");
        CliRun r = CliRun.run("import", project.toString(), data.toString(), "--no-embed");
        assertThat(r.exitCode()).as(r.err()).isZero();
        ImageDecoder failing = FailingDecoder.failingOn("img1.png", "img2.png");
        try (ProjectStore store = ProjectStore.open(project, false); Backbone backbone = ProjectBackbone.load(store)) {
            Embedder.Result result = new Embedder(store, backbone, failing, 3, 4).run(Embedder.Listener.NONE, () -> false);

            assertThat(result.embedded()).isEqualTo(6);
            assertThat(result.failed()).isEqualTo(6);
            assertThat(result.cancelled()).isFalse();
            assertThat(store.embeddings(backbone.id()).ids()).hasSize(6);
            for (ImageRecord im : store.images()) {
                String name = im.path().getFileName().toString();
                switch (name) {
                    case "img1.png" -> assertThat(im.statusReason())
                            .isEqualTo("internal error while decoding: java.lang.IllegalStateException: injected");
                    case "img2.png" -> assertThat(im.statusReason())
                            .isEqualTo("internal error while decoding: java.lang.AssertionError: injected error");
                    default -> assertThat(im.status()).as(name).isEqualTo(ImageStatus.OK);
                }
                if (name.equals("img1.png") || name.equals("img2.png")) {
                    assertThat(im.status()).as(name).isEqualTo(ImageStatus.FAILED);
                }
            }
        }
    }
}
