package dev.loupe.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class ForgettingTest {

    @Test
    void reportsEveryFieldForEveryVariant() {
        LabelledEmbeddings all = Latency.blobs(700, 8, 4, 1.0, 3);
        LabelledEmbeddings pool = all.subset(IntStream.range(0, 500).toArray());
        LabelledEmbeddings test = all.subset(IntStream.range(500, 700).toArray());
        List<Forgetting.Run> runs = Forgetting.run(pool, test, 4, new Forgetting.Config(1, 5, 2, 30, 5, 1));
        assertThat(runs).hasSize(2);
        Map<String, Object> m = Forgetting.summary(runs);
        for (String p : new String[] {"", "naive_", "joint_", "aligned_"}) {
            for (String f : new String[] {"old_acc_after", "new_acc", "new_pred_share", "final_acc"}) {
                assertThat(m).containsKey(p + f);
                assertThat((Double) m.get(p + f)).as(p + f).isBetween(0.0, 10.0);
            }
        }
        assertThat((Double) m.get("old_acc_before")).as("three separated blobs").isGreaterThan(0.9);
        assertThat((Double) m.get("joint_new_acc")).as("joint training learns the new blob").isGreaterThan(0.5);
    }

    @Test
    void scoresCountTheNewClassCorrectly() {
        int[] truth = {0, 0, 1, 1, 2, 2};
        int[] pred = {0, 2, 1, 2, 2, 0};
        Forgetting.Scores s = Forgetting.scores(pred, truth, 2);
        assertThat(s.oldAcc()).isEqualTo(0.5);      // 0 ok, 0 wrong, 1 ok, 1 wrong
        assertThat(s.newAcc()).isEqualTo(0.5);      // one of two class-2 rows
        assertThat(s.newPredShare()).isEqualTo(1.5); // 3 predicted vs 2 true
        assertThat(s.finalAcc()).isEqualTo(0.5);
    }
}
