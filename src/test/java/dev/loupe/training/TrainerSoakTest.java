package dev.loupe.training;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many label events in one process: the model stays finite (an injected bad step is rolled back), the heap and
 * the step time stay flat. 400 events in every build; {@code -Dloupe.soak=true} runs 10,000 (docs/GUARANTEES.md).
 */
@Timeout(value = 1800, unit = TimeUnit.SECONDS)
class TrainerSoakTest {

    private static final int ROWS = 1000;
    private static final int DIM = 32;
    private static final int CLASSES = 5;

    @Test
    void labelEventsKeepTheModelFiniteAndHeapAndStepTimeFlat() throws Exception {
        // a short run in every build (this machine: ~100 ms per event under load), the long one on request
        int events = Integer.getInteger("loupe.soak.events", Boolean.getBoolean("loupe.soak") ? 10_000 : 400);
        int window = events / 10;
        Random rnd = new Random(7);
        float[][] x = new float[ROWS][DIM];
        int[] truth = new int[ROWS];
        for (int r = 0; r < ROWS; r++) {
            truth[r] = r % CLASSES;
            for (int d = 0; d < DIM; d++) {
                x[r][d] = (float) rnd.nextGaussian() + (d % CLASSES == truth[r] ? 2f : 0f);
            }
        }
        int poisoned = 1; // its embedding is broken: learning it makes NaN weights, which the trainer must roll back
        Arrays.fill(x[poisoned], Float.NaN);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Head head = Head.create(HeadConfig.linear(DIM, 3), CLASSES);
        try (Trainer trainer = Trainer.builder(Nd4j.create(x), head).seed(3)
                .policy(new StepPolicy(31, 5, 5, 0, 0, false, 5)) // the same work per step throughout: comparable times
                .onError(errors::add).start()) {
            double[] stepMs = new double[events];
            long[] heap = new long[3];
            long t0 = System.nanoTime();
            for (int i = 0; i < events; i++) {
                if (i == window) {
                    heap[0] = usedHeapAfterGc(); // after warm-up: classes active, buffers allocated
                } else if (i == events / 2) {
                    heap[1] = usedHeapAfterGc();
                }
                int row = i == events / 3 ? poisoned : rnd.nextInt(ROWS);
                // mostly right labels, some wrong ones and some taken back, as a user does
                int u = rnd.nextInt(20);
                LabelUpdate update = u == 0 ? LabelUpdate.unlabel(row)
                        : LabelUpdate.label(row, u == 1 ? rnd.nextInt(CLASSES) : truth[row]);
                Snapshot s = trainer.submit(update).get(60, TimeUnit.SECONDS);
                stepMs[i] = s.stepMillis();
                if (i % 100 == 0 || i == events / 3) {
                    assertThat(finite(s.headState())).as("model finite after event %d", i).isTrue();
                }
            }
            heap[2] = usedHeapAfterGc();
            double first = median(Arrays.copyOfRange(stepMs, window, 2 * window));
            double last = median(Arrays.copyOfRange(stepMs, events - window, events));
            System.out.printf("soak: %d events in %.1f s; median step %.2f ms (events %d-%d) vs %.2f ms (last %d);"
                            + " used heap after GC %d / %d / %d MB; %d labels; errors %s%n", events,
                    (System.nanoTime() - t0) / 1e9, first, window, 2 * window, last, window,
                    heap[0] >> 20, heap[1] >> 20, heap[2] >> 20, trainer.latest().labelCount(), errors);

            assertThat(errors).as("the injected bad step is reported once and rolled back").singleElement()
                    .isInstanceOf(TrainingDivergedException.class);
            assertThat(((TrainingDivergedException) errors.get(0)).quarantinedRows()).containsExactly(poisoned);
            assertThat(finite(trainer.latest().headState())).isTrue();
            assertThat(trainer.latest().predictedClass(5)).isEqualTo(truth[5]); // it still learns
            assertThat(heap[2]).as("used heap at the end vs after warm-up").isLessThan(heap[0] + (96L << 20));
            assertThat(last).as("median step time, last window vs an early one").isLessThan(2.0 * first + 2.0);
        }
    }

    private static boolean finite(HeadState s) {
        for (float v : s.paramsView()) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Used heap once garbage is really gone: ND4J frees a dead array's native buffer on its deallocator thread after
     * a GC has cleared the array, and only then does the next GC free the Java-side reference objects; so collect
     * until the figure has stopped falling for three rounds in a row (a backlog looks like a leak otherwise; one
     * round without progress is not enough on a busy machine, where the deallocator thread may not have run yet:
     * CI once read 117 MB that way where the heap held ~20).
     */
    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        int stalled = 0;
        for (int i = 0; i < 40 && stalled < 3; i++) {
            System.gc();
            Thread.sleep(200);
            long used = rt.totalMemory() - rt.freeMemory();
            stalled = used > best - (1L << 20) ? stalled + 1 : 0;
            best = Math.min(best, used);
        }
        return best;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
