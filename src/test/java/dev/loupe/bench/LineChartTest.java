package dev.loupe.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class LineChartTest {

    @Test
    void writesAPngWithTheSeriesDrawn(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sub/curves.png");
        new LineChart("t", "labels", "accuracy").size(400, 300)
                .add("a", new int[] {10, 20, 30}, new double[] {0.5, 0.6, 0.7}, false)
                .add("b", new int[] {10, 20, 30}, new double[] {0.4, Double.NaN, 0.65}, true)
                .write(f);
        BufferedImage img = ImageIO.read(f.toFile());
        assertThat(img.getWidth()).isEqualTo(400);
        int blue = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xffffff) == 0x1f77b4) blue++;
        }
        assertThat(blue).as("first series' colour").isGreaterThan(20);
    }

    @Test
    void ticksAreRoundAndCoverTheRange() {
        assertThat(LineChart.ticks(20, 500)).startsWith(0.0, 100.0).endsWith(500.0);
        assertThat(LineChart.ticks(0.41, 0.83)[0]).isLessThanOrEqualTo(0.41);
    }
}
