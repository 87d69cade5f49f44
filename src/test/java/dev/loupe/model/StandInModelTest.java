package dev.loupe.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandInModelTest {

    @TempDir
    Path dir;

    @Test
    void committedModelZeroIsExactlyWhatTheGeneratorWrites() throws Exception {
        Path fresh = dir.resolve("model-zero.zip");
        StandInModel.main(new String[] {"write", fresh.toString()});
        assertThat(BackboneFiles.sha256(fresh))
                .as("models/model-zero.zip is stale: regenerate it as models/README.md says")
                .isEqualTo(BackboneFiles.sha256(BackboneLoader.locateModelZero()));
        assertThat(BackboneFiles.readMetadata(fresh)).isEqualTo(StandInModel.metadata());
        assertThat(StandInModel.metadata().dim()).isEqualTo(240);
    }

    @Test
    void modelZeroIsSmall() throws IOException {
        assertThat(java.nio.file.Files.size(BackboneLoader.locateModelZero())).isLessThan(2_000_000);
    }
}
