package dev.graft.train;

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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A time budget's step plan when batches differ in size (grouped by length): the timed steps' time per token
 * times an average batch's tokens, not the timed steps' time per step. The trainer's clock is injected: an
 * update takes one millisecond per token.
 */
class TimeBudgetPlanTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @AfterAll
    static void close() {
        ONE.close();
    }

    private static String plan(Path dir, double meanTokens) throws IOException {
        ModelConfig config = TrainerTest.tiny(ModelConfig.Architecture.ENCODER);
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        LanguageModelingTask task = new LanguageModelingTask(new LanguageModel(COMPUTE, config, 5), List.of(), null);
        Trainable<TokenBatch> timed = new ClockedTask(task, clock, r -> r.tokens() * 1_000_000L);
        TrainerTest.SyntheticStream synthetic = new TrainerTest.SyntheticStream(config, 2, 8, 1, -1);
        BatchStream<TokenBatch> stream = new BatchStream<>() {
            public TokenBatch next() {
                return synthetic.next();
            }

            public long position() {
                return synthetic.position();
            }

            public void seek(long position) {
                synthetic.seek(position);
            }

            public long batchesPerEpoch() {
                return synthetic.batchesPerEpoch();
            }

            public double meanTokensPerBatch() {
                return meanTokens;
            }
        };
        TrainingOptions options = new TrainingOptions(0, 0, Duration.ofSeconds(3), 1e-3f,
                Schedule.linear(0), 0.01f, 0.9f, 0.98f, 1e-6f, 1.0, 1, 1, 0, 0, 1, false);
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        try (PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8)) {
            new Trainer<>(COMPUTE, timed, stream, options, dir, log).clock(clock::get).run(false);
        }
        return logged.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("time budget"))
                .findFirst().orElseThrow();
    }

    @Test
    void batchesOfVariedSizeArePlannedByTheirMeanTokens(@TempDir Path dir) throws IOException {
        // 16 tokens a batch, 16 ms an update: 3 + 10 updates (0.208 s) are timed; 97% of the 3 s budget is kept
        // for updates. Batches averaging 64 tokens take 64 ms: 13 + (2.91 - 0.208) / 0.064 = 55 updates
        assertThat(plan(dir.resolve("mean"), 64)).isEqualTo("time budget 3s: planned 55 steps from the measured "
                + "step time");
        // without a mean, the timed updates' 16 ms each: 13 + 2.702 / 0.016 = 181
        assertThat(plan(dir.resolve("plain"), Double.NaN)).isEqualTo("time budget 3s: planned 181 steps from the "
                + "measured step time");
    }
}
