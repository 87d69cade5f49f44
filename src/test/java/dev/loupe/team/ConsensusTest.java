package dev.loupe.team;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.team.Consensus.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The consensus rule of ADR 0034, without a server. */
class ConsensusTest {

    @Test
    void oneAnnotatorsLabelIsTheLabel() {
        assertThat(Consensus.decide(Map.of("ann", 3L), null)).extracting("classId", "status").containsExactly(3L, Status.SINGLE);
    }

    @Test
    void twoAgreeingVotesMakeAMajorityTwoDisagreeingOnesAConflict() {
        assertThat(Consensus.decide(Map.of("a", 1L, "b", 1L), null).classId()).isEqualTo(1L);
        Consensus.Decision d = Consensus.decide(Map.of("a", 1L, "b", 2L), null);
        assertThat(d.status()).isEqualTo(Status.CONFLICT);
        assertThat(d.classId()).isNull();
    }

    @Test
    void aMajorityNeedsMoreThanHalfTheVotes() {
        assertThat(Consensus.decide(Map.of("a", 1L, "b", 1L, "c", 2L), null))
                .extracting("classId", "status").containsExactly(1L, Status.MAJORITY);
        assertThat(Consensus.decide(Map.of("a", 1L, "b", 2L, "c", 3L), null).status()).isEqualTo(Status.CONFLICT);
        // 2 of 4 is not more than half: a tie goes to adjudication
        assertThat(Consensus.decide(Map.of("a", 1L, "b", 1L, "c", 2L, "d", 2L), null).status()).isEqualTo(Status.CONFLICT);
        assertThat(Consensus.decide(Map.of("a", 1L, "b", 1L, "c", 2L, "d", 3L), null).status()).isEqualTo(Status.CONFLICT);
        assertThat(Consensus.decide(Map.of("a", 1L, "b", 1L, "c", 1L, "d", 3L), null).classId()).isEqualTo(1L);
    }

    @Test
    void aReviewersDecisionWinsOverTheVotesEvenAUnanimousOne() {
        assertThat(Consensus.decide(Map.of("a", 1L, "b", 2L), 2L)).extracting("classId", "status")
                .containsExactly(2L, Status.ADJUDICATED);
        assertThat(Consensus.decide(Map.of("a", 1L, "b", 1L), 3L).classId()).isEqualTo(3L);
        assertThat(Consensus.decide(Map.of(), 3L).classId()).isEqualTo(3L);
    }

    @Test
    void trainingLabelsLeaveConflictsOut() {
        AnnotatorLabels votes = new AnnotatorLabels(Map.of(
                "a", Map.of(10L, 1L, 11L, 1L, 12L, 2L),
                "b", Map.of(10L, 1L, 11L, 2L),
                "c", Map.of(11L, 3L)), 0);
        Map<Long, Consensus.Decision> d = Consensus.of(votes, Map.of(13L, 2L));
        assertThat(d.get(10L).status()).isEqualTo(Status.MAJORITY);
        assertThat(d.get(11L).status()).isEqualTo(Status.CONFLICT);
        assertThat(d.get(12L).status()).isEqualTo(Status.SINGLE);
        assertThat(d.get(13L).status()).isEqualTo(Status.ADJUDICATED);
        assertThat(Consensus.trainingLabels(d)).isEqualTo(Map.of(10L, 1L, 12L, 2L, 13L, 2L));
    }
}
