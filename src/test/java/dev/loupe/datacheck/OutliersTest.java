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

    /** 200 ordinary drawings: a few coloured shapes on white, each different. */
    private static java.awt.image.BufferedImage drawing(Random r) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, 64, 64);
        for (int s = 0; s < 3 + r.nextInt(3); s++) {
            g.setColor(java.awt.Color.getHSBColor(r.nextFloat(), 0.5f + 0.5f * r.nextFloat(), 0.4f + 0.5f * r.nextFloat()));
            int x = r.nextInt(40), y = r.nextInt(40), w = 10 + r.nextInt(24), h = 10 + r.nextInt(24);
            if (r.nextBoolean()) g.fillOval(x, y, w, h); else g.fillRect(x, y, w, h);
        }
        g.dispose();
        return img;
    }

    @Test
    void junkTheModelPutsAmongOrdinaryImagesIsFoundByHowItLooksAndSaysSo() {
        Random r = new Random(8);
        int n = 203;
        long[] ids = new long[n];
        java.util.Map<Long, PixelPrint> prints = new java.util.HashMap<>();
        for (int i = 0; i < 200; i++) {
            ids[i] = i;
            prints.put((long) i, PixelPrint.of(drawing(r)));
        }
        // a flat grey, a smooth gradient, and an image far in the model's view that looks ordinary
        java.awt.image.BufferedImage flat = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = flat.createGraphics();
        g.setColor(new java.awt.Color(120, 120, 120));
        g.fillRect(0, 0, 64, 64);
        g.dispose();
        java.awt.image.BufferedImage ramp = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) ramp.setRGB(x, y, new java.awt.Color(x * 4, x * 4, 255 - y * 2).getRGB());
        ids[200] = 200;
        ids[201] = 201;
        ids[202] = 202;
        prints.put(200L, PixelPrint.of(flat));
        prints.put(201L, PixelPrint.of(ramp));
        prints.put(202L, PixelPrint.of(drawing(r)));
        // the model's view: one blob, junk inside it (as Model Zero put flat colours among clip art), 202 far away
        float[][] v = DriftTestTest.gaussian(r, n, 8, 0, 0.3);
        for (int j = 0; j < 8; j++) v[202][j] = 6;
        Outliers.Result byModel = Outliers.find(ids, v, 10, 3.0, 1, () -> false);
        assertTrue(byModel.outliers().stream().noneMatch(s -> s.id() == 200 || s.id() == 201), "the model's view alone misses them");

        Outliers.Result res = Outliers.find(ids, v, prints::get, 10, 3.0, 1, () -> false, p -> { });
        java.util.Map<Long, Outliers.Scored> byId = res.scores().stream().collect(Collectors.toMap(Outliers.Scored::id, s -> s));
        assertTrue(byId.get(200L).outlier() && byId.get(201L).outlier(), "flat and gradient flagged: " + res.outliers());
        assertEquals(Outliers.LOOKS_UNLIKE, byId.get(200L).why());
        assertEquals(Outliers.LOOKS_UNLIKE, byId.get(201L).why());
        assertTrue(byId.get(202L).outlier(), "the model's outlier stays one");
        assertEquals(Outliers.FAR_FOR_THE_MODEL, byId.get(202L).why());
        Set<Long> top3 = res.scores().subList(0, 3).stream().map(Outliers.Scored::id).collect(Collectors.toSet());
        assertEquals(Set.of(200L, 201L, 202L), top3);
        assertTrue(res.outliers().size() <= 3 + 200 / 20, "too many flagged: " + res.outliers().size());
        // an image without a print keeps the model's view alone
        Outliers.Result noPrints = Outliers.find(ids, v, id -> null, 10, 3.0, 1, () -> false, p -> { });
        assertEquals(Set.of(202L), noPrints.outliers().stream().map(Outliers.Scored::id).collect(Collectors.toSet()));
        // cancelled: nothing
        assertEquals(null, Outliers.find(ids, v, prints::get, 10, 3.0, 1, () -> true, p -> { }));
    }
}
