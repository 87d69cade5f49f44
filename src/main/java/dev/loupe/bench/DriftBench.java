package dev.loupe.bench;

import dev.loupe.datacheck.DriftTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code loupe bench drift}: how often the import's drift check ({@link DriftTest}) fires. Per random split, the
 * collection's images are halved: one half plays the project, and the "new folder" is
 * <ul>
 *   <li>{@code same}: the other half (every alarm is a false alarm);</li>
 *   <li>{@code other}: images of another collection;</li>
 *   <li>{@code contaminated}: the other half with a share of it replaced by the other collection's images.</li>
 * </ul>
 */
public final class DriftBench {

    /** @param newSize images in the "new folder" of the same and contaminated scenarios (at most half the collection) */
    public record Config(int splits, int newSize, double contamination, DriftTest.Config test) {
        public Config {
            if (splits < 1) throw new IllegalArgumentException("--splits must be at least 1");
            if (!(contamination > 0 && contamination < 1)) throw new IllegalArgumentException("--contamination must be in (0, 1)");
        }
    }

    /** One scenario over every split: alarms, mean p-value and far share, seconds per test. */
    public record Scenario(String name, int runs, int alarms, double meanFarShare, double medianPValue, double secondsPerTest,
                           int newImages) {
        public double alarmRate() { return runs == 0 ? Double.NaN : (double) alarms / runs; }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("runs", runs);
            m.put("alarms", alarms);
            m.put("alarm_rate", alarmRate());
            m.put("new_images", newImages);
            m.put("median_p_value", medianPValue);
            m.put("mean_far_share", meanFarShare);
            m.put("seconds_per_test", secondsPerTest);
            return m;
        }
    }

    /** Progress: runs done of total. */
    public interface Listener { void progress(long done, long total); }

    private DriftBench() {
    }

    /** Runs the three scenarios on embeddings of the project collection ({@code data}) and of another ({@code other}). */
    public static List<Scenario> run(float[][] data, float[][] other, Config cfg, Listener listener) {
        int half = data.length / 2;
        if (half < cfg.test().minCandidate()) throw new IllegalArgumentException("the collection is too small: " + data.length + " images");
        int newSize = Math.min(cfg.newSize(), half);
        int nOther = (int) Math.round(cfg.contamination() * newSize);
        if (nOther > other.length) {
            nOther = other.length;
            newSize = (int) Math.floor(nOther / cfg.contamination());
        }
        String[] names = {"same", "other", "contaminated"};
        int[] alarms = new int[3];
        double[][] p = new double[3][cfg.splits()];
        double[] far = new double[3];
        double[] seconds = new double[3];
        int[] sizes = {newSize, Math.min(other.length, newSize), newSize};
        long total = 3L * cfg.splits();
        long done = 0;
        for (int s = 0; s < cfg.splits(); s++) {
            SplittableRandom r = new SplittableRandom(1000 + s);
            int[] perm = permutation(data.length, r);
            float[][] project = pick(data, perm, 0, half);
            float[][] otherHalf = pick(data, perm, half, half + newSize);
            int[] otherPerm = permutation(other.length, r);
            float[][] otherSet = pick(other, otherPerm, 0, sizes[1]);
            float[][] mixed = new float[newSize][];
            System.arraycopy(otherHalf, 0, mixed, 0, newSize - nOther);
            System.arraycopy(pick(other, otherPerm, 0, nOther), 0, mixed, newSize - nOther, nOther);
            float[][][] candidates = {otherHalf, otherSet, mixed};
            for (int k = 0; k < 3; k++) {
                long t0 = System.nanoTime();
                DriftTest.Result res = DriftTest.test(project, candidates[k], cfg.test().withSeed(7919L * s + k), () -> false);
                seconds[k] += (System.nanoTime() - t0) / 1e9;
                if (res.drifted()) alarms[k]++;
                p[k][s] = res.pValue();
                far[k] += res.farShare();
                listener.progress(++done, total);
            }
        }
        List<Scenario> out = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            double[] sorted = p[k].clone();
            Arrays.sort(sorted);
            out.add(new Scenario(names[k], cfg.splits(), alarms[k], far[k] / cfg.splits(), sorted[sorted.length / 2],
                    seconds[k] / cfg.splits(), candidates(k, newSize, sizes[1])));
        }
        return out;
    }

    private static int candidates(int k, int newSize, int otherSize) {
        return k == 1 ? otherSize : newSize;
    }

    static int[] permutation(int n, SplittableRandom r) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private static float[][] pick(float[][] rows, int[] perm, int from, int to) {
        float[][] out = new float[to - from][];
        for (int i = from; i < to; i++) out[i - from] = rows[perm[i]];
        return out;
    }

    /** Every image of an embedded set as rows. */
    public static float[][] rows(LabelledEmbeddings e) {
        float[][] out = new float[e.n()][];
        for (int i = 0; i < out.length; i++) out[i] = Arrays.copyOfRange(e.x(), i * e.d(), (i + 1) * e.d());
        return out;
    }
}
