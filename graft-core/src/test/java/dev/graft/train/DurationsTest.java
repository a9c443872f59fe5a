package dev.graft.train;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one reader of time budgets: every form the CLI and the run files use, and clear errors. */
class DurationsTest {
    @Test
    void readsEveryFormTheCommandsAndTheRunFilesUse() {
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("20m")).isEqualTo(Duration.ofMinutes(20));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse(" 2H ")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("1m30.25s")).isEqualTo(Duration.ofMillis(90_250));
        assertThat(Durations.parse("600")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("PT20M")).isEqualTo(Duration.ofMinutes(20)); // as Duration.toString writes it
        assertThat(Durations.parse(Duration.ofSeconds(95).toString())).isEqualTo(Duration.ofSeconds(95));
    }

    @Test
    void anythingElseIsAClearError() {
        for (String bad : new String[] {"", "m", "20 m", "20x", "1h-5m", "h1", "PTxx", "-5m"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("'" + bad + "' is not a duration: write e.g. 90s, 20m, 1h30m");
        }
    }
}
