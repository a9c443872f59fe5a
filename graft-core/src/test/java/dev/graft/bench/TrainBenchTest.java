package dev.graft.bench;

import dev.graft.nn.PhaseClock;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code graft bench train --phases}: the per-phase table at 1 thread and at 2. */
class TrainBenchTest {

    @Test
    void thePhaseTableListsEveryPhaseAtBothThreadCountsAndItsTimesAddUpToTheStep() {
        var settings = new TrainBench.Settings("gpt-tiny", 2, 2, 1, 2, 17, 99, 1, true);
        var bytes = new ByteArrayOutputStream();
        double rate = TrainBench.run(settings, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(rate).isPositive();
        assertThat(out).contains("| phase | ms/step, 1 thread | share | ms/step, 2 threads | speed-up |");
        for (PhaseClock.Phase p : PhaseClock.Phase.values()) {
            assertThat(out).contains("| " + p.label() + " |");
        }
        assertThat(out).containsPattern("\\| \\*\\*whole step\\*\\* \\| [0-9.]+ \\| 100% \\| [0-9.]+ \\| \\*\\*[0-9.]+x\\*\\* \\|");
        assertThat(out).containsPattern("tokens/s: [0-9.]+\\n$");

        // the phases cover the step (they are measured inside it), and no more than it
        TrainBench.Measurement m = TrainBench.measure(settings, 1, true, new PrintStream(new ByteArrayOutputStream()));
        double sum = Arrays.stream(m.phaseMillis()).sum();
        assertThat(sum).isLessThanOrEqualTo(m.stepMillis() * 1.001);
        assertThat(sum).isCloseTo(m.stepMillis(), within(m.stepMillis() * 0.2));
    }
}
