package dev.loupe.app;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LauncherTest {

    @Test
    void noArgumentOrAProjectFolderOpensTheAppAnythingElseIsTheCli() {
        String headless = System.getProperty("java.awt.headless");

        assertThat(Launcher.opensApp(new String[0])).isTrue();
        assertThat(Launcher.opensApp(new String[] {"birds.loupe"})).isTrue();
        assertThat(Launcher.opensApp(new String[] {"status"})).isFalse();
        assertThat(Launcher.opensApp(new String[] {"--help"})).isFalse();
        assertThat(Launcher.opensApp(new String[] {"status", "birds.loupe"})).isFalse();
        assertThat(System.getProperty("java.awt.headless")).as("left as it was").isEqualTo(headless);
    }
}
