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
    void writesDurationsAsUsersWriteThemAndReadsThemBack() {
        String[][] cases = {{"PT20M", "20m"}, {"PT1H30M", "1h30m"}, {"PT2H", "2h"}, {"PT1H0M5S", "1h5s"}, {"PT90S", "1m30s"},
            {"PT45S", "45s"}, {"PT0S", "0s"}, {"PT1M30.25S", "1m30.25s"}, {"PT0.5S", "0.5s"}, {"PT26H1M1S", "26h1m1s"}};
        for (String[] c : cases) {
            Duration d = Duration.parse(c[0]);
            assertThat(Durations.format(d)).as(c[0]).isEqualTo(c[1]);
            assertThat(Durations.parse(Durations.format(d))).as(c[0]).isEqualTo(d);
        }
        assertThatThrownBy(() -> Durations.format(Duration.ofSeconds(-1))).hasMessageContaining("negative");
    }

    @Test
    void anythingElseIsAClearError() {
        for (String bad : new String[] {"", "m", "20 m", "20x", "1h-5m", "h1", "PTxx", "-5m"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("'" + bad + "' is not a duration: write e.g. 90s, 20m, 1h30m");
        }
    }
}
