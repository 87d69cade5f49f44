package dev.loupe.importing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DecodeAheadTest {

    @Test
    void batchesComeInOrderAndTheNextOneDecodesWhileTheCallerWorks() throws Exception {
        List<Integer> items = IntStream.range(0, 7).boxed().toList();
        CountDownLatch secondBatchStarted = new CountDownLatch(1);
        List<List<String>> got = new ArrayList<>();
        try (DecodeAhead<Integer, String> d = new DecodeAhead<>(items, 3, 2, "test-decode", i -> {
            if (i == 3) secondBatchStarted.countDown();
            return "v" + i;
        })) {
            got.add(d.next());
            // the caller holds batch 0 and has not asked for batch 1: it is being decoded already
            assertThat(secondBatchStarted.await(10, TimeUnit.SECONDS)).isTrue();
            while (d.hasNext()) got.add(d.next());
            assertThatThrownBy(d::next).isInstanceOf(NoSuchElementException.class);
        }
        assertThat(got).containsExactly(List.of("v0", "v1", "v2"), List.of("v3", "v4", "v5"), List.of("v6"));
    }

    @Test
    void nothingToDecodeIsNoBatchAndAThrowingDecodeEndsTheRun() {
        try (DecodeAhead<Integer, String> d = new DecodeAhead<>(List.of(), 3, 2, "test-decode", i -> "v" + i)) {
            assertThat(d.hasNext()).isFalse();
        }
        try (DecodeAhead<Integer, String> d = new DecodeAhead<>(List.of(1, 2), 5, 2, "test-decode", i -> {
            if (i == 2) throw new IllegalStateException("cannot decode 2");
            return "v" + i;
        })) {
            assertThatThrownBy(d::next).isInstanceOf(CompletionException.class).hasMessageContaining("cannot decode 2");
        }
    }
}
