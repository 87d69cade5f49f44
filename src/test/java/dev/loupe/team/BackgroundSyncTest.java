package dev.loupe.team;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.project.ProjectStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background syncer without a server: an unreachable one is reported, tried again, and the syncer stops on close. */
class BackgroundSyncTest {

    @TempDir
    Path tmp;

    @Test
    void anUnreachableServerIsReportedAndTriedAgainUntilClosed() throws Exception {
        try (ProjectStore store = ProjectStore.open(tmp.resolve("p.loupe"), true)) {
            TeamSync.link(store, ServerUrl.parse("postgresql://nobody@127.0.0.1:1/none"), "birds");
            TeamPg.addImages(store, tmp, 2);
            long cls = store.addClass("a", null, null).id();
            store.label(store.findByRelPath("img0.png").orElseThrow().id(), cls, null, null);
            List<String> failures = new CopyOnWriteArrayList<>();
            CountDownLatch twice = new CountDownLatch(2);
            BackgroundSync sync = new BackgroundSync(TeamSync.Local.of(store), TeamSync.server(store), "birds",
                    new BackgroundSync.Listener() {
                        @Override
                        public void synced(TeamSync.Report report) {
                            throw new AssertionError("no server to sync with");
                        }

                        @Override
                        public void failed(String why) {
                            failures.add(why);
                            twice.countDown();
                        }
                    }, 60_000, 50).start();
            assertThat(twice.await(0, TimeUnit.MILLISECONDS)).isFalse();
            Thread.sleep(200);
            sync.nudge(); // a label: tried again a moment later, not only after the period
            assertThat(twice.await(30, TimeUnit.SECONDS)).as("failed, then tried again after the nudge").isTrue();
            assertThat(failures.get(0)).contains("cannot be reached").contains("Nothing is lost");
            sync.close();
            sync.thread().join(10_000);
            assertThat(sync.thread().isAlive()).isFalse();
            assertThat(TeamSync.pendingUploads(store)).as("the label waits for the server, kept here").isGreaterThanOrEqualTo(1);
        }
    }
}
