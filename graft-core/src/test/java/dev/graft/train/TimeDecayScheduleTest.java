package dev.graft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.task.LanguageModelingTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Cramming's schedule: the rate decays to 0 exactly when the time budget ends, computed from the elapsed share
 * of the budget. The trainer's clock is injected: every update takes exactly one second of it.
 */
class TimeDecayScheduleTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());

    @AfterAll
    static void close() {
        ONE.close();
    }

    @Test
    void theFactorFallsToZeroAtTheBudget() {
        Schedule.TimeDecay linear = new Schedule.TimeDecay(0.1, false);
        assertThat(linear.factorAtTime(0)).isZero();
        assertThat(linear.factorAtTime(0.05)).isCloseTo(0.5, within(1e-12));
        assertThat(linear.factorAtTime(0.1)).isCloseTo(1.0, within(1e-12));
        assertThat(linear.factorAtTime(0.55)).isCloseTo(0.5, within(1e-12));
        assertThat(linear.factorAtTime(1.0)).isZero();
        assertThat(linear.factorAtTime(1.3)).isZero();
        Schedule.TimeDecay cosine = new Schedule.TimeDecay(0, true);
        assertThat(cosine.factorAtTime(0)).isCloseTo(1.0, within(1e-12));
        assertThat(cosine.factorAtTime(0.5)).isCloseTo(0.5, within(1e-12));
        assertThat(cosine.factorAtTime(0.999999)).isCloseTo(0.0, within(1e-9));
        assertThat(cosine.name()).isEqualTo("cosine-time");
    }

    @Test
    void aRunDecaysOverItsClockAndEndsWhenTheRateReachesZero(@TempDir Path dir) throws IOException {
        ModelConfig config = TrainerTest.tiny(ModelConfig.Architecture.ENCODER);
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        LanguageModelingTask task = new LanguageModelingTask(new LanguageModel(COMPUTE, config, 5), List.of(), null);
        Trainable<TokenBatch> oneSecondSteps = new ClockedTask(task, clock, r -> 1_000_000_000L);
        // 30 s: long enough for the step-time planning (3 + 10 steps), which plans 97% of the budget (29
        // steps) for a step schedule; a time-decay run goes on until the rate is 0
        TrainingOptions options = new TrainingOptions(0, 0, Duration.ofSeconds(30), 1e-3f,
                new Schedule.TimeDecay(0, false), 0.01f, 0.9f, 0.98f, 1e-6f, 1.0, 1, 1, 0, 0, 1, false);
        Path run = dir.resolve("run");
        java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
        Trainer.Summary s;
        try (java.io.PrintStream log = new java.io.PrintStream(logged, true, java.nio.charset.StandardCharsets.UTF_8)) {
            s = new Trainer<>(COMPUTE, oneSecondSteps, new TrainerTest.SyntheticStream(config, 2, 8, 1, -1),
                    options, run, log).clock(clock::get).run(false);
        }
        // the progress lines count to the budget's end: after update k (k seconds in), 30 - k seconds and as
        // many one-second updates are left, whatever the step plan made at the start said
        List<String> stepLines = logged.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("step ")).toList();
        assertThat(stepLines).hasSize(30);
        for (int k = 1; k <= 30; k++) {
            assertThat(stepLines.get(k - 1)).as("update " + k).startsWith("step " + k + "/30 ")
                    .endsWith("ETA " + Progress.format(Duration.ofSeconds(30 - k)));
        }
        assertThat(s.stoppedBy()).isEqualTo("time");
        assertThat(s.steps()).isEqualTo(30);
        List<Double> lrs = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            var node = new ObjectMapper().readTree(line);
            if (node.path("type").asText().equals("train")) {
                lrs.add(node.path("lr").asDouble());
            }
        }
        assertThat(lrs).hasSize(30);
        for (int k = 0; k < 30; k++) {
            // update k starts k seconds into the budget
            assertThat(lrs.get(k)).as("lr of update %d", k + 1).isCloseTo((double) 1e-3f * (1 - k / 30.0), within(1e-15));
        }
    }
}
