package dev.loupe.datacheck;

import dev.loupe.project.EmbeddingSet;
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
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The drift check on the rows it samples alone (ADR 0040) says what it says on every row. */
class ProjectDriftTest {

    @TempDir
    Path tmp;

    @Test
    void readingOnlyTheSampledRowsGivesTheSameReport() {
        Path photos = tmp.resolve("photos");
        try (ProjectStore store = ProjectStore.open(tmp.resolve("p.loupe"), true)) {
            List<NewImage> news = new ArrayList<>();
            for (int i = 0; i < 4_400; i++) { // more earlier images than the confidences' sample of 4,000
                String rel = "img" + i + ".png";
                news.add(new NewImage(photos.resolve(rel), photos, String.format("%064x", i + 1), 1000, 1_700_000_000_000L, 8, 8));
            }
            List<Long> ids = store.addImages(news);
            Random r = new Random(9);
            Map<Long, float[]> stored = new HashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                float[] v = new float[12];
                for (int j = 0; j < v.length; j++) v[j] = (float) (r.nextGaussian() + (i >= 4_300 && j < 3 ? 1.5 : 0));
                if (i != 17) stored.put(ids.get(i), v); // one image without an embedding
            }
            store.putEmbeddings("b", stored);
            store.setExcluded(List.of(ids.get(3), ids.get(4_350)), true, "user");
            long lastBefore = ids.get(4_299);
            Set<Long> excluded = store.excludedImages();
            // samples smaller than either side, so most rows are left out
            DriftTest.Config config = new DriftTest.Config(0.05, 100, 40, 25, 10, 42);

            EmbeddingSet some = ProjectDrift.rowsUsed(store, "b", lastBefore, excluded, config);
            EmbeddingSet all = store.embeddings("b");
            assertThat(some.ids()).containsExactly(all.ids());
            long held = java.util.Arrays.stream(some.vectors()).filter(java.util.Objects::nonNull).count();
            // the new images and 4,000 earlier ones for the confidences; ~300 earlier ones are left out
            assertThat(held).as("rows read").isLessThan(all.size() - 250).isGreaterThanOrEqualTo(4_000);

            DriftReport a = DriftCheck.check(all, id -> id > lastBefore && !excluded.contains(id),
                    id -> id <= lastBefore && !excluded.contains(id), null, config, () -> false);
            DriftReport b = DriftCheck.check(some, id -> id > lastBefore && !excluded.contains(id),
                    id -> id <= lastBefore && !excluded.contains(id), null, config, () -> false);
            assertThat(b.test().pValue()).isEqualTo(a.test().pValue());
            assertThat(b.test().mmd2()).isEqualTo(a.test().mmd2());
            assertThat(b.test().witness()).containsExactly(a.test().witness());
            assertThat(b.order()).isEqualTo(a.order());
            assertThat(a.drifted()).isTrue();
        }
    }
}
