package dev.loupe.team;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.bench.TeamBench;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `loupe bench team` counts what the server really holds (skipped without a server, see {@link TeamPg}). */
class TeamBenchTest {

    @TempDir
    Path tmp;

    @Test
    void everyLabelTheBenchCountsIsOnTheServer() {
        ServerUrl url = ServerUrl.parse(TeamPg.url());
        TeamBench.Result r = new TeamBench().run(url, tmp, 2, 1, 5);
        assertThat(r.labels()).isPositive();
        assertThat(r.serverLabelEvents()).isEqualTo(r.labels());
        assertThat(r.labelsPerSecond()).isEqualTo(r.labels() / r.seconds());
    }
}
