package dev.graft.nn;

import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import dev.graft.model.TokenBatch;
import dev.graft.nn.PhaseClock.Phase;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.train.AdamW;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The phase clock of {@code graft bench train --phases}: exclusive times, one owner thread, no effect on results. */
class PhaseClockTest {

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aNestedPhasePausesTheOuterOne() {
        PhaseClock clock = PhaseClock.measuring();
        clock.enter(Phase.ATTENTION);
        spin(20_000_000);
        clock.enter(Phase.QKV);
        spin(40_000_000);
        clock.exit();
        spin(20_000_000);
        clock.exit();
        long[] t = clock.nanos();
        assertThat(t[Phase.QKV.ordinal()]).isBetween(40_000_000L, 60_000_000L);
        assertThat(t[Phase.ATTENTION.ordinal()]).isBetween(40_000_000L, 60_000_000L);
        assertThat(Arrays.stream(t).sum()).isEqualTo(t[Phase.QKV.ordinal()] + t[Phase.ATTENTION.ordinal()]);
        clock.reset();
        assertThat(clock.nanos()).containsOnly(0L);
    }

    @Test
    void callsFromAnotherThreadAreNotCounted() throws InterruptedException {
        PhaseClock clock = PhaseClock.measuring();
        clock.enter(Phase.LAYER_NORM);
        Thread worker = new Thread(() -> {
            clock.enter(Phase.GELU);
            spin(10_000_000);
            clock.exit();
        });
        worker.start();
        worker.join();
        clock.exit();
        assertThat(clock.nanos()[Phase.GELU.ordinal()]).isZero();
        assertThat(clock.nanos()[Phase.LAYER_NORM.ordinal()]).isGreaterThanOrEqualTo(10_000_000L);
    }

    @Test
    void offMeasuresNothingAndUnbalancedUseIsAnError() {
        PhaseClock.OFF.enter(Phase.GELU);
        spin(1_000_000);
        PhaseClock.OFF.exit();
        assertThat(PhaseClock.OFF.nanos()).containsOnly(0L);
        PhaseClock clock = PhaseClock.measuring();
        assertThatThrownBy(clock::exit).isInstanceOf(IllegalStateException.class).hasMessageContaining("exit");
        clock.enter(Phase.GELU);
        assertThatThrownBy(clock::reset).isInstanceOf(IllegalStateException.class);
    }

    /** A whole training step: every phase of the model is timed, and the clock changes no bit of the results. */
    @Test
    void aTimedStepComputesTheSameBitsAndFillsEveryPhaseOfTheModel() {
        ModelConfig config = Presets.get("bert-mini").withVocabSize(99);
        try (Parallel pool = new Parallel(2)) {
            PhaseClock clock = PhaseClock.measuring();
            float[][] results = new float[2][];
            float[] losses = new float[2];
            for (int run = 0; run < 2; run++) {
                Compute compute = new Compute(KernelProvider.create(pool), pool, run == 0 ? PhaseClock.OFF : clock);
                LanguageModel model = new LanguageModel(compute, config, 5);
                model.setTraining(true);
                AdamW optimizer = new AdamW(compute, model.parameterSet(), 0.9f, 0.999f, 1e-8f, 0.01f);
                model.parameterSet().zeroGrads();
                losses[run] = model.forward(batch(config), true);
                optimizer.step(1e-3f);
                results[run] = model.parameterSet().values().clone();
            }
            assertThat(losses[1]).isEqualTo(losses[0]);
            int firstDifference = Arrays.mismatch(results[0], results[1]);
            assertThat(firstDifference).as("the first parameter value that differs with the clock on").isEqualTo(-1);
            long[] t = clock.nanos();
            for (Phase p : new Phase[] {Phase.EMBEDDING, Phase.QKV, Phase.ATTENTION_OUTPUT, Phase.FFN_UP,
                    Phase.FFN_DOWN, Phase.ATTENTION, Phase.GELU, Phase.LAYER_NORM, Phase.DROPOUT, Phase.RESIDUAL,
                    Phase.HEAD, Phase.OPTIMIZER}) {
                assertThat(t[p.ordinal()]).as(p.label()).isPositive();
            }
            assertThat(t[Phase.OTHER_LINEAR.ordinal()]).as("a language model has no other linears").isZero();
        }
    }

    private static TokenBatch batch(ModelConfig config) {
        SplittableRandom r = new SplittableRandom(3);
        int b = 2;
        int t = 11;
        int[] ids = new int[b * t];
        int[] targets = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 5 + r.nextInt(config.vocabSize() - 5);
            targets[i] = i % 4 == 0 ? ids[i] : TokenBatch.IGNORE;
        }
        return new TokenBatch(b, t, ids, null, null, targets);
    }
}
