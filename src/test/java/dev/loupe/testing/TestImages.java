package dev.loupe.testing;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small real images for tests, drawn so that each class looks different (colour and shape). */
public final class TestImages {

    private TestImages() {
    }

    /** A PNG of a shape whose colour and form depend on {@code cls}, jittered by {@code seed}. */
    public static Path png(Path file, int cls, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        Random r = new Random(seed * 31 + cls);
        int size = 48;
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        float hue = (cls * 0.23f) % 1f;
        g.setColor(Color.getHSBColor(hue, 0.8f, 0.5f + 0.4f * r.nextFloat()));
        int x = 4 + r.nextInt(8);
        int y = 4 + r.nextInt(8);
        int w = 24 + r.nextInt(12);
        switch (cls % 3) {
            case 0 -> g.fillOval(x, y, w, w);
            case 1 -> g.fillRect(x, y, w, w / 2 + 4);
            default -> g.fillPolygon(new int[] {x, x + w, x + w / 2}, new int[] {y + w, y + w, y}, 3);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    /** An ImageFolder tree: {@code root/class<k>/img<i>.png}, {@code perClass} images of each of {@code classes}. */
    public static Path imageFolder(Path root, int classes, int perClass) throws IOException {
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < perClass; i++) {
                png(root.resolve("class" + c).resolve("img" + i + ".png"), c, i);
            }
        }
        return root;
    }
}
