package dev.graft.eval;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class IntervalTest {
    @Test
    void tQuantilesMatchTheTablesBeyondTheListedOnes() {
        assertThat(Interval.t975(1)).isEqualTo(12.706);
        assertThat(Interval.t975(4)).isEqualTo(2.776);
        // beyond 30 degrees of freedom the expansion: tables give 2.021 (40), 2.000 (60), 1.980 (120)
        assertThat(Interval.t975(40)).isCloseTo(2.021, within(5e-4));
        assertThat(Interval.t975(60)).isCloseTo(2.000, within(5e-4));
        assertThat(Interval.t975(120)).isCloseTo(1.980, within(5e-4));
        // and it continues the table smoothly at 31 (2.040)
        assertThat(Interval.t975(31)).isCloseTo(2.040, within(5e-4));
    }

    @Test
    void meanIntervalByHand() {
        // 0.6, 0.7, 0.8: mean 0.7, s = 0.1, half-width 4.303 * 0.1 / sqrt(3) = 0.248435...
        Interval i = Interval.of(new double[] {0.6, 0.7, 0.8});
        assertThat(i.mean()).isCloseTo(0.7, within(1e-12));
        assertThat(i.halfWidth()).isCloseTo(4.303 * 0.1 / Math.sqrt(3), within(1e-12));
        assertThat(i.excludesZero()).isTrue();
        assertThat(Interval.of(new double[] {0.5}).known()).isFalse();
        assertThat(Interval.of(new double[0]).mean()).isNaN();
    }

    @Test
    void pairedDifferencesCancelWhatTheDrawsShare() {
        // draw-to-draw swings of 0.2 shared by both strategies; b is 0.05 above a on every draw but one
        Map<Integer, Double> a = Map.of(0, 0.50, 1, 0.70, 2, 0.60, 3, 0.80);
        Map<Integer, Double> b = Map.of(0, 0.55, 1, 0.75, 2, 0.65, 3, 0.84, 9, 0.99);
        Interval d = Interval.paired(b, a);
        assertThat(d.n()).as("draw 9 has no partner").isEqualTo(4);
        assertThat(d.mean()).isCloseTo(0.0475, within(1e-12));
        assertThat(d.excludesZero()).as("paired, the 0.05 gain is clear").isTrue();
        assertThat(d.above(0)).isTrue();
        // unpaired, the means' own intervals overlap widely
        Interval ia = Interval.of(new double[] {0.50, 0.70, 0.60, 0.80});
        Interval ib = Interval.of(new double[] {0.55, 0.75, 0.65, 0.84});
        assertThat(ia.high()).isGreaterThan(ib.low());
        // differences of mixed sign: the interval holds zero
        Interval mixed = Interval.paired(Map.of(0, 0.6, 1, 0.5, 2, 0.7), Map.of(0, 0.5, 1, 0.6, 2, 0.7));
        assertThat(mixed.excludesZero()).isFalse();
        assertThat(mixed.known()).isTrue();
    }
}
