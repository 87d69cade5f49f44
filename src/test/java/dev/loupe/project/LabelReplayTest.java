package dev.loupe.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelReplayTest {

    private final List<JournalEntry> events = new ArrayList<>();

    private void add(EventKind kind, Long image, Long cls, Long other) {
        events.add(new JournalEntry(events.size() + 1, 0, kind, image, cls, other, null, null, null, null));
    }

    @Test
    void emptyJournalHasNoLabels() {
        assertThat(LabelReplay.replay(List.of())).isEmpty();
    }

    @Test
    void labelRelabelUnlabel() {
        add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.LABEL, 2L, 10L, null);
        add(EventKind.RELABEL, 1L, 11L, 10L);
        add(EventKind.LABEL, 3L, 11L, null);
        add(EventKind.UNLABEL, 2L, null, 10L);
        assertThat(LabelReplay.replay(events)).isEqualTo(Map.of(1L, 11L, 3L, 11L));
    }

    @Test
    void relabelAfterUnlabelLabelsAgain() {
        add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.UNLABEL, 1L, null, 10L);
        add(EventKind.LABEL, 1L, 12L, null);
        assertThat(LabelReplay.replay(events)).isEqualTo(Map.of(1L, 12L));
    }

    @Test
    void mergeMovesLabelsOfFromIntoTarget() {
        add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.LABEL, 2L, 11L, null);
        add(EventKind.LABEL, 3L, 12L, null);
        add(EventKind.CLASS_MERGE, null, 10L, 11L);
        assertThat(LabelReplay.replay(events)).isEqualTo(Map.of(1L, 11L, 2L, 11L, 3L, 12L));
    }

    @Test
    void mergeOnlyAffectsLabelsThatExistedBefore() {
        add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.CLASS_MERGE, null, 10L, 11L);
        add(EventKind.RELABEL, 1L, 12L, 11L);
        assertThat(LabelReplay.replay(events)).isEqualTo(Map.of(1L, 12L));
    }

    @Test
    void deleteUnlabelsThatClassOnly() {
        add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.LABEL, 2L, 11L, null);
        add(EventKind.LABEL, 3L, 10L, null);
        add(EventKind.CLASS_DELETE, null, 10L, null);
        assertThat(LabelReplay.replay(events)).isEqualTo(Map.of(2L, 11L));
    }

    @Test
    void renameAndAddChangeNoLabel() {
        add(EventKind.CLASS_ADD, null, 10L, null);
        add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.CLASS_RENAME, null, 10L, null);
        add(EventKind.CLASS_ADD, null, 11L, null);
        assertThat(LabelReplay.replay(events)).isEqualTo(Map.of(1L, 10L));
    }

    @Test
    void chainOfMergesEndsInLastTarget() {
        add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.LABEL, 2L, 11L, null);
        add(EventKind.CLASS_MERGE, null, 10L, 11L);
        add(EventKind.CLASS_MERGE, null, 11L, 12L);
        add(EventKind.CLASS_DELETE, null, 10L, null); // already merged away: nothing left to unlabel
        assertThat(LabelReplay.replay(events)).isEqualTo(Map.of(1L, 12L, 2L, 12L));
    }

    @Test
    void incrementalApplyMatchesFullReplay() {
        add(EventKind.LABEL, 1L, 10L, null);
        add(EventKind.LABEL, 2L, 11L, null);
        add(EventKind.CLASS_MERGE, null, 11L, 10L);
        add(EventKind.UNLABEL, 1L, null, 10L);
        LabelReplay r = new LabelReplay();
        for (JournalEntry e : events) {
            r.apply(e);
        }
        assertThat(r.snapshot()).isEqualTo(LabelReplay.replay(events)).isEqualTo(Map.of(2L, 10L));
        assertThat(r.labelOf(2)).isEqualTo(10L);
        assertThat(r.labelOf(1)).isNull();
    }
}
