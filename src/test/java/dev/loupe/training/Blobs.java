package dev.loupe.training;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** Gaussian blobs: {@code classes} centres on a sphere of radius {@code separation}, unit noise. */
final class Blobs {
    final float[] x;
    final int[] y;
    final int n, d, classes;

    Blobs(int n, int d, int classes, double separation, long seed) {
        this.n = n;
        this.d = d;
        this.classes = classes;
        Random r = new Random(seed);
        double[][] centres = new double[classes][d];
        for (double[] c : centres) {
            double norm = 0;
            for (int j = 0; j < d; j++) { c[j] = r.nextGaussian(); norm += c[j] * c[j]; }
            norm = Math.sqrt(norm);
            for (int j = 0; j < d; j++) c[j] = c[j] / norm * separation;
        }
        x = new float[n * d];
        y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int j = 0; j < d; j++) x[i * d + j] = (float) (centres[y[i]][j] + r.nextGaussian());
        }
    }

    INDArray embeddings() { return Nd4j.create(x, new long[] {n, d}, 'c'); }

    double accuracy(Snapshot s) {
        int ok = 0;
        for (int i = 0; i < n; i++) if (s.predictedClass(i) == y[i]) ok++;
        return ok / (double) n;
    }
}
