package dev.loupe.datacheck;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NearDuplicatesTest {

    @Test
    void plantedCopiesAreGroupedAndNothingElse() {
        Random r = new Random(3);
        int n = 600;
        int d = 32;
        float[][] v = DriftTestTest.gaussian(r, n, d, 0, 1);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = 1000 + i;
        // rows 1 and 2 copy row 0 with a little noise; rows 11 copies row 10; rows 300..302 form a chain of copies of 299
        for (int[] copy : new int[][] {{0, 1}, {0, 2}, {10, 11}, {299, 300}, {300, 301}, {301, 302}}) {
            for (int j = 0; j < d; j++) v[copy[1]][j] = v[copy[0]][j] + (float) (0.05 * r.nextGaussian());
        }
        List<NearDuplicates.Group> groups = NearDuplicates.find(ids, v, 0.95, () -> false);
        assertEquals(3, groups.size(), groups.toString());
        assertEquals(List.of(1299L, 1300L, 1301L, 1302L), groups.get(0).ids());
        assertEquals(List.of(1000L, 1001L, 1002L), groups.get(1).ids());
        assertEquals(List.of(1010L, 1011L), groups.get(2).ids());
        for (NearDuplicates.Group g : groups) assertTrue(g.minSimilarity() >= 0.95 && g.minSimilarity() <= 1.0001);
    }

    @Test
    void withoutCopiesThereAreNoGroups() {
        Random r = new Random(4);
        float[][] v = DriftTestTest.gaussian(r, 300, 32, 0, 1);
        long[] ids = new long[300];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        assertEquals(List.of(), NearDuplicates.find(ids, v, 0.95, () -> false));
    }

    @Test
    void lookAlikesDoNotChainIntoOneGroup() {
        Random r = new Random(5);
        int d = 32;
        float[][] v = DriftTestTest.gaussian(r, 400, d, 0, 1);
        long[] ids = new long[400];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        // rows 0..29 walk in small steps: neighbours are near-duplicates, the two ends are not
        for (int i = 1; i < 30; i++) {
            for (int j = 0; j < d; j++) v[i][j] = v[i - 1][j] + (float) (0.12 * r.nextGaussian());
        }
        List<NearDuplicates.Group> groups = NearDuplicates.find(ids, v, 0.95, () -> false);
        assertTrue(groups.size() >= 2, "the walk must not be one group: " + groups);
        for (NearDuplicates.Group g : groups) {
            assertTrue(g.ids().size() < 30, "chained: " + g.ids());
            assertTrue(g.minSimilarity() >= 0.95, "a pair below the threshold in " + g);
        }
    }
}
