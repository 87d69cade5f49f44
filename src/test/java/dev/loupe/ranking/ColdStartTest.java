package dev.loupe.ranking;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ColdStartTest {
    static final int BLOBS = 6, PER = 60, D = 8;

    /** Row i belongs to blob i % BLOBS; blobs 20 apart, unit noise. */
    static INDArray blobs(long seed) {
        Random r = new Random(seed);
        float[] x = new float[BLOBS * PER * D];
        for (int i = 0; i < BLOBS * PER; i++) {
            int b = i % BLOBS;
            for (int j = 0; j < D; j++) x[i * D + j] = (float) ((j == b ? 20 : 0) + r.nextGaussian());
        }
        return Nd4j.create(x, new long[] {BLOBS * PER, D}, 'c');
    }

    @Test
    void picksOneImageFromEveryBlobBeforeASecondFromAny() {
        for (long seed = 1; seed <= 3; seed++) {
            ColdStart cs = ColdStart.fit(blobs(seed), BLOBS, seed);
            Set<Integer> firstRound = new HashSet<>();
            for (int i = 0; i < BLOBS; i++) firstRound.add(cs.orderAt(i) % BLOBS);
            assertThat(firstRound).hasSize(BLOBS);
            Set<Integer> all = new HashSet<>();
            for (int i = 0; i < cs.size(); i++) all.add(cs.orderAt(i));
            assertThat(all).hasSize(BLOBS * PER);
        }
    }

    @Test
    void consecutivePicksComeFromDifferentClusters() {
        ColdStart cs = ColdStart.fit(blobs(4), 12, 4); // more clusters than blobs
        for (int i = 1; i < 12; i++) assertThat(cs.clusterOf(cs.orderAt(i))).isNotEqualTo(cs.clusterOf(cs.orderAt(i - 1)));
    }

    @Test
    void theSpreadOrderShowsEveryBlobFirstEvenWithMoreClustersThanBlobs() {
        // 24 clusters over 6 blobs: sorted by size alone, the first few could all be pieces of one blob
        for (long seed = 1; seed <= 3; seed++) {
            ColdStart cs = ColdStart.fit(blobs(seed), 24, seed);
            int[] order = cs.spreadOrder();
            Set<Integer> first = new HashSet<>();
            for (int i = 0; i < BLOBS; i++) first.add(order[i] % BLOBS);
            assertThat(first).as("seed %d", seed).hasSize(BLOBS);
            Set<Integer> all = new HashSet<>();
            for (int row : order) all.add(row);
            assertThat(all).hasSize(BLOBS * PER);
        }
        // with a cluster per row it is a farthest-first traversal of the rows themselves
        ColdStart each = ColdStart.fit(blobs(5).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 30),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup(), 30, 5);
        Set<Integer> first = new HashSet<>();
        for (int i = 0; i < BLOBS; i++) first.add(each.spreadOrder()[i] % BLOBS);
        assertThat(first).hasSize(BLOBS);
    }

    @Test
    void suggestedKIsAboutTwicePerClassWithinBounds() {
        assertThat(ColdStart.suggestedK(2, 10_000)).isEqualTo(8);
        assertThat(ColdStart.suggestedK(10, 10_000)).isEqualTo(20);
        assertThat(ColdStart.suggestedK(1000, 10_000)).isEqualTo(256);
        assertThat(ColdStart.suggestedK(10, 5)).isEqualTo(5);
    }
}
