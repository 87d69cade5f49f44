package dev.loupe.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.deeplearning4j.common.resources.DL4JResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offline behaviour of zoo backbones: fast, clear failure and no cache debris. */
class ZooBackboneTest {

    @TempDir
    Path cache;

    private String baseUrl;

    @BeforeEach
    void useTempCache() {
        baseUrl = DL4JResources.getBaseDownloadURL();
        DL4JResources.setBaseDirectory(cache.toFile());
    }

    @AfterEach
    void restore() {
        DL4JResources.setBaseDownloadURL(baseUrl);
        DL4JResources.resetBaseDirectoryLocation();
    }

    private static List<Path> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(root::relativize).filter(p -> !p.toString().isEmpty()).sorted().toList();
        }
    }

    private static boolean resolvable(String host) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    InetAddress.getByName(host);
                    return true;
                } catch (UnknownHostException e) {
                    return false;
                }
            }).get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void offlineFailsFastWithAClearMessageAndLeavesNothing() throws Exception {
        String host = new URL(DL4JResources.getBaseDownloadURL()).getHost();
        assumeFalse(resolvable(host), "this machine can reach " + host + "; the offline case cannot be tested here");
        // Something that was there before must survive the clean-up.
        Path before = Files.createDirectories(cache.resolve("models/other"));
        Files.writeString(before.resolve("keep.txt"), "keep");

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ZooBackbone.load(ZooBackbone.Kind.SQUEEZENET))
                .isInstanceOf(BackboneException.class)
                .hasMessageStartingWith("could not download squeezenet pretrained weights (offline?). Use Model Zero,"
                        + " which ships with Loupe, or a .h5/.zip base model file.");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(tree(cache)).containsExactly(Path.of("models"), Path.of("models/other"),
                Path.of("models/other/keep.txt"));
    }

    @Test
    void createdFoldersAreRemovedButExistingOnesKept() throws Exception {
        DL4JResources.setBaseDownloadURL("http://127.0.0.1:" + closedPort() + "/");
        assertThatThrownBy(() -> ZooBackbone.load(ZooBackbone.Kind.RESNET50))
                .hasMessageContaining("could not download resnet50 pretrained weights (offline?)");
        assertThat(tree(cache)).isEmpty();

        Files.createDirectories(cache.resolve("models/resnet50")); // e.g. left by an earlier DL4J run
        assertThatThrownBy(() -> ZooBackbone.load(ZooBackbone.Kind.RESNET50)).isInstanceOf(BackboneException.class);
        assertThat(tree(cache)).containsExactly(Path.of("models"), Path.of("models/resnet50"));
    }

    @Test
    void aSilentServerDoesNotHang() throws Exception {
        // Accepts connections (the backlog does) but never answers.
        try (ServerSocket silent = new ServerSocket(0)) {
            DL4JResources.setBaseDownloadURL("http://127.0.0.1:" + silent.getLocalPort() + "/");
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> ZooBackbone.load(ZooBackbone.Kind.SQUEEZENET, null, Duration.ofSeconds(1),
                    Duration.ofSeconds(1)))
                    .isInstanceOf(BackboneException.class)
                    .hasMessageContaining("could not download squeezenet pretrained weights (offline?)");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
        assertThat(tree(cache)).isEmpty();
    }

    @Test
    void unknownNamesAreListed() {
        assertThatThrownBy(() -> ZooBackbone.Kind.parse("alexnet"))
                .hasMessageContaining("unknown zoo model 'alexnet'").hasMessageContaining("squeezenet");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort(); // closed again when this returns: connections are refused
        }
    }

}
