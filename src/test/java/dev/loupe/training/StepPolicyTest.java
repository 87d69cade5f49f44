package dev.loupe.training;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepPolicyTest {

    @Test
    void manyStepsWhileLabelsAreFewTaperingToTheMinimum() {
        StepPolicy p = StepPolicy.defaults();
        assertThat(p.adamSteps(0)).isEqualTo(50);
        assertThat(p.adamSteps(99)).isEqualTo(50);
        assertThat(p.adamSteps(300)).isEqualTo(38); // halfway: 50 + 0.5 * (25 - 50) = 37.5, rounded
        assertThat(p.adamSteps(500)).isEqualTo(25);
        assertThat(p.adamSteps(100_000)).isEqualTo(25);
    }

    @Test
    void manyClassesCapTheStepsSoALabelStaysFastButAStepIsAlwaysTaken() {
        StepPolicy p = StepPolicy.defaults();
        assertThat(p.adamSteps(10, 10)).as("10 classes: no cap").isEqualTo(50);
        assertThat(p.adamSteps(600, 10)).isEqualTo(25);
        assertThat(p.adamSteps(10, 100)).as("100 classes: 1,000 / 100").isEqualTo(10);
        assertThat(p.adamSteps(10, 5000)).as("never zero").isEqualTo(1);
        StepPolicy uncapped = new StepPolicy(31, 50, 5, 60, 160, false, 5);
        assertThat(uncapped.adamSteps(10, 100_000)).isEqualTo(50);
    }

    @Test
    void theL2PenaltyPerLabelStaysConstantPastAHundredLabels() {
        StepPolicy p = StepPolicy.defaults();
        assertThat(p.l2(1e-2, 0)).isEqualTo(1e-2);
        assertThat(p.l2(1e-2, 100)).isEqualTo(1e-2);
        assertThat(p.l2(1e-2, 200)).isCloseTo(5e-3, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(p.l2(1e-2, 2000)).isCloseTo(5e-4, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(new StepPolicy(31, 50, 5, 60, 160, false, 5).l2(1e-2, 2000)).as("constant").isEqualTo(1e-2);
    }

    @Test
    void theLabelStepRateShrinksAsTheSquareRootPastAHundredLabels() {
        StepPolicy p = StepPolicy.defaults();
        assertThat(p.learningRateScale(1)).isEqualTo(1.0);
        assertThat(p.learningRateScale(100)).isEqualTo(1.0);
        assertThat(p.learningRateScale(400)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(p.learningRateScale(2500)).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(new StepPolicy(31, 50, 5, 60, 160, false, 5).learningRateScale(2000)).as("constant").isEqualTo(1.0);
    }

    @Test
    void inconsistentPoliciesAreRefused() {
        assertThatThrownBy(() -> new StepPolicy(31, 50, 5, 60, 160, false, 5, 10, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StepPolicy(31, 5, 10, 0, 0, false, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StepPolicy(31, 50, 5, 200, 100, false, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StepPolicy(31, 50, 5, 60, 160, false, 5, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
