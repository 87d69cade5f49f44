package dev.loupe.project;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class RecentProjectsTest {

    @Test
    void newestFirstWithoutRepeatsOrVanishedFoldersAndSurvivesANewInstance(@TempDir Path tmp) throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a.loupe"));
        Path b = Files.createDirectories(tmp.resolve("b.loupe"));
        Path gone = Files.createDirectories(tmp.resolve("gone.loupe"));
        RecentProjects recent = new RecentProjects(tmp.resolve("home/recent.txt"));
        assertThat(recent.list()).isEmpty();
        recent.add(a);
        recent.add(gone);
        recent.add(b);
        recent.add(a);
        Files.delete(gone);
        assertThat(new RecentProjects(tmp.resolve("home/recent.txt")).list()).containsExactly(a, b);
        for (int i = 0; i < RecentProjects.MAX + 3; i++) {
            recent.add(Files.createDirectories(tmp.resolve("p" + i)));
        }
        assertThat(recent.list()).hasSize(RecentProjects.MAX);
    }
}
