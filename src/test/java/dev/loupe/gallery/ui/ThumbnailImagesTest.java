package dev.loupe.gallery.ui;

import javafx.application.Platform;
import javafx.scene.image.Image;
import javafx.scene.paint.Color;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(ApplicationExtension.class)
class ThumbnailImagesTest {

    @TempDir
    Path dir;

    /** What a target was shown, on which thread. */
    private record Shown(long imageId, Image image, boolean onFxThread) {
    }

    private static Path picture(Path file, int w, int h, String format) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(java.awt.Color.RED);
        g.fillRect(0, 0, w / 2, h);
        g.setColor(java.awt.Color.BLUE);
        g.fillRect(w / 2, 0, w - w / 2, h);
        g.dispose();
        ImageIO.write(img, format, file.toFile());
        return file;
    }

    @Test
    void aThumbnailArrivesAtTileSizeOnTheFxThreadAndIsKept() throws Exception {
        Path thumb = picture(dir.resolve("t.jpg"), 256, 192, "jpg");
        ThumbnailImages thumbs = new ThumbnailImages(10, 128);
        List<Shown> shown = new ArrayList<>();
        ThumbnailImages.Target target = (id, img) -> shown.add(new Shown(id, img, Platform.isFxApplicationThread()));

        assertThat(fx(() -> thumbs.request(7, thumb, null, target))).as("not in memory yet").isFalse();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(shown::size) == 1);

        Shown s = fx(() -> shown.get(0));
        assertThat(s.imageId()).isEqualTo(7);
        assertThat(s.onFxThread()).isTrue();
        assertThat(s.image().getWidth()).isEqualTo(128);
        assertThat(s.image().getHeight()).isEqualTo(96);
        Color left = s.image().getPixelReader().getColor(10, 48);
        Color right = s.image().getPixelReader().getColor(118, 48);
        assertThat(left.getRed()).isGreaterThan(0.8);
        assertThat(left.getBlue()).isLessThan(0.2);
        assertThat(right.getBlue()).isGreaterThan(0.8);
        assertThat(right.getRed()).isLessThan(0.2);

        assertThat(fx(() -> thumbs.request(7, thumb, null, target))).as("kept in memory").isTrue();
        assertThat(fx(() -> shown.get(1).image())).isSameAs(s.image());
        assertThat(fx(thumbs::pendingCount)).isZero();
    }

    @Test
    void aMissingOrDamagedThumbnailFallsBackToTheOriginalAndAnUnreadableOneGivesNull() throws Exception {
        Path original = picture(dir.resolve("o.png"), 200, 100, "png");
        Path damaged = dir.resolve("d.jpg");
        Files.write(damaged, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3, 4, 5});
        Path nothing = dir.resolve("gone.jpg");
        Path notAnImage = Files.writeString(dir.resolve("notes.png"), "not an image");
        ThumbnailImages thumbs = new ThumbnailImages(10, 128);
        List<Shown> shown = new ArrayList<>();
        ThumbnailImages.Target target = (id, img) -> shown.add(new Shown(id, img, Platform.isFxApplicationThread()));

        fx(() -> {
            thumbs.request(1, damaged, original, target);
            thumbs.request(2, nothing, original, target);
            thumbs.request(3, null, original, target);
            thumbs.request(4, nothing, notAnImage, target);
            return null;
        });
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(shown::size) == 4);

        for (Shown s : fx(() -> List.copyOf(shown))) {
            if (s.imageId() == 4) {
                assertThat(s.image()).as("neither file is an image").isNull();
            } else {
                assertThat(s.image()).as("image %d from its original", s.imageId()).isNotNull();
                assertThat(s.image().getWidth()).isEqualTo(2 * s.image().getHeight());
                assertThat(s.image().getWidth()).isLessThanOrEqualTo(128);
            }
        }
        assertThat(fx(() -> thumbs.request(4, nothing, notAnImage, target))).as("not tried again").isTrue();
        assertThat(fx(() -> shown.get(4).image())).isNull();
    }

    @Test
    void aCancelledRequestReachesNobodyAndIsNotKept() throws Exception {
        Path thumb = picture(dir.resolve("t.jpg"), 256, 256, "jpg");
        Path other = picture(dir.resolve("u.jpg"), 256, 256, "jpg");
        ThumbnailImages thumbs = new ThumbnailImages(10, 128);
        List<Long> shown = new ArrayList<>();
        ThumbnailImages.Target target = (id, img) -> shown.add(id);

        fx(() -> {
            thumbs.request(1, thumb, null, target);
            thumbs.cancel(1, target); // the tile showed another image before the picture came
            thumbs.request(2, other, null, target);
            return null;
        });
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(shown::size) == 1);
        WaitForAsyncUtils.sleep(300, TimeUnit.MILLISECONDS);

        assertThat(fx(() -> List.copyOf(shown))).containsExactly(2L);
        assertThat(fx(thumbs::cachedCount)).isEqualTo(1);
        assertThat(fx(thumbs::pendingCount)).isZero();
    }

    private static <T> T fx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }
}
