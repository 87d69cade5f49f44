package dev.loupe.datacheck;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutliersTest {

    @Test
    void plantedFarPointsAreFlaggedFirst() {
        Random r = new Random(5);
        int d = 16;
        // three tight clusters of 200 points, then 6 points far from every cluster and from each other
        float[][] v = new float[606][d];
        long[] ids = new long[v.length];
        for (int i = 0; i < 600; i++) {
            int c = i / 200;
            for (int j = 0; j < d; j++) v[i][j] = (float) ((j % 3 == c ? 5 : 0) + 0.3 * r.nextGaussian());
            ids[i] = i;
        }
        for (int i = 600; i < 606; i++) {
            for (int j = 0; j < d; j++) v[i][j] = (float) (3 * r.nextGaussian());
            ids[i] = i;
        }
        Outliers.Result res = Outliers.find(ids, v, 10, 3.0, 1, () -> false);
        Set<Long> top6 = res.scores().subList(0, 6).stream().map(Outliers.Scored::id).collect(Collectors.toSet());
        assertEquals(Set.of(600L, 601L, 602L, 603L, 604L, 605L), top6);
        Set<Long> flagged = res.outliers().stream().map(Outliers.Scored::id).collect(Collectors.toSet());
        assertTrue(flagged.containsAll(top6), "flagged " + flagged);
        assertTrue(flagged.size() <= 6 + 600 / 100, "too many flagged: " + flagged.size());
    }

    @Test
    void twoCopiesOfJunkDoNotHideEachOther() {
        Random r = new Random(6);
        float[][] v = DriftTestTest.gaussian(r, 300, 8, 0, 0.3);
        for (int j = 0; j < 8; j++) {
            v[0][j] = 6;
            v[1][j] = 6; // an exact copy of row 0
        }
        long[] ids = new long[300];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        Set<Long> flagged = Outliers.find(ids, v, 10, 3.0, 1, () -> false).outliers().stream()
                .map(Outliers.Scored::id).collect(Collectors.toSet());
        assertTrue(flagged.contains(0L) && flagged.contains(1L), "flagged " + flagged);
    }
}
