package dev.loupe.training;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Embeddings shaped like a CLIP pair's, for testing zero-shot starts without CLIP: unit-length image embeddings
 * around per-class directions plus a direction every image shares (CLIP's images sit in a narrow cone), and per-class
 * unit text embeddings near, but not on, the class directions, so the zero-shot start is good but not perfect.
 */
final class ClipLikeData {
    final float[] x;
    final int[] y;
    final int n, d, classes;
    final List<TextPrior> priors = new ArrayList<>();

    ClipLikeData(int n, int d, int classes, double imageNoise, double textNoise, long seed) {
        this.n = n;
        this.d = d;
        this.classes = classes;
        Random r = new Random(seed);
        double[] shared = unit(gaussian(r, d));
        double[][] centre = new double[classes][];
        for (int c = 0; c < classes; c++) {
            centre[c] = unit(gaussian(r, d));
            double[] t = centre[c].clone();
            double[] noise = gaussian(r, d);
            for (int j = 0; j < d; j++) t[j] += textNoise * noise[j] / Math.sqrt(d);
            priors.add(new TextPrior(toFloat(unit(t)), 100f));
        }
        x = new float[n * d];
        y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            double[] v = new double[d];
            double[] noise = gaussian(r, d);
            for (int j = 0; j < d; j++) {
                v[j] = 0.3 * centre[y[i]][j] + 1.0 * shared[j] + imageNoise * noise[j] / Math.sqrt(d);
            }
            v = unit(v);
            for (int j = 0; j < d; j++) x[i * d + j] = (float) v[j];
        }
    }

    INDArray embeddings() { return Nd4j.create(x, new long[] {n, d}, 'c'); }

    float[] row(int i) { return java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d); }

    /** 100·cos(x_i, t_c): x and t are unit length. */
    double zeroShotLogit(int i, int c) {
        float[] t = priors.get(c).embedding();
        double s = 0;
        for (int j = 0; j < d; j++) s += (double) x[i * d + j] * t[j];
        return 100 * s;
    }

    double zeroShotAccuracy() {
        int ok = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) if (zeroShotLogit(i, c) > zeroShotLogit(i, best)) best = c;
            if (best == y[i]) ok++;
        }
        return ok / (double) n;
    }

    double accuracy(Snapshot s) {
        int ok = 0;
        for (int i = 0; i < n; i++) if (s.predictedClass(i) == y[i]) ok++;
        return ok / (double) n;
    }

    private static double[] gaussian(Random r, int d) {
        double[] v = new double[d];
        for (int j = 0; j < d; j++) v[j] = r.nextGaussian();
        return v;
    }

    private static double[] unit(double[] v) {
        double s = 0;
        for (double a : v) s += a * a;
        s = Math.sqrt(s);
        double[] out = new double[v.length];
        for (int j = 0; j < v.length; j++) out[j] = v[j] / s;
        return out;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int j = 0; j < v.length; j++) f[j] = (float) v[j];
        return f;
    }
}
