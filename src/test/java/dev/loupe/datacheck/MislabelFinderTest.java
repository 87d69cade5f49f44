package dev.loupe.datacheck;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MislabelFinderTest {

    /** Gaussian clusters, one per class, with {@code flips} labels moved to another class. */
    record Planted(LabelCheckInput input, int[] truth, Set<Integer> flipped) {}

    static Planted planted(int classes, int perClass, int d, double spread, int flips, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = classes * perClass;
        float[] x = new float[n * d];
        int[] truth = new int[n];
        long[] ids = new long[n];
        double[][] centre = new double[classes][d];
        for (int c = 0; c < classes; c++) for (int j = 0; j < d; j++) centre[c][j] = r.nextGaussian() * spread;
        for (int i = 0; i < n; i++) {
            truth[i] = i % classes;
            ids[i] = 1000 + i;
            for (int j = 0; j < d; j++) x[i * d + j] = (float) (centre[truth[i]][j] + r.nextGaussian());
        }
        int[] given = truth.clone();
        Set<Integer> flipped = new HashSet<>();
        while (flipped.size() < flips) {
            int i = r.nextInt(n);
            if (!flipped.add(i)) continue;
            given[i] = (truth[i] + 1 + r.nextInt(classes - 1)) % classes;
        }
        List<String> names = java.util.stream.IntStream.range(0, classes).mapToObj(c -> "class" + c).toList();
        return new Planted(new LabelCheckInput(ids, x, d, given, names), truth, flipped);
    }

    @Test
    void flippedLabelsRankFirstAndGetTheirTrueClassSuggested() {
        Planted p = planted(4, 60, 16, 1.2, 12, 7);
        MislabelReport rep = MislabelFinder.find(p.input(), MislabelOptions.DEFAULTS, MislabelFinder.Progress.NONE, () -> false);
        int hits = 0;
        for (int r = 0; r < 12; r++) if (p.flipped().contains(rep.ranking()[r])) hits++;
        assertTrue(hits >= 10, "flipped labels among the top 12: " + hits);
        int rightSuggestion = 0, flaggedFlips = 0;
        for (Suspect s : rep.suspects()) {
            int row = (int) (s.imageId() - 1000);
            if (!p.flipped().contains(row)) continue;
            flaggedFlips++;
            assertEquals(p.input().labels()[row], s.givenClass());
            if (s.suggestedClass() == p.truth()[row]) rightSuggestion++;
            assertTrue(s.pSuggested() > s.pGiven(), s.why());
        }
        assertTrue(flaggedFlips >= 8, "flips in the suspect list: " + flaggedFlips);
        assertTrue(flaggedFlips >= 0.8 * rep.suspects().size(), flaggedFlips + " flips among " + rep.suspects().size() + " suspects");
        assertTrue(rightSuggestion >= flaggedFlips - 1, rightSuggestion + " of " + flaggedFlips + " suggestions right");
        assertTrue(rep.suspects().size() < 40, "a short list, not everything: " + rep.suspects().size());
    }

    @Test
    void cleanWellSeparatedLabelsGiveFewSuspects() {
        Planted p = planted(3, 40, 8, 4.0, 0, 3);
        MislabelReport rep = MislabelFinder.find(p.input(), MislabelOptions.DEFAULTS, MislabelFinder.Progress.NONE, () -> false);
        assertTrue(rep.suspects().size() <= 2, "suspects among clean labels: " + rep.suspects());
    }

    @Test
    void progressCountsEveryStepAndCancelStops() {
        Planted p = planted(3, 20, 8, 3.0, 2, 5);
        int[] last = {-1, -1};
        MislabelFinder.find(p.input(), MislabelOptions.DEFAULTS, (done, total, what) -> { last[0] = done; last[1] = total; }, () -> false);
        assertEquals(last[1], last[0]);
        assertEquals(MislabelOptions.DEFAULTS.folds() + 1, last[1]);
        int[] calls = {0};
        assertThrows(CancellationException.class, () -> MislabelFinder.find(p.input(), MislabelOptions.DEFAULTS,
                MislabelFinder.Progress.NONE, () -> ++calls[0] > 2));
    }

    @Test
    void tooFewLabelsIsAClearError() {
        LabelCheckInput in = new LabelCheckInput(new long[] {1, 2, 3, 4}, new float[8], 2, new int[] {0, 0, 0, 1},
                List.of("a", "b"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MislabelFinder.find(in, MislabelOptions.DEFAULTS, MislabelFinder.Progress.NONE, () -> false));
        assertTrue(e.getMessage().contains("two classes"), e.getMessage());
    }

    @Test
    void whyReadsAsEnglish() {
        assertEquals("a model that never saw this label gives Coat 0.81 and Pullover 0.07; 4 of its 5 nearest labelled images are Coat",
                MislabelFinder.why("Coat", 0.81, "Pullover", 0.07, 4, 5));
        assertTrue(MislabelFinder.why("Coat", 0.5, "Bag", 0.1, 1, 5).endsWith("1 of its 5 nearest labelled images is Coat"));
        assertTrue(MislabelFinder.why("Coat", 0.5, "Bag", 0.1, 0, 5).endsWith("none of its 5 nearest labelled images is Coat"));
        assertTrue(MislabelFinder.why("Coat", 0.5, "Bag", 0.1, 5, 5).endsWith("all 5 of its nearest labelled images are Coat"));
        assertTrue(MislabelFinder.why("Coat", 0.5, "Bag", 0.1, 1, 1).endsWith("its nearest labelled image is Coat"));
    }

    @Test
    void temperatureShrinksOverconfidentLogits() {
        // Logits that are 10x too sure, with labels drawn from the honest probabilities: T should come out near 10.
        SplittableRandom r = new SplittableRandom(1);
        int n = 4000;
        float[][] z = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            double a = r.nextGaussian();
            z[i] = new float[] {(float) (10 * a), 0f};
            double p0 = 1 / (1 + Math.exp(-a));
            y[i] = r.nextDouble() < p0 ? 0 : 1;
        }
        double t = MislabelFinder.fitTemperature(z, y);
        assertTrue(t > 8 && t < 12.5, "T = " + t);
    }

    @Test
    void jobRunsInTheBackgroundAndCanBeCancelled() throws Exception {
        Planted p = planted(3, 20, 8, 3.0, 2, 5);
        java.util.List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        MislabelJob job = MislabelJob.start(p.input(), MislabelOptions.DEFAULTS, Runnable::run, (d, t, w) -> seen.add(d));
        MislabelReport rep = job.result().get(2, java.util.concurrent.TimeUnit.MINUTES);
        assertEquals(p.input().n(), rep.ranking().length);
        assertEquals(MislabelOptions.DEFAULTS.folds() + 1, seen.get(seen.size() - 1));
        java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
        MislabelJob stopped = MislabelJob.start(p.input(), MislabelOptions.DEFAULTS, Runnable::run, (d, t, w) -> first.countDown());
        first.await();
        stopped.cancel();
        // CompletableFuture reports a CancellationException cause as itself.
        assertThrows(CancellationException.class, () -> stopped.result().get(2, java.util.concurrent.TimeUnit.MINUTES));
        assertTrue(stopped.result().isCompletedExceptionally());
    }
}
