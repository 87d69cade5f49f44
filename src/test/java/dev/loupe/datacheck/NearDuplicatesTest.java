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

    @Test
    void thePixelCheckFindsACropTheEmbeddingMissesAndSplitsLookAlikesThatDifferInPixels() {
        Random r = new Random(6);
        int n = 200;
        int d = 32;
        float[][] v = DriftTestTest.gaussian(r, n, d, 0, 1);
        long[] ids = new long[n];
        java.util.Map<Long, PixelPrint> prints = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            ids[i] = i;
            prints.put((long) i, PixelPrint.of(PixelPrintTest.drawing(100 + i, 96)));
        }
        // row 1 is a crop of row 0: its embedding is only moderately alike (cosine ~0.7), its pixels are row 0's
        for (int j = 0; j < d; j++) v[1][j] = v[0][j] + (float) (0.9 * r.nextGaussian());
        prints.put(1L, PixelPrint.of(PixelPrintTest.drawing(100, 96).getSubimage(8, 12, 77, 77)));
        // rows 2 and 3 are a shovel and a rake: embeddings almost equal, different drawings
        for (int j = 0; j < d; j++) v[3][j] = v[2][j] + (float) (0.05 * r.nextGaussian());

        List<NearDuplicates.Group> byEmbedding = NearDuplicates.find(ids, v, 0.95, () -> false);
        assertEquals(List.of(new NearDuplicates.Group(List.of(2L, 3L), byEmbedding.get(0).minSimilarity())), byEmbedding,
                "the embedding alone misses the crop and joins the look-alikes");

        List<Double> seen = new java.util.ArrayList<>();
        List<NearDuplicates.Group> checked = NearDuplicates.find(ids, v, 0.95, NearDuplicates.PixelCheck.of(prints::get),
                () -> false, seen::add);
        assertEquals(1, checked.size(), checked.toString());
        assertEquals(List.of(0L, 1L), checked.get(0).ids());
        assertTrue(checked.get(0).minPixelMatch() >= NearDuplicates.PixelCheck.DEFAULT_MATCH);
        assertEquals(1.0, seen.get(seen.size() - 1), "progress ends at 1");
        for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i) >= seen.get(i - 1), "progress only grows: " + seen);

        // without prints (no thumbnails) a pair falls back to the embedding rule
        assertEquals(List.of(2L, 3L), NearDuplicates.find(ids, v, 0.95, NearDuplicates.PixelCheck.of(id -> null),
                () -> false, p -> { }).get(0).ids());
    }

    @Test
    void thePixelCheckGivesTheSameGroupsOnOneThreadAsOnSeveralAndStopsWhenCancelled() {
        Random r = new Random(7);
        int n = 400;
        int d = 32;
        float[][] v = DriftTestTest.gaussian(r, n, d, 0, 1);
        long[] ids = new long[n];
        java.util.Map<Long, PixelPrint> prints = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            ids[i] = 10 * i;
            prints.put(ids[i], PixelPrint.of(PixelPrintTest.drawing(500 + i % 40, 96)));
        }
        // every row of the first 40 has copies further on (same drawing, i % 40): resized, their embeddings close
        for (int i = 40; i < n; i++) {
            for (int j = 0; j < d; j++) v[i][j] = v[i % 40][j] + (float) (0.3 * r.nextGaussian());
            if (i % 3 == 0) prints.put(ids[i], PixelPrint.of(PixelPrintTest.scaled(PixelPrintTest.drawing(500 + i % 40, 96), 64, 64)));
        }
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        NearDuplicates.PixelCheck check = NearDuplicates.PixelCheck.of(id -> {
            asked.incrementAndGet();
            threads.add(Thread.currentThread().getName());
            return prints.get(id);
        });
        List<NearDuplicates.Group> one = NearDuplicates.find(ids, v, 0.95, check, () -> false, p -> { }, 1);
        List<NearDuplicates.Group> four = NearDuplicates.find(ids, v, 0.95, check, () -> false, p -> { }, 4);
        assertTrue(threads.size() >= 2, "the prints were read on several threads: " + threads);
        assertEquals(one, four, "the groups, and their least similarities and pixel matches, do not depend on threads");
        assertTrue(one.size() >= 30, "most drawings' copies are found: " + one.size() + " groups");
        for (NearDuplicates.Group g : one) {
            long first = g.ids().get(0) / 10 % 40;
            for (long id : g.ids()) assertEquals(first, id / 10 % 40, "a group holds copies of one drawing: " + g);
        }

        // cancelled during the pixel check: no result, and the threads stop asking for prints
        asked.set(0);
        java.util.concurrent.atomic.AtomicBoolean cancel = new java.util.concurrent.atomic.AtomicBoolean();
        NearDuplicates.PixelCheck slow = NearDuplicates.PixelCheck.of(id -> {
            if (asked.incrementAndGet() == 50) cancel.set(true);
            return prints.get(id);
        });
        assertEquals(null, NearDuplicates.find(ids, v, 0.95, slow, cancel::get, p -> { }, 2));
        int atCancel = asked.get();
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertTrue(asked.get() <= atCancel + 2 * 64 * NearDuplicates.MAX_CANDIDATES, "stopped soon after: " + asked.get());
        assertTrue(asked.get() < 2 * n * NearDuplicates.MAX_CANDIDATES, "did not run to the end: " + asked.get());
    }
}
