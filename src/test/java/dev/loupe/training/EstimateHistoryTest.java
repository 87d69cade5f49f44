package dev.loupe.training;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class EstimateHistoryTest {

    @Test
    void aPointReplacesTheOneAtItsLabelCountAndDropsLaterOnesLeftByAnUndo() {
        EstimateHistory h = EstimateHistory.EMPTY.with(1, 0.2).with(2, 0.3).with(3, 0.4);
        assertThat(h.with(3, 0.45).estimates()).containsExactly(0.2, 0.3, 0.45);
        assertThat(h.with(2, 0.35).labelCounts()).containsExactly(1, 2);
        assertThat(h.with(4, Double.NaN)).isSameAs(h);
        assertThat(h.size()).as("immutable").isEqualTo(3);
    }

    @Test
    void aLongCurveKeepsItsRecentHalfAndThinsTheOlderOne() throws Exception {
        EstimateHistory h = EstimateHistory.EMPTY;
        for (int n = 1; n <= 1000; n++) h = h.with(n, n / 1000.0);
        assertThat(h.size()).isLessThanOrEqualTo(EstimateHistory.MAX_POINTS);
        assertThat(h.labels(h.size() - 1)).isEqualTo(1000);
        assertThat(h.labels(0)).isEqualTo(1);
        int[] l = h.labelCounts();
        for (int i = 1; i < l.length; i++) assertThat(l[i]).isGreaterThan(l[i - 1]);
        assertThat(l[l.length - 1] - l[l.length - 2]).isEqualTo(1); // the newest stay dense

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(bytes)) {
            h.writeTo(d);
        }
        assertThat(EstimateHistory.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())))).isEqualTo(h);
    }
}
