package dev.graft.experiment;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PretrainingSummaryTest {
    @Test
    void lossDropPerDoublingFitsOnlyTheLastHalfOfTheRun() {
        // last point 800k tokens: the last half is tokens >= 400k, where loss = 4 - 0.12 log2(t / 400k);
        // the early points fall much faster and must not count
        List<double[]> curve = List.of(new double[] {100_000, 9.0}, new double[] {200_000, 7.0},
                new double[] {400_000, 4.0}, new double[] {600_000, 4.0 - 0.12 * log2(1.5)},
                new double[] {800_000, 4.0 - 0.12});
        PretrainingSummary p = new PretrainingSummary("bert-mini", 800_000, 600, 3.88, Math.exp(3.88), curve);
        assertThat(p.lossDropPerDoubling()).isCloseTo(0.12, within(1e-12));
    }

    @Test
    void aNoisyTailGivesTheLeastSquaresSlope() {
        // last half of a 16-token run: t = 8, 8√2, 16, so x = log2 t = 3, 3.5, 4 and loss 5.00, 4.95, 4.80.
        // By hand: mean x 3.5, mean loss 4.91667; sum dx·dy = -0.5·0.08333 + 0.5·(-0.11667) = -0.1;
        // sum dx² = 0.5; slope -0.2, so 0.2 nats per doubling. The point at t = 4 (x = 2) is outside.
        List<double[]> curve = List.of(new double[] {4, 7.0}, new double[] {8, 5.0},
                new double[] {8 * Math.sqrt(2), 4.95}, new double[] {16, 4.8});
        PretrainingSummary p = new PretrainingSummary("tiny", 16, 1, 4.8, Math.exp(4.8), curve);
        assertThat(p.lossDropPerDoubling()).isCloseTo(0.2, within(1e-12));
    }

    @Test
    void tooFewPointsGiveNaN() {
        List<double[]> curve = List.of(new double[] {1, 5}, new double[] {2, 4}, new double[] {10, 3});
        assertThat(new PretrainingSummary("x", 10, 1, 3, Math.exp(3), curve).lossDropPerDoubling()).isNaN();
        assertThat(new PretrainingSummary("x", 10, 1, 3, Math.exp(3), List.of()).lossDropPerDoubling()).isNaN();
    }

    @Test
    void rejectsABadCurve() {
        assertThatThrownBy(() -> new PretrainingSummary("x", 10, 1, 3, 20,
                List.of(new double[] {4, 5}, new double[] {2, 4})))
                .hasMessageContaining("curve tokens must increase");
        assertThatThrownBy(() -> new PretrainingSummary("x", 10, 1, 3, 20, List.of(new double[] {4})))
                .hasMessageContaining("curve point 0 must be {tokens > 0, finite loss}");
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
