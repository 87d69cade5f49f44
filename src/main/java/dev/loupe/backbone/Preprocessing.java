package dev.loupe.backbone;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How an image becomes network input; stored in every model file so that embedding, export and
 * prediction all see exactly the same numbers.
 *
 * <p>A pixel channel value {@code p} in 0..255 becomes {@code (p / 255 - mean[c]) / std[c]}.
 * {@code mean = 0, std = 1} gives [0,1]; ImageNet mean subtraction on the 0..255 scale is
 * {@code mean = m/255, std = 1/255}.
 *
 * @param width  network input width in pixels
 * @param height network input height in pixels
 * @param color  RGB or BGR (3 channels, in that order) or GREY (1 channel, BT.601 luma)
 * @param resize how an image of another shape is fitted to width x height
 * @param layout NCHW (DL4J's own convolution layers) or NHWC (Keras channels_last imports)
 * @param mean   per-channel mean on the [0,1] scale, one value per channel (in the channel order of {@code color})
 * @param std    per-channel standard deviation on the [0,1] scale, one value per channel
 * @param resizeShortSide with {@link ResizeMode#CENTER_CROP}: the image's short side is first scaled to this many
 *               pixels and the centre width x height cut from it (ImageNet's "resize 256, centre crop 224");
 *               0 (the default, and what files without the field mean) cuts the largest centred rectangle of the
 *               target's aspect ratio, i.e. the short side is scaled to the input size itself
 */
public record Preprocessing(int width, int height, ColorMode color, ResizeMode resize, Layout layout,
                            float[] mean, float[] std,
                            @JsonInclude(JsonInclude.Include.NON_DEFAULT) int resizeShortSide) {

    /** Channels the network sees. BGR is RGB with the first and last channel swapped (Caffe-era models). */
    public enum ColorMode { RGB, GREY, BGR }

    /** How to fit an image to the input size. */
    public enum ResizeMode {
        /** Stretch the whole image to width x height (aspect ratio not kept). */
        SQUASH,
        /** Scale the shorter side to fit, then cut the centre (aspect ratio kept, borders lost). */
        CENTER_CROP
    }

    /** Memory order of one batch. */
    public enum Layout { NCHW, NHWC }

    public Preprocessing {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("input size must be positive: " + width + "x" + height);
        }
        Objects.requireNonNull(color, "color");
        Objects.requireNonNull(resize, "resize");
        Objects.requireNonNull(layout, "layout");
        if (resizeShortSide < 0 || resizeShortSide > 0 && resize != ResizeMode.CENTER_CROP) {
            throw new IllegalArgumentException("resizeShortSide " + resizeShortSide + " needs CENTER_CROP and must be >= 0");
        }
        if (resizeShortSide > 0 && resizeShortSide < Math.min(width, height)) {
            throw new IllegalArgumentException("resizeShortSide " + resizeShortSide + " is smaller than the crop "
                    + width + "x" + height);
        }
        int c = color == ColorMode.GREY ? 1 : 3;
        if (mean == null || std == null || mean.length != c || std.length != c) {
            throw new IllegalArgumentException("mean and std need " + c + " values for " + color);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be > 0: " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Without a separate short-side resize (the form every file before {@code resizeShortSide} had). */
    public Preprocessing(int width, int height, ColorMode color, ResizeMode resize, Layout layout,
                         float[] mean, float[] std) {
        this(width, height, color, resize, layout, mean, std, 0);
    }

    /** Pixels scaled to [0,1], NCHW. */
    public static Preprocessing unitScale(int width, int height, ColorMode color, ResizeMode resize) {
        int c = color == ColorMode.GREY ? 1 : 3;
        float[] ones = new float[c];
        Arrays.fill(ones, 1f);
        return new Preprocessing(width, height, color, resize, Layout.NCHW, new float[c], ones);
    }

    /** ImageNet mean subtracted on the 0..255 scale, RGB order (DL4J's VGG16ImagePreProcessor). */
    public static Preprocessing imagenetMeanSubtraction(int width, int height) {
        return new Preprocessing(width, height, ColorMode.RGB, ResizeMode.CENTER_CROP, Layout.NCHW,
                new float[] {123.68f / 255f, 116.779f / 255f, 103.939f / 255f},
                new float[] {1f / 255f, 1f / 255f, 1f / 255f});
    }

    /**
     * ImageNet's evaluation transform as torchvision documents it: RGB, short side scaled to {@code 256/224} of the
     * crop, centre crop, {@code /255}, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
     */
    public static Preprocessing imagenet(int width, int height, Layout layout) {
        return new Preprocessing(width, height, ColorMode.RGB, ResizeMode.CENTER_CROP, layout,
                new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f},
                Math.round(Math.min(width, height) * 256f / 224f));
    }

    public Preprocessing withLayout(Layout newLayout) {
        return new Preprocessing(width, height, color, resize, newLayout, mean, std, resizeShortSide);
    }

    /**
     * The longest side to decode images at: twice what the network sees, so the resize has pixels to average
     * (and so a short-side resize of an image up to 2:1 still shrinks).
     */
    @JsonIgnore
    public int decodeSide() {
        return 2 * Math.max(Math.max(width, height), resizeShortSide);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @JsonIgnore
    public int channels() {
        return color == ColorMode.GREY ? 1 : 3;
    }

    /** Floats per image. */
    @JsonIgnore
    public int inputLength() {
        return channels() * width * height;
    }

    /** Shape of a batch of {@code n} images in this layout. */
    public long[] batchShape(int n) {
        return layout == Layout.NCHW
                ? new long[] {n, channels(), height, width}
                : new long[] {n, height, width, channels()};
    }

    /** Converts a batch into one network input array (shape {@link #batchShape}). */
    public INDArray toInput(List<BufferedImage> images) {
        int n = images.size();
        float[] buffer = new float[n * inputLength()];
        Converter converter = newConverter();
        for (int i = 0; i < n; i++) {
            converter.convert(images.get(i), buffer, i * inputLength());
        }
        return Nd4j.create(buffer, batchShape(n), 'c');
    }

    /**
     * The images fitted to width x height on white as RGB 0..255, {@code n x height x width x 3} floats: what an
     * exported ONNX model takes (see {@link Converter#fittedRgb}).
     */
    public float[] fittedRgb(List<BufferedImage> images) {
        float[] out = new float[images.size() * 3 * width * height];
        Converter converter = newConverter();
        for (int i = 0; i < images.size(); i++) {
            converter.fittedRgb(images.get(i), out, i * 3 * width * height);
        }
        return out;
    }

    /** Converts one image into {@code dst[offset .. offset + inputLength())}. */
    public void convert(BufferedImage image, float[] dst, int offset) {
        newConverter().convert(image, dst, offset);
    }

    /**
     * A converter with its own scratch image; reuse one per thread for a batch to avoid allocating
     * a width x height image per picture.
     */
    public Converter newConverter() {
        return new Converter();
    }

    /** Reusable, single-threaded image-to-floats converter for this preprocessing. */
    public final class Converter {
        private final BufferedImage scratch = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        private final int[] pixels = ((DataBufferInt) scratch.getRaster().getDataBuffer()).getData();
        // Lookup tables: (p/255 - mean)/std for every byte value, per channel.
        private final float[][] table = new float[channels()][256];

        private Converter() {
            for (int c = 0; c < channels(); c++) {
                for (int p = 0; p < 256; p++) {
                    table[c][p] = (p / 255f - mean[c]) / std[c];
                }
            }
        }

        public void convert(BufferedImage image, float[] dst, int offset) {
            Objects.requireNonNull(image, "image");
            draw(image);
            int plane = width * height;
            if (color != ColorMode.GREY) {
                // Tables indexed by source channel (R, G, B); BGR writes them in the other order.
                boolean bgr = color == ColorMode.BGR;
                float[] tr = table[bgr ? 2 : 0];
                float[] tg = table[1];
                float[] tb = table[bgr ? 0 : 2];
                int rPlane = bgr ? 2 * plane : 0;
                int bPlane = bgr ? 0 : 2 * plane;
                int rOff = bgr ? 2 : 0;
                int bOff = bgr ? 0 : 2;
                if (layout == Layout.NCHW) {
                    for (int i = 0; i < plane; i++) {
                        int rgb = pixels[i];
                        dst[offset + rPlane + i] = tr[(rgb >> 16) & 0xff];
                        dst[offset + plane + i] = tg[(rgb >> 8) & 0xff];
                        dst[offset + bPlane + i] = tb[rgb & 0xff];
                    }
                } else {
                    for (int i = 0, j = offset; i < plane; i++, j += 3) {
                        int rgb = pixels[i];
                        dst[j + rOff] = tr[(rgb >> 16) & 0xff];
                        dst[j + 1] = tg[(rgb >> 8) & 0xff];
                        dst[j + bOff] = tb[rgb & 0xff];
                    }
                }
            } else {
                float[] t = table[0];
                for (int i = 0; i < plane; i++) {
                    int rgb = pixels[i];
                    int luma = (299 * ((rgb >> 16) & 0xff) + 587 * ((rgb >> 8) & 0xff) + 114 * (rgb & 0xff) + 500) / 1000;
                    dst[offset + i] = t[luma];
                }
            }
        }

        /**
         * The image fitted to width x height and composited on white, as RGB values 0..255 in height x width x 3
         * order, into {@code dst[offset .. offset + 3 * width * height)}: the pixels {@link #convert} standardises,
         * and the input of an exported ONNX model.
         */
        public void fittedRgb(BufferedImage image, float[] dst, int offset) {
            Objects.requireNonNull(image, "image");
            draw(image);
            for (int i = 0, j = offset; i < width * height; i++, j += 3) {
                int rgb = pixels[i];
                dst[j] = (rgb >> 16) & 0xff;
                dst[j + 1] = (rgb >> 8) & 0xff;
                dst[j + 2] = rgb & 0xff;
            }
        }

        /** Draws the image fitted to width x height, composited on white, into the scratch image. */
        private void draw(BufferedImage image) {
            int sw = image.getWidth();
            int sh = image.getHeight();
            int sx = 0;
            int sy = 0;
            int cw = sw;
            int ch = sh;
            if (resize == ResizeMode.CENTER_CROP) {
                // The source rectangle that becomes the crop once the image is scaled: with a short-side resize,
                // the scale maps the short side to resizeShortSide; else the largest rectangle with the target
                // aspect ratio, centred.
                double scale = resizeShortSide > 0
                        ? (double) resizeShortSide / Math.min(sw, sh)
                        : Math.max((double) width / sw, (double) height / sh);
                cw = (int) Math.min(sw, Math.round(width / scale));
                ch = (int) Math.min(sh, Math.round(height / scale));
                sx = (sw - cw) / 2;
                sy = (sh - ch) / 2;
            }
            // Bilinear drawImage samples only 4 source pixels per target pixel, so a big shrink in
            // one step aliases; halve first until the last step shrinks by less than 2.
            while (cw / 2 >= width && ch / 2 >= height) {
                int hw = cw / 2;
                int hh = ch / 2;
                BufferedImage half = new BufferedImage(hw, hh, BufferedImage.TYPE_INT_ARGB);
                Graphics2D hg = half.createGraphics();
                try {
                    hg.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                    hg.drawImage(image, 0, 0, hw, hh, sx, sy, sx + cw, sy + ch, null);
                } finally {
                    hg.dispose();
                }
                image = half;
                sx = 0;
                sy = 0;
                cw = hw;
                ch = hh;
            }
            Graphics2D g = scratch.createGraphics();
            try {
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, width, height);
                if (cw != width || ch != height) {
                    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                }
                g.drawImage(image, 0, 0, width, height, sx, sy, sx + cw, sy + ch, null);
            } finally {
                g.dispose();
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && width == p.width && height == p.height && color == p.color
                && resize == p.resize && layout == p.layout && Arrays.equals(mean, p.mean)
                && Arrays.equals(std, p.std) && resizeShortSide == p.resizeShortSide;
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, color, resize, layout, Arrays.hashCode(mean), Arrays.hashCode(std),
                resizeShortSide);
    }

    @Override
    public String toString() {
        return width + "x" + height + " " + color + " " + resize
                + (resizeShortSide > 0 ? " (short side " + resizeShortSide + ")" : "") + " " + layout
                + " mean=" + Arrays.toString(mean) + " std=" + Arrays.toString(std);
    }
}
