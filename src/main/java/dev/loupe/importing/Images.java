package dev.loupe.importing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;

/** Small pixel operations shared by the decoder and the thumbnail cache. */
public final class Images {
    private Images() {
    }

    /**
     * Returns {@code src} as TYPE_INT_RGB; transparent pixels are composited onto white, so a
     * logo on a transparent background does not turn black.
     */
    public static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        if (isGreyWithoutDirectLoop(src)) {
            return greyToRgb(src);
        }
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.drawImage(src, 0, 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * Java 2D treats a grey colour space as linear, so drawing grey+alpha (or other custom grey)
     * images converts them as if they needed gamma and brightens mid-grey 128 to 188. Only the
     * plain BYTE_GRAY and USHORT_GRAY types are copied as stored.
     */
    private static boolean isGreyWithoutDirectLoop(BufferedImage src) {
        ColorModel cm = src.getColorModel();
        return cm instanceof ComponentColorModel
                && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && src.getType() != BufferedImage.TYPE_BYTE_GRAY
                && src.getType() != BufferedImage.TYPE_USHORT_GRAY;
    }

    private static BufferedImage greyToRgb(BufferedImage src) {
        ColorModel cm = src.getColorModel();
        Raster raster = src.getRaster();
        int w = src.getWidth();
        int h = src.getHeight();
        int bands = raster.getNumBands();
        boolean alpha = cm.hasAlpha() && bands > 1;
        double greyMax = (1L << cm.getComponentSize(0)) - 1;
        double alphaMax = alpha ? (1L << cm.getComponentSize(bands - 1)) - 1 : 1;
        boolean premultiplied = cm.isAlphaPremultiplied();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w * bands];
        int[] rgb = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                double g = row[x * bands] / greyMax;
                double a = alpha ? row[x * bands + bands - 1] / alphaMax : 1;
                // Composite onto white, as for colour images.
                double v = premultiplied ? g + (1 - a) : g * a + (1 - a);
                int b = (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
                rgb[x] = (b << 16) | (b << 8) | b;
            }
            out.setRGB(0, y, w, 1, rgb, 0, w);
        }
        return out;
    }

    /**
     * Scales an RGB image down so its longer side is at most {@code maxSide}, halving step by step
     * first: one bilinear jump from far larger aliases badly.
     */
    public static BufferedImage fitWithin(BufferedImage src, int maxSide) {
        if (maxSide < 1) {
            throw new IllegalArgumentException("maxSide must be positive: " + maxSide);
        }
        if (Math.max(src.getWidth(), src.getHeight()) <= maxSide) {
            return src;
        }
        int[] t = fittedSize(src.getWidth(), src.getHeight(), maxSide);
        return scaleTo(src, t[0], t[1]);
    }

    /** {@link #fittedSize(int, int, int)} of a {width, height} pair. */
    public static int[] fittedSize(int[] size, int maxSide) {
        return fittedSize(size[0], size[1], maxSide);
    }

    /** The size {@link #fitWithin} gives a {@code w}×{@code h} image: {width, height}. */
    public static int[] fittedSize(int w, int h, int maxSide) {
        if (Math.max(w, h) <= maxSide) {
            return new int[] {w, h};
        }
        double scale = (double) maxSide / Math.max(w, h);
        return new int[] {Math.max(1, (int) Math.round(w * scale)), Math.max(1, (int) Math.round(h * scale))};
    }

    /**
     * Scales an RGB image to exactly {@code tw}×{@code th}, halving step by step first when shrinking: one bilinear
     * jump from far larger aliases badly. Enlarging (by a few pixels at most, where a reduced decode came out a
     * little smaller than the size it must match) is one bilinear step.
     */
    public static BufferedImage scaleTo(BufferedImage src, int tw, int th) {
        BufferedImage cur = toRgb(src);
        while (cur.getWidth() / 2 >= tw && cur.getHeight() / 2 >= th) {
            cur = resize(cur, cur.getWidth() / 2, cur.getHeight() / 2);
        }
        if (cur.getWidth() != tw || cur.getHeight() != th) {
            cur = resize(cur, tw, th);
        }
        return cur;
    }

    private static BufferedImage resize(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * Applies an EXIF orientation (1..8) to an RGB image so it shows upright. Values outside 2..8
     * return the image unchanged.
     */
    public static BufferedImage orient(BufferedImage src, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return src;
        }
        int sw = src.getWidth();
        int sh = src.getHeight();
        boolean swap = orientation >= 5;
        int dw = swap ? sh : sw;
        int dh = swap ? sw : sh;
        int[] in = src.getRGB(0, 0, sw, sh, null, 0, sw);
        int[] out = new int[in.length];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                int dx;
                int dy;
                switch (orientation) {
                    case 2 -> { dx = sw - 1 - x; dy = y; }            // mirror horizontal
                    case 3 -> { dx = sw - 1 - x; dy = sh - 1 - y; }   // rotate 180
                    case 4 -> { dx = x; dy = sh - 1 - y; }            // mirror vertical
                    case 5 -> { dx = y; dy = x; }                     // transpose
                    case 6 -> { dx = sh - 1 - y; dy = x; }            // rotate 90 clockwise
                    case 7 -> { dx = sh - 1 - y; dy = sw - 1 - x; }   // transverse
                    default -> { dx = y; dy = sw - 1 - x; }           // 8: rotate 90 counter-clockwise
                }
                out[dy * dw + dx] = in[y * sw + x];
            }
        }
        BufferedImage result = new BufferedImage(dw, dh, BufferedImage.TYPE_INT_RGB);
        result.setRGB(0, 0, dw, dh, out, 0, dw);
        return result;
    }
}
