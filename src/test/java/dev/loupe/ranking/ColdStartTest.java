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
    void aPicksMassIsHowManyRowsItsClusterHoldsPerCluster() {
        // blobs of unequal size: 4 blobs hold 60 rows each, the other 2 only their first 15
        INDArray all = blobs(6);
        int[] keep = java.util.stream.IntStream.range(0, BLOBS * PER).filter(i -> i % BLOBS < 4 || i < 15 * BLOBS).toArray();
        INDArray x = Nd4j.pullRows(all, 1, keep);
        ColdStart cs = ColdStart.fit(x, BLOBS, 6);
        int n = keep.length;
        double total = 0;
        for (int row = 0; row < n; row++) {
            int size = 0;
            for (int other = 0; other < n; other++) if (cs.clusterOf(other) == cs.clusterOf(row)) size++;
            assertThat(cs.mass(row)).isEqualTo(BLOBS * (double) size / n);
            total += cs.mass(row) / size; // each cluster once
        }
        assertThat(total).as("the masses of the k clusters average 1").isCloseTo(BLOBS, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(cs.mass(0)).as("a big blob's pick stands for more rows").isGreaterThan(1.0);
        assertThat(cs.mass(keep.length - 1)).as("the last row is of a big blob")
                .isGreaterThan(1.0);
        int smallRow = 4; // blob 4, one of the two small ones
        assertThat(cs.mass(smallRow)).isLessThan(0.5);
    }

    @Test
    void suggestedKIsAboutTwicePerClassWithinBounds() {
        assertThat(ColdStart.suggestedK(2, 10_000)).isEqualTo(8);
        assertThat(ColdStart.suggestedK(10, 10_000)).isEqualTo(20);
        assertThat(ColdStart.suggestedK(1000, 10_000)).isEqualTo(256);
        assertThat(ColdStart.suggestedK(10, 5)).isEqualTo(5);
    }
}
