package dev.graft.train;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The step schedules' factors against Hugging Face's formulas, worked by hand for 100 steps with 10 of warm-up. */
class ScheduleTest {

    @Test
    void warmupRisesLinearlyFromZeroForEveryDecay() {
        for (Schedule s : new Schedule[] {Schedule.constant(0.1), Schedule.linear(0.1), Schedule.cosine(0.1)}) {
            assertThat(s.factor(0, 100)).as(s.name()).isEqualTo(0.0);
            assertThat(s.factor(5, 100)).as(s.name()).isEqualTo(0.5);
            assertThat(s.factor(10, 100)).as(s.name()).isCloseTo(1.0, within(1e-12));
        }
    }

    @Test
    void decaysAfterTheWarmup() {
        // linear: (100 - step) / 90; cosine: 0.5 (1 + cos(pi (step - 10) / 90))
        assertThat(Schedule.linear(0.1).factor(55, 100)).isCloseTo(0.5, within(1e-12));
        assertThat(Schedule.linear(0.1).factor(100, 100)).isEqualTo(0.0);
        assertThat(Schedule.cosine(0.1).factor(55, 100)).isCloseTo(0.5, within(1e-12));
        assertThat(Schedule.cosine(0.1).factor(40, 100)).isCloseTo(0.75, within(1e-12));
        assertThat(Schedule.cosine(0.1).factor(130, 100)).isCloseTo(0.0, within(1e-12));
        assertThat(Schedule.constant(0.1).factor(99, 100)).isEqualTo(1.0);
        assertThat(Schedule.constant(0).factor(0, 100)).isEqualTo(1.0);
    }

    @Test
    void namesParseBackToEqualSchedules() {
        for (String name : new String[] {"constant", "linear", "cosine"}) {
            Schedule s = Schedule.parse(name, 0.06);
            assertThat(s.name()).isEqualTo(name);
            assertThat(Schedule.parse(s.name(), 0.06)).isEqualTo(s);
            assertThat(ScheduleKind.parse(name).of(0.06)).isEqualTo(s);
        }
        assertThat(Schedule.linear(0.1)).isNotEqualTo(Schedule.cosine(0.1)).isNotEqualTo(Schedule.linear(0.2));
    }

    @Test
    void rejectsAWarmupOutsideTheRun() {
        assertThatThrownBy(() -> Schedule.linear(1.0)).hasMessageContaining("warm-up fraction must be in [0, 1)");
        assertThatThrownBy(() -> Schedule.cosine(-0.1)).hasMessageContaining("got -0.1");
    }
}
