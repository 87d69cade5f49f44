package dev.loupe.bench;

import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ImageFolderTest {

    @Test
    void withoutTrainTestItSplitsEachClassAndNeverSharesAnImage(@TempDir Path dir) throws Exception {
        TestImages.imageFolder(dir, 3, 10);
        ImageFolder f = ImageFolder.scan(dir, 0.2, 0, 0);
        assertThat(f.classes()).containsExactly("class0", "class1", "class2");
        assertThat(f.test()).hasSize(6);
        assertThat(f.pool()).hasSize(24);
        Set<String> pool = new HashSet<>();
        f.pool().forEach(i -> pool.add(i.relPath()));
        assertThat(f.test()).noneMatch(i -> pool.contains(i.relPath()));
        assertThat(f.test()).allMatch(i -> i.relPath().startsWith(f.classes().get(i.label()) + "/"));
    }

    @Test
    void trainAndTestFoldersAreUsedAsTheyAreAndCapsAreStratified(@TempDir Path dir) throws Exception {
        TestImages.imageFolder(dir.resolve("train"), 2, 10);
        TestImages.imageFolder(dir.resolve("test"), 2, 4);
        ImageFolder f = ImageFolder.scan(dir, 0.5, 10, 0);
        assertThat(f.test()).hasSize(8).allMatch(i -> i.relPath().startsWith("test/"));
        assertThat(f.pool()).hasSize(10).allMatch(i -> i.relPath().startsWith("train/"));
        assertThat(f.pool().stream().filter(i -> i.label() == 0)).hasSize(5);
    }
}
