package dev.loupe.importing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThumbnailCacheTest {
    @TempDir
    Path thumbs;

    private static final String HASH = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";

    @Test
    void storesShardedJpegNoLargerThanTheSide() throws Exception {
        ThumbnailCache cache = new ThumbnailCache(thumbs);
        assertThat(cache.get(HASH)).isEmpty();
        Path p = cache.put(HASH, AwkwardFiles.redBlue(1000, 500));
        assertThat(p).isEqualTo(thumbs.resolve("ab").resolve(HASH + ".jpg"));
        assertThat(cache.get(HASH)).contains(p);
        BufferedImage back = ImageIO.read(p.toFile());
        assertThat(back.getWidth()).isEqualTo(256);
        assertThat(back.getHeight()).isEqualTo(128);
        try (Stream<Path> s = Files.list(p.getParent())) {
            assertThat(s).containsExactly(p);  // no temporary file left behind
        }
    }

    @Test
    void smallImagesAreNotEnlargedAndReplacingWorks() throws Exception {
        ThumbnailCache cache = new ThumbnailCache(thumbs);
        cache.put(HASH, AwkwardFiles.redBlue(1000, 500));
        Path p = cache.put(HASH, AwkwardFiles.redBlue(40, 30));
        BufferedImage back = ImageIO.read(p.toFile());
        assertThat(back.getWidth()).isEqualTo(40);
        assertThat(back.getHeight()).isEqualTo(30);
    }

    @Test
    void transparentImagesBecomeOpaqueJpegs() throws Exception {
        ThumbnailCache cache = new ThumbnailCache(thumbs);
        BufferedImage argb = new BufferedImage(20, 20, BufferedImage.TYPE_INT_ARGB);
        BufferedImage back = ImageIO.read(cache.put(HASH, argb).toFile());
        assertThat(back.getRGB(10, 10) & 0xFFFFFF).isEqualTo(0xFFFFFF);
    }

    @Test
    void refusesNamesThatAreNotHashes() {
        ThumbnailCache cache = new ThumbnailCache(thumbs);
        assertThatThrownBy(() -> cache.pathFor("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cache.pathFor("ab")).isInstanceOf(IllegalArgumentException.class);
    }
}
