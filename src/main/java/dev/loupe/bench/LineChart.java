package dev.loupe.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain line chart drawn with Java2D into a PNG (no chart library is on the class path and JavaFX's charts need a
 * running toolkit; see docs/adr/0013-bench-plots.md). Axes with "nice" ticks, one colour per series, dashed
 * series for references, a legend.
 */
public final class LineChart {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    private record Series(String name, double[] x, double[] y, boolean dashed) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private int width = 960;
    private int height = 600;

    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public LineChart size(int w, int h) {
        this.width = w;
        this.height = h;
        return this;
    }

    public LineChart add(String name, int[] x, double[] y, boolean dashed) {
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) xd[i] = x[i];
        return add(name, xd, y, dashed);
    }

    public LineChart add(String name, double[] x, double[] y, boolean dashed) {
        if (x.length != y.length) throw new IllegalArgumentException("x and y differ in length");
        series.add(new Series(name, x.clone(), y.clone(), dashed));
        return this;
    }

    public BufferedImage render() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            double[] xr = range(true), yr = range(false);
            double[] xt = ticks(xr[0], xr[1]), yt = ticks(yr[0], yr[1]);
            xr = new double[] {Math.min(xr[0], xt[0]), Math.max(xr[1], xt[xt.length - 1])};
            yr = new double[] {Math.min(yr[0], yt[0]), Math.max(yr[1], yt[yt.length - 1])};
            Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
            int legend = 0;
            for (Series s : series) legend = Math.max(legend, g.getFontMetrics(base).stringWidth(s.name));
            int left = 70, right = Math.min(width / 2, legend + 70), top = 40, bottom = 55;
            int pw = width - left - right, ph = height - top - bottom;
            g.setFont(base.deriveFont(Font.BOLD, 15f));
            g.setColor(Color.BLACK);
            g.drawString(title, left, 24);
            g.setFont(base);
            FontMetrics fm = g.getFontMetrics();
            for (double t : xt) {
                int px = left + (int) Math.round((t - xr[0]) / (xr[1] - xr[0]) * pw);
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(px, top, px, top + ph);
                g.setColor(Color.DARK_GRAY);
                String s = fmt(t);
                g.drawString(s, px - fm.stringWidth(s) / 2, top + ph + 18);
            }
            for (double t : yt) {
                int py = top + ph - (int) Math.round((t - yr[0]) / (yr[1] - yr[0]) * ph);
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(left, py, left + pw, py);
                g.setColor(Color.DARK_GRAY);
                String s = fmt(t);
                g.drawString(s, left - 8 - fm.stringWidth(s), py + 4);
            }
            g.setColor(Color.BLACK);
            g.drawRect(left, top, pw, ph);
            g.drawString(xLabel, left + pw / 2 - fm.stringWidth(xLabel) / 2, height - 14);
            Graphics2D gy = (Graphics2D) g.create();
            gy.rotate(-Math.PI / 2);
            gy.drawString(yLabel, -(top + ph / 2) - fm.stringWidth(yLabel) / 2, 18);
            gy.dispose();
            for (int k = 0; k < series.size(); k++) {
                Series s = series.get(k);
                Color c = PALETTE[k % PALETTE.length];
                g.setColor(c);
                g.setStroke(s.dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {7f, 5f}, 0f)
                        : new BasicStroke(2f));
                Path2D.Double path = new Path2D.Double();
                boolean first = true;
                for (int i = 0; i < s.x.length; i++) {
                    if (!Double.isFinite(s.y[i])) { first = true; continue; }
                    double px = left + (s.x[i] - xr[0]) / (xr[1] - xr[0]) * pw;
                    double py = top + ph - (s.y[i] - yr[0]) / (yr[1] - yr[0]) * ph;
                    if (first) path.moveTo(px, py); else path.lineTo(px, py);
                    first = false;
                }
                g.draw(path);
                int ly = top + 10 + k * 20;
                g.drawLine(left + pw + 15, ly, left + pw + 45, ly);
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1f));
                g.drawString(s.name, left + pw + 52, ly + 5);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        ImageIO.write(render(), "png", file.toFile());
    }

    private double[] range(boolean x) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double v : x ? s.x : s.y) {
                if (!Double.isFinite(v)) continue;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo > hi) return new double[] {0, 1};
        if (lo == hi) return new double[] {lo - 0.5, hi + 0.5};
        return new double[] {lo, hi};
    }

    /** About six round tick values covering [lo, hi]. */
    static double[] ticks(double lo, double hi) {
        double raw = (hi - lo) / 6;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag * (raw / mag < 1.5 ? 1 : raw / mag < 3 ? 2 : raw / mag < 7 ? 5 : 10);
        double start = Math.floor(lo / step) * step;
        List<Double> t = new ArrayList<>();
        for (double v = start; v <= hi + step * 0.999; v += step) t.add(Math.round(v / step) * step);
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7) return String.valueOf((long) v);
        return String.format("%.3g", v);
    }
}
