package dev.loupe.datacheck;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A small print of an image (from its stored thumbnail) and a crop-tolerant comparison of two prints, the pixel-level
 * check that confirms a near-duplicate candidate found by embedding (ADR 0035). {@link #match} places each print as
 * a crop of the other (keeping a share {@code sx} of the width, {@code sx} in {@link #CROP_SHARES}, {@code sy}
 * following from the two aspect ratios) and in the same frame: a coarse search in grey at {@link #BASE} pixels finds
 * the best place, which is refined in colour at {@link #FINE} pixels. The result is the best normalised
 * cross-correlation (NCC) over the three colour channels. Resizing and recompression barely move it; a recoloured
 * variant or a different object of the same outline does.
 */
public final class PixelPrint {
    /** Side of the frame of the coarse search, in grey. */
    static final int BASE = 24;
    /** Side of the frame the best placement is refined in, in colour (a multiple of {@link #BASE}). */
    static final int FINE = 48;
    /** Pixels either way the refinement searches around the coarse placement. */
    static final int REACH = 1;
    /** Longest side of the colour copy a print keeps (crops are resampled from it). */
    static final int KEEP = 48;
    /** Shares of the width a crop may keep. */
    static final double[] CROP_SHARES = {0.9, 0.8, 0.7, 0.6};
    /** Below this standard deviation (grey levels in 0..1) an image counts as flat. */
    static final double FLAT = 0.01;

    /** The colour copy, planar R, G, B, 0..255 per pixel (bytes: a search may hold thousands of prints). */
    private final byte[][] rgb;
    private final int w;
    private final int h;
    private final float[] base;
    private final double std;
    private final double[] meanRgb;
    /**
     * Grey templates this print has been searched with (its {@link #BASE} frame and its crops' shapes), kept because
     * a print meets ~20 candidates in a search and each would resample them again; ~7 kB when all five are held.
     */
    private volatile Template[] templates = new Template[0];

    private PixelPrint(float[][] planes, int w, int h, double[] meanRgb) {
        this.rgb = new byte[3][];
        for (int c = 0; c < 3; c++) {
            rgb[c] = new byte[planes[c].length];
            for (int i = 0; i < planes[c].length; i++) rgb[c][i] = (byte) Math.round(Math.max(0, Math.min(1, planes[c][i])) * 255);
        }
        this.w = w;
        this.h = h;
        this.meanRgb = meanRgb;
        float[] grey = new float[w * h];
        for (int i = 0; i < grey.length; i++) grey[i] = 0.299f * planes[0][i] + 0.587f * planes[1][i] + 0.114f * planes[2][i];
        this.base = resample(grey, w, h, BASE, BASE);
        this.std = meanStd(base)[1];
    }

    /** The print of an image (any size; transparent pixels count as white). */
    public static PixelPrint of(BufferedImage img) {
        int sw = img.getWidth();
        int sh = img.getHeight();
        int[] argb = img.getRGB(0, 0, sw, sh, null, 0, sw);
        float[][] planes = new float[3][sw * sh];
        double[] mean = new double[3];
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            double a = ((p >>> 24) & 0xff) / 255.0;
            for (int c = 0; c < 3; c++) {
                double v = (a * ((p >> (16 - 8 * c)) & 0xff) + (1 - a) * 255) / 255.0;
                planes[c][i] = (float) v;
                mean[c] += v;
            }
        }
        for (int c = 0; c < 3; c++) mean[c] /= argb.length;
        double f = Math.min(1.0, (double) KEEP / Math.max(sw, sh));
        int kw = Math.max(1, (int) Math.round(sw * f));
        int kh = Math.max(1, (int) Math.round(sh * f));
        if (kw != sw || kh != sh) {
            for (int c = 0; c < 3; c++) planes[c] = resample(planes[c], sw, sh, kw, kh);
        }
        return new PixelPrint(planes, kw, kh, mean);
    }

    /** The print of an image file (a thumbnail); null when it is missing or cannot be decoded. */
    public static PixelPrint read(java.nio.file.Path file) {
        if (file == null || !java.nio.file.Files.isRegularFile(file)) return null;
        try {
            BufferedImage img = javax.imageio.ImageIO.read(file.toFile());
            return img == null ? null : of(img);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The entropy, in bits, of the print's grey levels in 16 bins: 0 for a flat colour, 1 for two-tone stripes, up
     * to 4 for noise. A measure of how little an image shows, for the outlier check (ADR 0035).
     */
    public double entropyBits() {
        int[] bins = new int[16];
        for (float v : base) bins[Math.min(15, (int) (Math.max(0, v) * 16))]++;
        double e = 0;
        for (int b : bins) {
            if (b == 0) continue;
            double p = (double) b / base.length;
            e -= p * Math.log(p) / Math.log(2);
        }
        return e;
    }

    /** Names of the {@link #looks()} measures, in order. */
    public static final List<String> LOOKS = List.of("grey mean", "grey spread", "grey entropy", "edge strength",
            "edge share", "border grey", "border spread", "saturation", "saturation spread", "white share", "black share",
            "colours used", "roughness", "red-blue", "green-magenta");

    /**
     * How the image looks, in a few plain measures ({@link #LOOKS}): brightness and contrast, how much it shows
     * (entropy, edges), its background (the border), its colour (saturation, share of white and black, colours used,
     * balance) and its texture (roughness: second differences per first difference, high for noise, ~0 for a smooth
     * gradient). The outlier check scores images by how far these are from those of the rest (ADR 0038): junk that an
     * image model maps among ordinary pictures (a flat colour, a gradient, noise, a scan of another kind) stands out here.
     */
    public double[] looks() {
        int n = BASE;
        double[] grey = meanStd(base);
        double grad = 0, lap = 0;
        int edges = 0, gcount = 0, lcount = 0;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                float v = base[y * n + x];
                if (x + 1 < n && y + 1 < n) {
                    double g = Math.abs(base[y * n + x + 1] - v) + Math.abs(base[(y + 1) * n + x] - v);
                    grad += g;
                    gcount++;
                    if (g > 0.08) edges++;
                }
                if (x > 0 && x + 1 < n && y > 0 && y + 1 < n) {
                    lap += Math.abs(base[y * n + x + 1] + base[y * n + x - 1] + base[(y + 1) * n + x] + base[(y - 1) * n + x] - 4 * v);
                    lcount++;
                }
            }
        }
        grad /= Math.max(1, gcount);
        lap /= Math.max(1, lcount);
        float[] ring = new float[4 * n - 4];
        int r = 0;
        for (int i = 0; i < n; i++) {
            ring[r++] = base[i];
            ring[r++] = base[(n - 1) * n + i];
        }
        for (int i = 1; i < n - 1; i++) {
            ring[r++] = base[i * n];
            ring[r++] = base[i * n + n - 1];
        }
        double[] border = meanStd(ring);
        int px = w * h;
        double sat = 0, sat2 = 0, white = 0, black = 0, rb = 0, gm = 0;
        boolean[] used = new boolean[64];
        for (int i = 0; i < px; i++) {
            int cr = rgb[0][i] & 0xff, cg = rgb[1][i] & 0xff, cb = rgb[2][i] & 0xff;
            int max = Math.max(cr, Math.max(cg, cb)), min = Math.min(cr, Math.min(cg, cb));
            double sv = max == 0 ? 0 : (max - min) / (double) max;
            sat += sv;
            sat2 += sv * sv;
            double gv = (0.299 * cr + 0.587 * cg + 0.114 * cb) / 255;
            if (gv > 0.92) white++;
            if (gv < 0.08) black++;
            rb += (cr - cb) / 255.0;
            gm += (cg - (cr + cb) / 2.0) / 255.0;
            used[(cr >> 6) * 16 + (cg >> 6) * 4 + (cb >> 6)] = true;
        }
        sat /= px;
        int colours = 0;
        for (boolean u : used) if (u) colours++;
        return new double[] {grey[0], grey[1], entropyBits() / 4, grad, edges / (double) Math.max(1, gcount), border[0],
                border[1], sat, Math.sqrt(Math.max(0, sat2 / px - sat * sat)), white / px, black / px, colours / 64.0,
                lap / (grad + 0.02), rb / px, gm / px};
    }

    /** Whether the image is (almost) one flat grey level. */
    public boolean flat() { return std < FLAT; }

    /**
     * How well the two prints match, in [-1, 1]: the best colour NCC in the same frame or with either as a crop of the
     * other. Two flat prints match (1) when their mean colours are within 0.02, else not (0); a flat print never
     * matches a textured one.
     */
    public static double match(PixelPrint a, PixelPrint b) {
        if (a.flat() || b.flat()) {
            if (!(a.flat() && b.flat())) return 0;
            double d = 0;
            for (int c = 0; c < 3; c++) d = Math.max(d, Math.abs(a.meanRgb[c] - b.meanRgb[c]));
            return d < 0.02 ? 1 : 0;
        }
        // the coarse search picks the best placement (same frame, a in b, b in a); only that one is refined
        Integral inA = new Integral(a.base, BASE, BASE);
        Integral inB = new Integral(b.base, BASE, BASE);
        double same = slide(inB, a.template(BASE, BASE), new int[2]);
        Placement ab = asCrop(a, inA, b);
        Placement ba = asCrop(b, inB, a);
        if (ab != null && ab.coarse() > same && (ba == null || ab.coarse() >= ba.coarse())) return refine(a, b, ab);
        if (ba != null && ba.coarse() > same) return refine(b, a, ba);
        return refine(a, b, new Placement(same, 1, 1, 0, 0));
    }

    /** Where the coarse search put a crop: its grey NCC, the shares kept and its corner in the {@link #BASE} frame. */
    private record Placement(double coarse, double sx, double sy, int ox, int oy) {}

    /**
     * The best placement of {@code crop} as a crop of {@code whole} (whose {@link #BASE} frame's integral images are
     * {@code frame}) by the coarse search in grey; null if none fits.
     */
    private static Placement asCrop(PixelPrint whole, Integral frame, PixelPrint crop) {
        double aspectWhole = (double) whole.w / whole.h;
        double aspectCrop = (double) crop.w / crop.h;
        double best = -1;
        double bestSx = 0;
        double bestSy = 0;
        int[] at = new int[2];
        int[] bestAt = null;
        for (double sx : CROP_SHARES) {
            double sy = sx * aspectWhole / aspectCrop;
            if (sy > 1.0001 || sy < 0.5) continue;
            int tw = (int) Math.round(sx * BASE);
            int th = Math.min(BASE, (int) Math.round(sy * BASE));
            double m = slide(frame, crop.template(tw, th), at);
            if (m > best) {
                best = m;
                bestSx = sx;
                bestSy = Math.min(1, sy);
                bestAt = at.clone();
            }
        }
        return bestAt == null ? null : new Placement(best, bestSx, bestSy, bestAt[0], bestAt[1]);
    }

    /**
     * The colour NCC, at {@link #FINE} pixels, of {@code crop} placed as a crop of {@code whole} keeping shares sx, sy
     * at {@code (ox, oy)} of the {@link #BASE} frame (the coarse search's best place), searching {@link #REACH}
     * pixels either way for the exact place.
     */
    private static double refine(PixelPrint whole, PixelPrint crop, Placement p) {
        double sx = p.sx();
        double sy = p.sy();
        int ox = p.ox();
        int oy = p.oy();
        int scale = FINE / BASE;
        int tw = Math.min(FINE, (int) Math.round(sx * FINE));
        int th = Math.min(FINE, (int) Math.round(sy * FINE));
        float[][] img = whole.planes(FINE, FINE);
        float[][] t = crop.planes(tw, th);
        double best = -1;
        for (int y = Math.max(0, oy * scale - REACH); y <= Math.min(FINE - th, oy * scale + REACH); y++) {
            for (int x = Math.max(0, ox * scale - REACH); x <= Math.min(FINE - tw, ox * scale + REACH); x++) {
                best = Math.max(best, colourNcc(img, FINE, t, tw, th, x, y));
            }
        }
        return best;
    }

    /** One correlation over the three channels, each centred on its own mean: a recoloured copy does not match. */
    private static double colourNcc(float[][] img, int iw, float[][] t, int tw, int th, int ox, int oy) {
        int n = tw * th;
        double cov = 0;
        double varT = 0;
        double varW = 0;
        for (int c = 0; c < 3; c++) {
            double st = 0;
            double sw = 0;
            double stt = 0;
            double sww = 0;
            double stw = 0;
            for (int y = 0; y < th; y++) {
                int row = (oy + y) * iw + ox;
                int trow = y * tw;
                for (int x = 0; x < tw; x++) {
                    double a = t[c][trow + x];
                    double b = img[c][row + x];
                    st += a;
                    sw += b;
                    stt += a * a;
                    sww += b * b;
                    stw += a * b;
                }
            }
            cov += stw - st * sw / n;
            varT += stt - st * st / n;
            varW += sww - sw * sw / n;
        }
        if (varT < n * FLAT * FLAT || varW < n * FLAT * FLAT) return 0;
        return cov / Math.sqrt(varT * varW);
    }

    /** The colour copy resampled to tw×th, planar, 0..1. */
    private float[][] planes(int tw, int th) {
        float[][] out = new float[3][];
        float[] g = new float[rgb[0].length];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < g.length; i++) g[i] = (rgb[c][i] & 0xff) / 255f;
            out[c] = resample(g, w, h, tw, th);
        }
        return out;
    }

    private float[] grey() {
        float[] g = new float[rgb[0].length];
        for (int i = 0; i < g.length; i++) g[i] = (0.299f * (rgb[0][i] & 0xff) + 0.587f * (rgb[1][i] & 0xff) + 0.114f * (rgb[2][i] & 0xff)) / 255f;
        return g;
    }

    /** An image with the integral images of its pixels and of their squares, for window sums in constant time. */
    static final class Integral {
        final float[] img;
        final int iw;
        final int ih;
        final double[] s1;
        final double[] s2;

        Integral(float[] img, int iw, int ih) {
            this.img = img;
            this.iw = iw;
            this.ih = ih;
            s1 = new double[(iw + 1) * (ih + 1)];
            s2 = new double[(iw + 1) * (ih + 1)];
            for (int y = 0; y < ih; y++) {
                for (int x = 0; x < iw; x++) {
                    double v = img[y * iw + x];
                    int p = (y + 1) * (iw + 1) + x + 1;
                    s1[p] = v + s1[p - 1] + s1[p - iw - 1] - s1[p - iw - 2];
                    s2[p] = v * v + s2[p - 1] + s2[p - iw - 1] - s2[p - iw - 2];
                }
            }
        }
    }

    /** A grey template, tw×th, less its mean, and its standard deviation. */
    record Template(float[] centred, int tw, int th, double std) {
        static Template of(float[] t, int tw, int th) {
            double[] ms = meanStd(t);
            float[] c = new float[t.length];
            for (int i = 0; i < t.length; i++) c[i] = (float) (t[i] - ms[0]);
            return new Template(c, tw, th, ms[1]);
        }
    }

    /** This print in grey as a tw×th template: its {@link #BASE} frame when that is the shape, else resampled. */
    private Template template(int tw, int th) {
        Template[] held = templates;
        for (Template t : held) if (t.tw() == tw && t.th() == th) return t;
        Template made = Template.of(tw == BASE && th == BASE ? base : resample(grey(), w, h, tw, th), tw, th);
        if (held.length < CROP_SHARES.length + 1) {
            Template[] more = java.util.Arrays.copyOf(held, held.length + 1);
            more[held.length] = made;
            templates = more;
        }
        return made;
    }

    /**
     * The best grey NCC of template {@code t} over every position inside the image of {@code in}; the best position
     * goes into {@code at} (x, y).
     */
    static double slide(Integral in, Template t, int[] at) {
        if (t.std() < FLAT) return 0;
        int tw = t.tw();
        int th = t.th();
        int n = tw * th;
        float[] tc = t.centred();
        double std = t.std();
        float[] img = in.img;
        int iw = in.iw;
        double[] s1 = in.s1;
        double[] s2 = in.s2;
        double best = -1;
        for (int oy = 0; oy + th <= in.ih; oy++) {
            for (int ox = 0; ox + tw <= iw; ox++) {
                int a = oy * (iw + 1) + ox;
                int b = a + tw;
                int c = a + th * (iw + 1);
                int d = c + tw;
                double sum = s1[d] - s1[b] - s1[c] + s1[a];
                double sq = s2[d] - s2[b] - s2[c] + s2[a];
                double var = sq / n - (sum / n) * (sum / n);
                if (var < FLAT * FLAT) continue;
                // four running sums, so that the additions do not wait on one another
                double c0 = 0;
                double c1 = 0;
                double c2 = 0;
                double c3 = 0;
                for (int y = 0; y < th; y++) {
                    int row = (oy + y) * iw + ox;
                    int trow = y * tw;
                    int x = 0;
                    for (; x + 3 < tw; x += 4) {
                        c0 += tc[trow + x] * img[row + x];
                        c1 += tc[trow + x + 1] * img[row + x + 1];
                        c2 += tc[trow + x + 2] * img[row + x + 2];
                        c3 += tc[trow + x + 3] * img[row + x + 3];
                    }
                    for (; x < tw; x++) c0 += tc[trow + x] * img[row + x];
                }
                double r = (c0 + c1 + c2 + c3) / (n * std * Math.sqrt(var));
                if (r > best) {
                    best = r;
                    at[0] = ox;
                    at[1] = oy;
                }
            }
        }
        return best;
    }

    private static double[] meanStd(float[] v) {
        double s = 0;
        double q = 0;
        for (float x : v) {
            s += x;
            q += (double) x * x;
        }
        double m = s / v.length;
        return new double[] {m, Math.sqrt(Math.max(0, q / v.length - m * m))};
    }

    /**
     * {@code src} (sw×sh) resampled to tw×th by exact box filtering (area-weighted; upsampling repeats pixels). The
     * filter is separable: each output pixel is the weighted sum over the source columns of the weighted sums down the
     * source rows, divided by the area, so it runs as a pass down the columns and one along the rows (a pixel match
     * resamples several crops; in one pass per pixel this was ~70 % of a near-duplicate check's time).
     */
    static float[] resample(float[] src, int sw, int sh, int tw, int th) {
        if (sw == tw && sh == th) return src.clone();
        BoxWeights across = BoxWeights.of(sw, tw);
        BoxWeights down = BoxWeights.of(sh, th);
        // down the columns first: whole source rows at a time, so the inner loop runs along a row
        double[] cols = new double[th * sw];
        for (int y = 0; y < th; y++) {
            int out = y * sw;
            int from = down.first[y];
            for (int k = down.offset[y], end = down.offset[y + 1]; k < end; k++) {
                double w = down.weight[k];
                int in = from++ * sw;
                for (int x = 0; x < sw; x++) cols[out + x] += w * src[in + x];
            }
        }
        float[] out = new float[tw * th];
        for (int y = 0; y < th; y++) {
            int in = y * sw;
            for (int x = 0; x < tw; x++) {
                double sum = 0;
                int from = in + across.first[x];
                for (int k = across.offset[x], end = across.offset[x + 1]; k < end; k++) sum += across.weight[k] * cols[from++];
                double area = across.total[x] * down.total[y];
                out[y * tw + x] = (float) (area > 0 ? sum / area : 0);
            }
        }
        return out;
    }

    /**
     * The box filter's weights along one axis, {@code from} source pixels to {@code to} target pixels: target t covers
     * source pixels {@code first[t]...} with weights {@code weight[offset[t] .. offset[t + 1])} (the share of each
     * source pixel inside [t·f, (t + 1)·f), f = from / to), summing to {@code total[t]}.
     */
    private record BoxWeights(int[] first, int[] offset, double[] weight, double[] total) {
        static BoxWeights of(int from, int to) {
            double f = (double) from / to;
            int[] first = new int[to];
            int[] offset = new int[to + 1];
            double[] weight = new double[to * ((int) Math.ceil(f) + 2)];
            double[] total = new double[to];
            int k = 0;
            for (int t = 0; t < to; t++) {
                double t0 = t * f;
                double t1 = t0 + f;
                first[t] = -1;
                offset[t] = k;
                for (int s = (int) t0; s < Math.min(from, (int) Math.ceil(t1)); s++) {
                    double w = Math.min(t1, s + 1) - Math.max(t0, s);
                    if (w <= 0) continue;
                    if (first[t] < 0) first[t] = s;
                    weight[k++] = w;
                    total[t] += w;
                }
                if (first[t] < 0) first[t] = 0;
            }
            offset[to] = k;
            return new BoxWeights(first, offset, weight, total);
        }
    }
}
