package dev.loupe.backbone.pretrain;

import dev.loupe.backbone.Preprocessing;

import java.util.SplittableRandom;

/**
 * Training-time augmentation of one cached image (planar RGB bytes, size x size): a random resized crop
 * (area 35–100 %, aspect 3/4–4/3, bilinear back to size), a horizontal flip (p 0.5) and colour jitter
 * (brightness, contrast, saturation, each a factor in 1 ± {@code jitter}), then the preprocessing's
 * normalisation. All randomness comes from the caller's generator, so a seed fixes every view.
 * Not thread-safe: one instance per training thread (it keeps scratch buffers).
 */
final class Augmentation {

    static final double MIN_CROP_AREA = 0.35;
    static final double MAX_LOG_RATIO = Math.log(4.0 / 3.0);
    static final float JITTER = 0.4f;

    private final int size;
    private final float[] scale = new float[3];
    private final float[] shift = new float[3];
    private final float[] work;

    Augmentation(int size, Preprocessing p) {
        this.size = size;
        float[] mean = p.mean();
        float[] std = p.std();
        for (int c = 0; c < 3; c++) {
            // x = (v / 255 - mean) / std = v * scale + shift
            scale[c] = 1f / (255f * std[c]);
            shift[c] = -mean[c] / std[c];
        }
        this.work = new float[3 * size * size];
    }

    /** Writes an augmented, normalised view of {@code src} into {@code dst[offset .. offset + 3*size*size)}. */
    void apply(byte[] src, float[] dst, int offset, SplittableRandom r) {
        int plane = size * size;
        // Random resized crop, as torchvision's RandomResizedCrop: up to 10 tries, else the whole image.
        double cx = 0;
        double cy = 0;
        double cw = size;
        double ch = size;
        for (int attempt = 0; attempt < 10; attempt++) {
            double area = plane * (MIN_CROP_AREA + (1 - MIN_CROP_AREA) * r.nextDouble());
            double ratio = Math.exp((2 * r.nextDouble() - 1) * MAX_LOG_RATIO);
            double w = Math.sqrt(area * ratio);
            double h = Math.sqrt(area / ratio);
            if (w <= size && h <= size) {
                cw = w;
                ch = h;
                cx = r.nextDouble() * (size - w);
                cy = r.nextDouble() * (size - h);
                break;
            }
        }
        boolean flip = r.nextBoolean();
        float brightness = factor(r);
        float contrast = factor(r);
        float saturation = factor(r);

        // Crop + flip + brightness, bilinear from the source bytes into work (0..255 scale).
        double sx = cw / size;
        double sy = ch / size;
        for (int y = 0; y < size; y++) {
            double fy = clamp(cy + (y + 0.5) * sy - 0.5, size - 1);
            int y0 = (int) fy;
            int y1 = Math.min(y0 + 1, size - 1);
            float wy = (float) (fy - y0);
            for (int x = 0; x < size; x++) {
                int ox = flip ? size - 1 - x : x;
                double fx = clamp(cx + (ox + 0.5) * sx - 0.5, size - 1);
                int x0 = (int) fx;
                int x1 = Math.min(x0 + 1, size - 1);
                float wx = (float) (fx - x0);
                for (int c = 0; c < 3; c++) {
                    int base = c * plane;
                    float top = lerp(src[base + y0 * size + x0] & 0xff, src[base + y0 * size + x1] & 0xff, wx);
                    float bottom = lerp(src[base + y1 * size + x0] & 0xff, src[base + y1 * size + x1] & 0xff, wx);
                    work[base + y * size + x] = Math.min(255f, lerp(top, bottom, wy) * brightness);
                }
            }
        }
        // Contrast: towards / away from the image's mean grey.
        double sum = 0;
        for (int i = 0; i < plane; i++) {
            sum += grey(i, plane);
        }
        float meanGrey = (float) (sum / plane);
        for (int i = 0; i < 3 * plane; i++) {
            work[i] = clamp255(meanGrey + (work[i] - meanGrey) * contrast);
        }
        // Saturation: towards / away from each pixel's own grey; then normalise.
        for (int i = 0; i < plane; i++) {
            float g = grey(i, plane);
            for (int c = 0; c < 3; c++) {
                float v = clamp255(g + (work[c * plane + i] - g) * saturation);
                dst[offset + c * plane + i] = v * scale[c] + shift[c];
            }
        }
    }

    /** The image as it is, normalised: what the held-out evaluation and the embedding see. */
    void plain(byte[] src, float[] dst, int offset) {
        int plane = size * size;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                dst[offset + c * plane + i] = (src[c * plane + i] & 0xff) * scale[c] + shift[c];
            }
        }
    }

    private static float factor(SplittableRandom r) {
        return 1f + JITTER * (float) (2 * r.nextDouble() - 1);
    }

    private float grey(int i, int plane) {
        return 0.299f * work[i] + 0.587f * work[plane + i] + 0.114f * work[2 * plane + i];
    }

    private static double clamp(double v, double max) {
        return v < 0 ? 0 : Math.min(v, max);
    }

    private static float clamp255(float v) {
        return v < 0 ? 0 : Math.min(v, 255f);
    }

    private static float lerp(float a, float b, float t) {
        return a + (b - a) * t;
    }
}
