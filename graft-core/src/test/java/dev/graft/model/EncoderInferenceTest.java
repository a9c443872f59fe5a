package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The inference-only encoder forward against {@link Backbone#forward} (dropout off) on tiny odd
 * configs with random weights: right padding, left padding, holes in the mask, no mask, one token;
 * scalar and vector kernels, one and two threads. Real positions agree within 1e-5 (absolute,
 * hidden states of unit scale after the final LayerNorm).
 */
class EncoderInferenceTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Parallel TWO = new Parallel(2);

    @AfterAll
    static void close() {
        ONE.close();
        TWO.close();
    }

    @Test
    void matchesTheTrainingForwardAtRealPositions() {
        for (Compute compute : List.of(new Compute(new ScalarKernels(), ONE), new Compute(new VectorKernels(ONE), ONE),
                new Compute(new VectorKernels(TWO), TWO))) {
            for (int types : new int[] {0, 2}) {
                ModelConfig config = new ModelConfig(ModelConfig.Architecture.ENCODER, 99, 36, 3, 3, 37, 17, types,
                        1e-12f, 0.1f, 0.1f, GeluForm.ERF, 0.02f, 0);
                LanguageModel lm = new LanguageModel(compute, config, 11);
                Random random = new Random(5);
                for (Parameter p : lm.parameters()) { // larger than the init, so that errors would show
                    float[] v = p.value().toArray();
                    for (int i = 0; i < v.length; i++) {
                        v[i] += (float) (random.nextGaussian() * 0.2);
                    }
                    p.value().copyFrom(v);
                }
                Backbone backbone = lm.backbone();
                backbone.dropouts().forEach(d -> d.setTraining(false));
                EncoderInference inference = new EncoderInference(backbone, compute);
                int b = 4;
                int t = 17;
                int[] ids = new int[b * t];
                int[] typeIds = new int[b * t];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = random.nextInt(99);
                    typeIds[i] = types == 0 ? 0 : random.nextInt(types);
                }
                int[] mask = new int[b * t];
                for (int i = 0; i < t; i++) {
                    mask[i] = 1; // full
                    mask[t + i] = i < 5 ? 1 : 0; // right padding
                    mask[2 * t + i] = i >= 9 ? 1 : 0; // left padding
                    mask[3 * t + i] = i % 3 == 0 ? 0 : 1; // holes
                }
                check(backbone, inference, new TokenBatch(b, t, ids, types == 0 ? null : typeIds, mask, null));
                check(backbone, inference, new TokenBatch(b, t, ids, null, null, null));
                check(backbone, inference, new TokenBatch(1, 1, new int[] {7}, null, new int[] {1}, null));
            }
        }
    }

    private static void check(Backbone backbone, EncoderInference inference, TokenBatch batch) {
        float[] expected = backbone.forward(batch).clone();
        EncoderInference.Packed packed = inference.forward(batch);
        int c = backbone.config().hiddenSize();
        int[] mask = batch.attentionMask();
        int row = 0;
        double worst = 0;
        for (int s = 0; s < batch.batch(); s++) {
            assertThat(packed.start(s)).isEqualTo(row);
            for (int t = 0; t < batch.time(); t++) {
                int i = s * batch.time() + t;
                if (mask != null && mask[i] == 0) {
                    continue;
                }
                for (int j = 0; j < c; j++) {
                    worst = Math.max(worst, Math.abs(packed.hidden()[row * c + j] - expected[i * c + j]));
                }
                row++;
            }
            assertThat(packed.end(s)).isEqualTo(row);
        }
        assertThat(packed.rows()).isEqualTo(row);
        assertThat(worst).as("max |inference - Backbone.forward| with %s", backbone.compute().kernels().name())
                .isLessThan(1e-5);
    }

    /**
     * The projections are packed once, a snapshot: a changed weight is not seen until
     * {@link EncoderInference#invalidate}, after which the output matches the training forward again.
     */
    @Test
    void weightsAreASnapshotUntilInvalidated() {
        for (Compute compute : List.of(new Compute(new ScalarKernels(), ONE), new Compute(new VectorKernels(ONE), ONE))) {
            ModelConfig config = new ModelConfig(ModelConfig.Architecture.ENCODER, 99, 36, 2, 3, 37, 17, 2,
                    1e-12f, 0.1f, 0.1f, GeluForm.ERF, 0.02f, 0);
            Backbone backbone = new LanguageModel(compute, config, 12).backbone();
            backbone.dropouts().forEach(d -> d.setTraining(false));
            EncoderInference inference = new EncoderInference(backbone, compute);
            Random random = new Random(6);
            int[] ids = new int[2 * 9];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(99);
            }
            TokenBatch batch = new TokenBatch(2, 9, ids, null, null, null);
            check(backbone, inference, batch);
            float[] before = inference.forward(batch).hidden().clone();
            for (Parameter p : backbone.parameters()) {
                if (p.name().endsWith("intermediate.dense.weight") || p.name().endsWith("attention.self.key.weight")) {
                    float[] v = p.value().toArray();
                    for (int i = 0; i < v.length; i++) {
                        v[i] += (float) (random.nextGaussian() * 0.2);
                    }
                    p.value().copyFrom(v);
                }
            }
            EncoderInference.Packed stale = inference.forward(batch);
            assertThat(java.util.Arrays.copyOf(stale.hidden(), before.length)).as("still the packed snapshot")
                    .isEqualTo(before);
            inference.invalidate();
            check(backbone, inference, batch);
            assertThat(java.util.Arrays.copyOf(inference.forward(batch).hidden(), before.length))
                    .as("the changed weights are used").isNotEqualTo(before);
        }
    }

    /**
     * {@link EncoderInference#on} gives an instance on another compute that shares the packed snapshot: the
     * same bits as the original, also while both run at once from two threads, and a weight changed after
     * the snapshot is seen by neither until each is invalidated.
     */
    @Test
    void instancesOnOtherComputesShareTheSnapshot() throws Exception {
        Compute mine = new Compute(new VectorKernels(ONE), ONE);
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.ENCODER, 99, 36, 2, 3, 37, 17, 2,
                1e-12f, 0.1f, 0.1f, GeluForm.ERF, 0.02f, 0);
        Backbone backbone = new LanguageModel(mine, config, 13).backbone();
        backbone.dropouts().forEach(d -> d.setTraining(false));
        EncoderInference first = new EncoderInference(backbone, mine);
        try (Parallel other = new Parallel(1)) {
            EncoderInference second = first.on(new Compute(new VectorKernels(other), other));
            Random random = new Random(7);
            TokenBatch[] batches = new TokenBatch[8];
            for (int n = 0; n < batches.length; n++) {
                int b = 1 + n % 3;
                int t = 3 + 2 * n;
                int[] ids = new int[b * t];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = random.nextInt(99);
                }
                batches[n] = new TokenBatch(b, t, ids, null, null, null);
            }
            float[][] alone = new float[batches.length][];
            for (int n = 0; n < batches.length; n++) {
                EncoderInference.Packed p = first.forward(batches[n]);
                alone[n] = java.util.Arrays.copyOf(p.hidden(), p.rows() * p.width());
            }
            float[][] fromSecond = new float[batches.length][];
            float[][] fromFirst = new float[batches.length][];
            Thread thread = new Thread(() -> {
                for (int round = 0; round < 20; round++) {
                    for (int n = 0; n < batches.length; n++) {
                        EncoderInference.Packed p = second.forward(batches[n]);
                        fromSecond[n] = java.util.Arrays.copyOf(p.hidden(), p.rows() * p.width());
                    }
                }
            });
            thread.start();
            for (int round = 0; round < 20; round++) {
                for (int n = 0; n < batches.length; n++) {
                    EncoderInference.Packed p = first.forward(batches[n]);
                    fromFirst[n] = java.util.Arrays.copyOf(p.hidden(), p.rows() * p.width());
                }
            }
            thread.join();
            for (int n = 0; n < batches.length; n++) {
                assertThat(fromFirst[n]).as("batch %d on the first instance", n).isEqualTo(alone[n]);
                assertThat(fromSecond[n]).as("batch %d on the shared instance", n).isEqualTo(alone[n]);
            }
            for (Parameter p : backbone.parameters()) {
                if (p.name().endsWith("output.dense.weight")) {
                    p.value().copyFrom(new float[p.value().size()]);
                }
            }
            EncoderInference.Packed stale = second.forward(batches[3]);
            assertThat(java.util.Arrays.copyOf(stale.hidden(), stale.rows() * stale.width()))
                    .as("the shared snapshot").isEqualTo(alone[3]);
            second.invalidate();
            check(backbone, second, batches[3]);
            EncoderInference.Packed firstStale = first.forward(batches[3]);
            assertThat(java.util.Arrays.copyOf(firstStale.hidden(), firstStale.rows() * firstStale.width()))
                    .as("invalidating one instance leaves the other's snapshot").isEqualTo(alone[3]);
        }
    }

    @Test
    void refusesDecodersAndTooLongInput() {
        ModelConfig gpt = new ModelConfig(ModelConfig.Architecture.DECODER, 99, 32, 1, 4, 37, 8, 0, 1e-5f, 0f, 0f,
                GeluForm.TANH, 0.02f, -1);
        Compute compute = new Compute(new ScalarKernels(), ONE);
        assertThatThrownBy(() -> new EncoderInference(new Backbone(compute, gpt, 1), compute))
                .hasMessageContaining("GPT-2 decoder");
        ModelConfig bert = new ModelConfig(ModelConfig.Architecture.ENCODER, 99, 32, 1, 4, 37, 8, 2, 1e-12f, 0f, 0f,
                GeluForm.ERF, 0.02f, 0);
        EncoderInference inference = new EncoderInference(new Backbone(compute, bert, 1), compute);
        assertThatThrownBy(() -> inference.forward(new TokenBatch(1, 9, new int[9], null, null, null)))
                .hasMessageContaining("sequence length 9 exceeds the model's 8 positions");
        assertThatThrownBy(() -> inference.forward(new TokenBatch(1, 2, new int[] {1, 99}, null, null, null)))
                .hasMessageContaining("token id 99 is outside [0, 99)");
    }
}
