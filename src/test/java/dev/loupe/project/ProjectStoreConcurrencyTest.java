package dev.loupe.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Smoke test: labellers, an embedder and readers at once; afterwards the journal explains every label. */
class ProjectStoreConcurrencyTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void writersAndReadersTogetherLeaveAConsistentJournal() throws Exception {
        Path dir = tmp.resolve("c.loupe");
        int writers = 4;
        int perWriter = 40;
        Map<Long, Long> expected = new ConcurrentHashMap<>();
        try (ProjectStore store = ProjectStore.open(dir, true)) {
            List<Long> ids = TestImages.addMany(store, tmp.resolve("photos"), writers * perWriter);
            List<Long> classes = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                classes.add(store.addClass("c" + k, null, null).id());
            }
            ExecutorService pool = Executors.newFixedThreadPool(writers + 3);
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean done = new AtomicBoolean();
            List<Future<?>> writing = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                List<Long> mine = ids.subList(w * perWriter, (w + 1) * perWriter); // disjoint images
                Random rnd = new Random(w);
                writing.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < 2; round++) {
                        for (long img : mine) {
                            long cls = classes.get(rnd.nextInt(classes.size()));
                            store.label(img, cls, rnd.nextBoolean(), (long) round);
                            expected.put(img, cls);
                        }
                    }
                    return null;
                }));
            }
            writing.add(pool.submit(() -> { // the embedder, in batches
                start.await();
                for (int i = 0; i < ids.size(); i += 16) {
                    Map<Long, float[]> batch = new HashMap<>();
                    for (long id : ids.subList(i, Math.min(ids.size(), i + 16))) {
                        batch.put(id, new float[] {id, -id, 0.5f});
                    }
                    store.putEmbeddings("tiny", batch);
                }
                return null;
            }));
            List<Future<Integer>> reading = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                reading.add(pool.submit(() -> {
                    start.await();
                    int reads = 0;
                    while (!done.get()) {
                        Map<Long, Long> labels = store.currentLabels();
                        assertThat(labels.size()).isLessThanOrEqualTo(ids.size());
                        assertThat(store.stats().labelled()).isLessThanOrEqualTo(ids.size());
                        EmbeddingSet set = store.embeddings("tiny");
                        assertThat(set.ids().length).isEqualTo(set.vectors().length);
                        store.journalSince(Math.max(0, store.lastSeq() - 10));
                        reads++;
                    }
                    return reads;
                }));
            }
            start.countDown();
            for (Future<?> f : writing) {
                f.get(100, TimeUnit.SECONDS); // rethrows any writer's failure
            }
            done.set(true);
            for (Future<Integer> f : reading) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isPositive();
            }
            pool.shutdown();

            assertThat(store.currentLabels()).isEqualTo(expected).hasSize(ids.size());
            List<JournalEntry> journal = store.journal();
            assertThat(LabelReplay.replay(journal)).isEqualTo(expected);
            assertThat(journal).extracting(JournalEntry::seq).isSorted().doesNotHaveDuplicates();
            assertThat(store.embeddings("tiny").size()).isEqualTo(ids.size());
        }
        try (ProjectStore again = ProjectStore.open(dir, false)) {
            assertThat(again.currentLabels()).isEqualTo(expected);
        }
    }
}
