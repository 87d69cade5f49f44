package dev.loupe.importing;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SampleProjectTest {

    @Test
    void theSampleLivesUnderLoupeHomeAndItsImagesAreFoundFromTheRepository() {
        String before = System.getProperty(SampleProject.HOME_PROPERTY);
        try {
            System.setProperty(SampleProject.HOME_PROPERTY, "/tmp/some-home");
            assertThat(SampleProject.projectDir()).isEqualTo(Path.of("/tmp/some-home/sample.loupe"));
        } finally {
            if (before == null) {
                System.clearProperty(SampleProject.HOME_PROPERTY);
            } else {
                System.setProperty(SampleProject.HOME_PROPERTY, before);
            }
        }
        // tests run in the repository (or its classes folder is below it)
        assertThat(SampleProject.locateImages()).hasValueSatisfying(p -> assertThat(Files.isDirectory(p.resolve("labelled"))).isTrue());
    }
}
