package dev.loupe.ranking;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.assertj.core.api.Assertions.assertThat;

class RankerTest {
    @Test
    void handsOverFromColdStartAtTheThreshold() {
        Ranker r = new Ranker(QueryStrategy.MARGIN, 1, 20, 2, 1000);
        assertThat(r.inColdStart(19, 5)).isTrue();
        assertThat(r.inColdStart(20, 5)).isFalse();
        assertThat(r.inColdStart(29, 15)).isTrue();   // fewer than 2 per class
        assertThat(r.inColdStart(30, 15)).isFalse();
    }

    @Test
    void queueFollowsColdStartThenScores() {
        INDArray emb = ColdStartTest.blobs(9);
        int n = emb.rows();
        Ranker r = new Ranker(QueryStrategy.MARGIN, 9, 20, 2, 1000);
        float[] score = new float[n];
        for (int i = 0; i < n; i++) score[i] = i; // highest score = last row
        boolean[] labelled = new boolean[n];
        ColdStart cs = r.coldStart(emb, 3);
        labelled[cs.orderAt(0)] = true;
        int[] cold = r.queue(score, labelled, 1, 3, emb);
        assertThat(cold).hasSize(n - 1);
        assertThat(cold[0]).isEqualTo(cs.orderAt(1));  // cold start order, skipping the labelled row

        for (int i = 0; i < 20; i++) labelled[n - 1 - i] = true;
        labelled[cs.orderAt(0)] = false;
        int[] warm = r.queue(score, labelled, 20, 3, emb);
        assertThat(warm).hasSize(n - 20);
        assertThat(warm[0]).isEqualTo(n - 21);          // strategy order now
        assertThat(warm[1]).isEqualTo(n - 22);
    }
}
