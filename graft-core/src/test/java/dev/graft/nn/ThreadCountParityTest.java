package dev.graft.nn;

import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import dev.graft.model.TokenBatch;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.train.AdamW;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The element-wise passes split across threads (residual adds, dropout, the attention's sums of dx, zeroing,
 * AdamW over the parameter slabs, the clipping's scale) compute the same bits at 1, 2 and 3 threads; the sizes
 * here make them split. Layer norms' parameter gradients are summed from per-thread partials, so they (alone)
 * may differ in the last bits with the thread count.
 */
class ThreadCountParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-mini", "gpt-tiny"})
    void aTrainingStepComputesTheSameBitsAtAnyThreadCountButTheLayerNormsSums(String arch) {
        ModelConfig config = Presets.get(arch).withVocabSize(99).withDropout(0.1f, 0.1f);
        float[][] values = new float[3][];
        float[] losses = new float[3];
        List<Parameter> parameters = null;
        ParameterSet set = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (Parallel pool = new Parallel(threads)) {
                Compute compute = new Compute(KernelProvider.create(pool), pool);
                LanguageModel model = new LanguageModel(compute, config, 11);
                model.setTraining(true);
                AdamW optimizer = new AdamW(compute, model.parameterSet(), 0.9f, 0.98f, 1e-6f, 0.01f);
                Arrays.fill(model.parameterSet().grads(), 1f);
                model.parameterSet().zeroGrads(pool);
                assertThat(model.parameterSet().grads()).containsOnly(0f);
                losses[threads - 1] = model.forward(batch(config, new SplittableRandom(4)), true);
                optimizer.step(1e-3f);
                values[threads - 1] = model.parameterSet().values().clone();
                set = model.parameterSet();
                parameters = set.list();
            }
        }
        int layerNormValues = 0;
        for (int t = 1; t < 3; t++) {
            assertThat(losses[t]).as("loss at %d threads", t + 1).isEqualTo(losses[0]);
            for (int i = 0; i < parameters.size(); i++) {
                Parameter p = parameters.get(i);
                int off = set.offset(i);
                float[] one = Arrays.copyOfRange(values[0], off, off + p.size());
                float[] many = Arrays.copyOfRange(values[t], off, off + p.size());
                if (p.name().contains("LayerNorm") || p.name().contains(".ln_")) {
                    layerNormValues += p.size();
                    for (int j = 0; j < one.length; j++) {
                        assertThat(many[j]).as("%s[%d]", p.name(), j).isCloseTo(one[j],
                                org.assertj.core.api.Assertions.within(1e-6f));
                    }
                } else {
                    assertThat(Arrays.mismatch(one, many)).as("%s at %d threads", p.name(), t + 1).isEqualTo(-1);
                }
            }
        }
        assertThat(layerNormValues).isPositive();
    }

    @Test
    void clippingAndAdamWComputeTheSameBitsAtAnyThreadCount() {
        float[][] values = new float[3][];
        double[] norms = new double[3];
        for (int threads = 1; threads <= 3; threads++) {
            try (Parallel pool = new Parallel(threads)) {
                Compute compute = new Compute(KernelProvider.create(pool), pool);
                List<Parameter> list = new ArrayList<>();
                int[] sizes = {99 * 37, 37, 70_001, 3, 40_000}; // a large one split inside, odd sizes
                for (int i = 0; i < sizes.length; i++) {
                    list.add(new Parameter("p" + i, i % 2 == 0, sizes[i]));
                }
                ParameterSet set = new ParameterSet(list);
                SplittableRandom random = new SplittableRandom(9);
                for (int j = 0; j < set.count(); j++) {
                    set.values()[j] = (float) random.nextGaussian();
                }
                AdamW optimizer = new AdamW(compute, set, 0.9f, 0.999f, 1e-8f, 0.1f);
                for (int step = 0; step < 3; step++) {
                    for (int j = 0; j < set.count(); j++) {
                        set.grads()[j] = (float) random.nextGaussian();
                    }
                    norms[threads - 1] = AdamW.clipGradientNorm(compute, set, 1.0);
                    optimizer.step(1e-2f);
                }
                values[threads - 1] = set.values().clone();
            }
        }
        assertThat(norms[0]).isGreaterThan(1.0);
        for (int t = 1; t < 3; t++) {
            assertThat(norms[t]).isEqualTo(norms[0]);
            assertThat(Arrays.mismatch(values[0], values[t])).as("at %d threads", t + 1).isEqualTo(-1);
        }
    }

    @Test
    void elementwisePiecesCoverTheRangeOnceOnBoundsAlignedToEveryVectorLength() {
        try (Parallel pool = new Parallel(3)) {
            Compute compute = new Compute(KernelProvider.create(pool), pool);
            for (int n : new int[] {0, 1, 63, 16_383, 100_003, 3 * Compute.ELEMENTWISE_GRAIN + 5}) {
                int[] hits = new int[n];
                List<int[]> pieces = java.util.Collections.synchronizedList(new ArrayList<>());
                compute.elementwise(n, (s, e) -> {
                    pieces.add(new int[] {s, e});
                    for (int i = s; i < e; i++) {
                        hits[i]++;
                    }
                });
                assertThat(hits).as("n = %d", n).containsOnly(n == 0 ? new int[0] : new int[] {1});
                for (int[] piece : pieces) {
                    assertThat(piece[0] % Compute.ELEMENTWISE_ALIGNMENT).isZero();
                    assertThat(piece[1] == n || piece[1] % Compute.ELEMENTWISE_ALIGNMENT == 0).isTrue();
                }
                assertThat(pieces).as("pieces of n = %d", n).hasSize(n < 2 * Compute.ELEMENTWISE_GRAIN
                        ? Math.min(1, n) : Math.min(3, n / Compute.ELEMENTWISE_GRAIN));
            }
        }
    }

    private static TokenBatch batch(ModelConfig config, SplittableRandom r) {
        int b = 4;
        int t = 33; // 4 x 33 rows x 256 = 33,792 values: above the element-wise grain
        int[] ids = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 5 + r.nextInt(config.vocabSize() - 5);
        }
        int[] targets;
        if (config.isEncoder()) {
            targets = new int[b * t];
            for (int i = 0; i < ids.length; i++) {
                targets[i] = r.nextInt(3) != 0 ? ids[i] : TokenBatch.IGNORE; // 88 rows x 256 through the MLM head's GELU: split
            }
        } else {
            targets = TokenBatch.shiftedTargets(b, t, ids);
        }
        return new TokenBatch(b, t, ids, null, null, targets);
    }
}
