package dev.loupe.gallery;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class LongSetTest {

    @Test
    void behavesLikeAHashSetUnderRandomAddsAndRemoves() {
        SplittableRandom r = new SplittableRandom(7);
        LongSet mine = new LongSet(4);
        Set<Long> ref = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            // a small range so that adds, removes and probe runs collide often; the sentinel value is among them
            long v = r.nextInt(3) == 0 ? Long.MIN_VALUE + r.nextInt(3) : r.nextLong(-2_000, 2_000);
            boolean add = r.nextInt(3) != 0;
            if (add) {
                assertThat(mine.add(v)).isEqualTo(ref.add(v));
            } else {
                assertThat(mine.remove(v)).isEqualTo(ref.remove(v));
            }
            long probe = r.nextLong(-2_100, 2_100);
            assertThat(mine.contains(probe)).isEqualTo(ref.contains(probe));
            assertThat(mine.contains(Long.MIN_VALUE)).isEqualTo(ref.contains(Long.MIN_VALUE));
            assertThat(mine.size()).isEqualTo(ref.size());
        }
        for (long v = -2_000; v < 2_000; v++) {
            assertThat(mine.contains(v)).isEqualTo(ref.contains(v));
        }
    }

    @Test
    void holdsWhatItWasMadeOf() {
        LongSet s = LongSet.of(new long[] {5, 5, 1L << 40, -3});
        assertThat(s.size()).isEqualTo(3);
        assertThat(s.contains(1L << 40)).isTrue();
        assertThat(s.contains(4)).isFalse();
        assertThat(LongSet.of(java.util.List.of(9L, 10L)).contains(10)).isTrue();
        assertThat(new LongSet(0).isEmpty()).isTrue();
    }
}
