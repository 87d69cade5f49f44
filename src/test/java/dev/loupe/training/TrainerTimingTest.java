package dev.loupe.training;

import dev.loupe.ranking.ColdStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Label → published snapshot latency at the target sizes (ADR 0004). Slow: run with
 * {@code -Dloupe.bench=true -Dtest=TrainerTimingTest}.
 */
@EnabledIfSystemProperty(named = "loupe.bench", matches = "true")
class TrainerTimingTest {
    private static final int D = 512, C = 100;

    @Test
    void latencyAtTenAndHundredThousandRows() throws Exception {
        Nd4j.getRandom().setSeed(1);
        for (int n : new int[] {10_000, 100_000}) {
            INDArray emb = Nd4j.rand(DataType.FLOAT, n, D);
            for (int hidden : new int[] {0, 256}) {
                run(emb, n, hidden, hidden == 0 ? 40 : 15);
            }
            if (n == 100_000) {
                long t = System.nanoTime();
                ColdStart cs = ColdStart.fit(emb, ColdStart.suggestedK(C, n), 1);
                System.out.printf("BENCH cold start k-means k=%d on %dx%d: %.0f ms%n", cs.k(), n, D, (System.nanoTime() - t) / 1e6);
            }
        }
    }

    private static void run(INDArray emb, int n, int hidden, int labels) throws Exception {
        int[] initial = new int[n];
        Arrays.fill(initial, -1);
        for (int i = 0; i < 300; i++) initial[i] = i % C; // 3 per class: past cold start, 5 Adam steps per label
        Head head = Head.create(new HeadConfig(D, hidden, 1e-2, HeadConfig.DEFAULT_L2, 1), C);
        try (Trainer t = Trainer.builder(emb, head).initialLabels(initial).start()) {
            double[] lat = new double[labels], step = new double[labels], rerank = new double[labels];
            for (int i = 0; i < 5; i++) t.submit(LabelUpdate.label(1000 + i, i % C)).get(60, TimeUnit.SECONDS); // warm-up
            for (int i = 0; i < labels; i++) {
                long t0 = System.nanoTime();
                Snapshot s = t.submit(LabelUpdate.label(2000 + i, (i * 7) % C)).get(60, TimeUnit.SECONDS);
                lat[i] = (System.nanoTime() - t0) / 1e6;
                step[i] = s.stepMillis();
                rerank[i] = s.rerankMillis();
            }
            System.out.printf("BENCH n=%d D=%d C=%d %s: label->snapshot p50 %.1f ms p95 %.1f ms | step p50 %.1f | rerank p50 %.1f p95 %.1f (%d labels)%n",
                    n, D, C, hidden == 0 ? "linear" : "hidden" + hidden, pct(lat, 50), pct(lat, 95), pct(step, 50),
                    pct(rerank, 50), pct(rerank, 95), labels);
        }
    }

    private static double pct(double[] a, int p) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }
}
