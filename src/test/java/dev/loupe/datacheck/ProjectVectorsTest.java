package dev.loupe.datacheck;

import dev.loupe.project.ImageStatus;
import dev.loupe.project.NewImage;
import dev.loupe.project.ProjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The data checks on the project's native rows (ADR 0040) find what they found on heap copies. */
class ProjectVectorsTest {

    @TempDir
    Path tmp;

    private static float[][] clusters(Random r, int n, int d) {
        float[][] v = new float[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) v[i][j] = (float) ((j % 4 == i % 4 ? 4 : 0) + 0.5 * r.nextGaussian() + 2);
        }
        for (int j = 0; j < d; j++) {
            v[7][j] = v[3][j] + 1e-3f; // a near copy
            v[11][j] = (float) (9 * r.nextGaussian()); // far from all
        }
        return v;
    }

    @Test
    void nativeRowsScoreAndGroupAsTheHeapArraysDo() {
        Random r = new Random(3);
        float[][] v = clusters(r, 700, 24);
        long[] ids = new long[v.length];
        for (int i = 0; i < ids.length; i++) ids[i] = 100 + i;
        try (ProjectVectors pv = ProjectVectors.of(ids, v)) {
            Outliers.Result heap = Outliers.find(ids, v, 10, 3.0, 1, () -> false);
            Outliers.Result nat = Outliers.find(pv, 10, 3.0, 1, Outliers.Metric.EUCLIDEAN, () -> false);
            assertThat(nat.scores()).isEqualTo(heap.scores());
            assertThat(nat.outliers()).extracting(Outliers.Scored::id).contains(111L);
            List<NearDuplicates.Group> groups = NearDuplicates.find(pv, 0.95, () -> false);
            assertThat(groups).isEqualTo(NearDuplicates.find(ids, v, 0.95, () -> false));
            assertThat(groups).anySatisfy(g -> assertThat(g.ids()).contains(103L, 107L));
        }
    }

    @Test
    void readsOnlyLiveNotExcludedImagesStraightFromTheStore() {
        Path photos = tmp.resolve("photos");
        try (ProjectStore store = ProjectStore.open(tmp.resolve("p.loupe"), true)) {
            List<NewImage> news = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String rel = "img" + i + ".png";
                news.add(new NewImage(photos.resolve(rel), photos, String.format("%064x", i + 1), 1000, 1_700_000_000_000L, 8, 8));
            }
            List<Long> ids = store.addImages(news);
            float[][] v = clusters(new Random(4), 40, 16);
            Map<Long, float[]> stored = new HashMap<>();
            for (int i = 0; i < 39; i++) stored.put(ids.get(i), v[i]); // the last image has no embedding yet
            store.putEmbeddings("b", stored);
            store.setStatus(ids.get(5), ImageStatus.MISSING, "gone");
            store.setExcluded(List.of(ids.get(9)), true, "user");

            List<Long> live = new ArrayList<>();
            List<float[]> rows = new ArrayList<>();
            for (int i = 0; i < 39; i++) {
                if (i == 5 || i == 9) continue;
                live.add(ids.get(i));
                rows.add(v[i]);
            }
            long[] want = live.stream().mapToLong(Long::longValue).toArray();
            float[][] wantRows = rows.toArray(new float[0][]);
            try (ProjectVectors pv = ProjectVectors.read(store, "b", ProjectVectors.Use.REPEATEDLY)) {
                assertThat(pv.ids()).containsExactly(want);
                assertThat(Outliers.find(pv, 5, 3.0, 1, Outliers.Metric.ANGULAR, () -> false).scores())
                        .isEqualTo(Outliers.find(want, wantRows, 5, 3.0, 1, Outliers.Metric.ANGULAR, () -> false).scores());
                assertThat(NearDuplicates.find(pv, 0.9, () -> false)).isEqualTo(NearDuplicates.find(want, wantRows, 0.9, () -> false));
            }
            // read for one search: centred where they lie (rows 5 and 9 skipped, so the kept rows move up), same results
            Outliers.Result angular = Outliers.find(want, wantRows, 5, 3.0, 1, Outliers.Metric.ANGULAR, () -> false);
            try (ProjectVectors once = ProjectVectors.read(store, "b", ProjectVectors.Use.ONCE)) {
                assertThat(Outliers.find(once, 5, 3.0, 1, Outliers.Metric.ANGULAR, () -> false).scores())
                        .isEqualTo(angular.scores());
                assertThat(once.ids()).containsExactly(want);
                assertThatThrownBy(() -> NearDuplicates.find(once, 0.9, () -> false))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("read them again");
            }
            try (ProjectVectors once = ProjectVectors.read(store, "b", ProjectVectors.Use.ONCE)) {
                assertThat(NearDuplicates.find(once, 0.9, () -> false))
                        .isEqualTo(NearDuplicates.find(want, wantRows, 0.9, () -> false));
            }
            try (ProjectVectors none = ProjectVectors.read(store, "other", ProjectVectors.Use.ONCE)) {
                assertThat(none.size()).isZero();
                assertThat(NearDuplicates.find(none, 0.9, () -> false)).isEmpty();
            }
            assertThat(store.embeddings("b", id -> id == ids.get(2) || id == ids.get(39)).ids()).containsExactly(ids.get(2));
        }
    }
}
