package dev.loupe.backbone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The random-init stand-in is no longer models/model-zero.zip, but stays as a reproducible baseline. */
class StandInModelTest {

    @TempDir
    Path dir;

    @Test
    void generatorIsReproducible() throws Exception {
        Path a = dir.resolve("a.zip");
        Path b = dir.resolve("b.zip");
        StandInModel.main(new String[] {"write", a.toString()});
        StandInModel.main(new String[] {"write", b.toString()});
        assertThat(BackboneFiles.sha256(a)).isEqualTo(BackboneFiles.sha256(b));
        assertThat(BackboneFiles.readMetadata(a)).isEqualTo(StandInModel.metadata());
        assertThat(StandInModel.metadata().dim()).isEqualTo(240);
    }
}
