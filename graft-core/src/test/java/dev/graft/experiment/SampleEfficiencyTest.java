package dev.graft.experiment;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SampleEfficiencyTest {
    /** scratch: 50 → 0.60, 200 → 0.70, 2400 → 0.80. */
    private static final Map<Integer, Double> SCRATCH = Map.of(2400, 0.80, 50, 0.60, 200, 0.70);

    @Test
    void interpolatesInLogLabelsBetweenTheBudgetsThatBracketTheScore() {
        // 0.75 is half way from 0.70 to 0.80: log n = log 200 + 0.5 (log 2400 - log 200), n = 200 * 12^0.5
        SampleEfficiency e = SampleEfficiency.reach(SCRATCH, 0.75);
        assertThat(e.kind()).isEqualTo(SampleEfficiency.Kind.EXACT);
        assertThat(e.labels()).isCloseTo(692.82, within(0.01));

        // 0.65 is half way from 0.60 to 0.70: n = 50 * 4^0.5 = 100
        assertThat(SampleEfficiency.reach(SCRATCH, 0.65).labels()).isCloseTo(100.0, within(1e-9));
        // a score on a budget's point gives that budget
        assertThat(SampleEfficiency.reach(SCRATCH, 0.70).labels()).isCloseTo(200.0, within(1e-9));
        assertThat(SampleEfficiency.reach(SCRATCH, 0.80).labels()).isCloseTo(2400.0, within(1e-9));
    }

    @Test
    void aboveTheReferencesBestIsMoreThanItsLargestBudget() {
        SampleEfficiency e = SampleEfficiency.reach(SCRATCH, 0.87);
        assertThat(e).isEqualTo(new SampleEfficiency(SampleEfficiency.Kind.ABOVE, 2400));
        assertThat(e.describe("pretrained", 200, "scratch", true))
                .isEqualTo("pretrained with 200 labels reaches what scratch reaches with more than all 2,400 available");
        assertThat(e.describe("pretrained", 200, "scratch", false))
                .isEqualTo("pretrained with 200 labels reaches what scratch reaches with more than 2,400 labels, "
                        + "its largest budget");
    }

    @Test
    void atOrBelowTheFirstPointIsAtMostTheSmallestBudget() {
        assertThat(SampleEfficiency.reach(SCRATCH, 0.60)).isEqualTo(new SampleEfficiency(SampleEfficiency.Kind.BELOW, 50));
        SampleEfficiency e = SampleEfficiency.reach(SCRATCH, 0.52);
        assertThat(e).isEqualTo(new SampleEfficiency(SampleEfficiency.Kind.BELOW, 50));
        assertThat(e.describe("bow", 200, "scratch", true))
                .isEqualTo("bow with 200 labels reaches what scratch reaches with at most 50 labels, its smallest budget");
    }

    @Test
    void aNonMonotoneCurveIsReadAtItsFirstCrossingFromBelow() {
        // 50 → 0.60, 200 → 0.75, 800 → 0.70 (a dip), 2400 → 0.80
        Map<Integer, Double> curve = Map.of(50, 0.60, 200, 0.75, 800, 0.70, 2400, 0.80);
        // 0.72 is crossed first between 50 and 200: t = 0.12 / 0.15 = 0.8, n = 50 * 4^0.8 = 151.57
        assertThat(SampleEfficiency.reach(curve, 0.72).labels()).isCloseTo(151.57, within(0.01));
        // 0.78 is only reached after the dip: t = 0.08 / 0.10 = 0.8 from 800 to 2400, n = 800 * 3^0.8 = 1926.6
        assertThat(SampleEfficiency.reach(curve, 0.78).labels()).isCloseTo(1926.6, within(0.1));
    }

    @Test
    void describesAnInterpolatedCountRoundedToThreeFigures() {
        assertThat(SampleEfficiency.reach(SCRATCH, 0.75).describe("transfer", 200, "scratch", true))
                .isEqualTo("transfer with 200 labels reaches what scratch reaches with 693 labels");
        assertThat(new SampleEfficiency(SampleEfficiency.Kind.EXACT, 1147.2).describe("ulmfit", 50, "scratch", true))
                .isEqualTo("ulmfit with 50 labels reaches what scratch reaches with 1,150 labels");
        assertThat(SampleEfficiency.roundLabels(73.4)).isEqualTo(73);
        assertThat(SampleEfficiency.roundLabels(12_345)).isEqualTo(12_300);
    }

    @Test
    void rejectsACurveItCannotRead() {
        assertThatThrownBy(() -> SampleEfficiency.reach(Map.of(50, 0.6), 0.7))
                .hasMessageContaining("at least two budgets, got 1");
        assertThatThrownBy(() -> SampleEfficiency.reach(Map.of(0, 0.5, 50, 0.6), 0.7))
                .hasMessageContaining("labels must be >= 1");
        assertThatThrownBy(() -> SampleEfficiency.reach(SCRATCH, Double.NaN)).hasMessageContaining("must be finite");
    }
}
