package dev.loupe.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyTest {

    @Test
    void reportsPositiveTimingsAndMemory() {
        Map<String, Object> m = Latency.run(new Latency.Config(2000, 10, 16, 12, 3, 3, 1));
        for (String k : new String[] {"p50_ms", "p95_ms", "p99_ms", "step_p50_ms", "step_p95_ms", "rerank_p50_ms",
                "rerank_p95_ms", "add_class_ms", "heap_used_mb", "process_rss_mb"}) {
            assertThat(m).containsKey(k);
            assertThat(((Number) m.get(k)).doubleValue()).as(k).isPositive();
        }
        assertThat((double) m.get("p50_ms")).isLessThanOrEqualTo((double) m.get("p95_ms"));
        assertThat((double) m.get("p95_ms")).isLessThanOrEqualTo((double) m.get("p99_ms"));
        assertThat(m.get("classes_after_add")).isEqualTo(11);
        assertThat(m.get("initial_labels")).isEqualTo(30);
    }
}
