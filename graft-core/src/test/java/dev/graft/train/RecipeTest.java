package dev.graft.train;

import dev.graft.model.Backbone;
import dev.graft.model.LayerGroups;
import dev.graft.model.ModelConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.Dropout;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.nn.Pooling;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Layer groups, discriminative rates, gradual unfreezing, early stopping and the trainer hooks they use. */
class RecipeTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @AfterAll
    static void close() {
        ONE.close();
    }

    @Test
    void layerGroupsOfEncoderAndDecoder() {
        ModelConfig enc = TrainerTest.tiny(ModelConfig.Architecture.ENCODER); // 2 layers: groups 0..3
        SequenceClassifier c = new SequenceClassifier(COMPUTE, new Backbone(COMPUTE, enc, 1),
                Pooling.CLS, 3, 1);
        Map<String, Integer> g = groups(c.parameters(), enc);
        assertThat(LayerGroups.count(enc)).isEqualTo(4);
        assertThat(g.get("bert.embeddings.word_embeddings.weight")).isZero();
        assertThat(g.get("bert.embeddings.LayerNorm.bias")).isZero();
        assertThat(g.get("bert.encoder.layer.0.attention.self.query.weight")).isEqualTo(1);
        assertThat(g.get("bert.encoder.layer.1.output.LayerNorm.weight")).isEqualTo(2);
        assertThat(g.get("bert.pooler.dense.weight")).isEqualTo(3);
        assertThat(g.get("classifier.bias")).isEqualTo(3);
        ModelConfig dec = TrainerTest.tiny(ModelConfig.Architecture.DECODER);
        SequenceClassifier d = new SequenceClassifier(COMPUTE, new Backbone(COMPUTE, dec, 1),
                Pooling.CONCAT, 3, 1);
        Map<String, Integer> h = groups(d.parameters(), dec);
        assertThat(h.get("transformer.wpe.weight")).isZero();
        assertThat(h.get("transformer.h.1.mlp.c_fc.weight")).isEqualTo(2);
        assertThat(h.get("transformer.ln_f.weight")).isEqualTo(2); // with the last block
        assertThat(h.get("score.weight")).isEqualTo(3);
    }

    @Test
    void backwardStoppedAtAFloorGivesTheSameGradientsAboveItAndNoneBelow() {
        for (ModelConfig.Architecture arch : ModelConfig.Architecture.values()) {
            ModelConfig config = TrainerTest.tiny(arch); // 2 layers: groups 0 (embeddings), 1, 2, 3 (head)
            int[] ids = {5, 9, 13, 2, 44, 7, 3, 60, 11, 1, 0, 0};
            TokenBatch batch = new TokenBatch(2, 6, ids, null, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, null);
            float[] full = null;
            for (int floor = 0; floor < LayerGroups.count(config); floor++) {
                SequenceClassifier c = new SequenceClassifier(COMPUTE, new Backbone(COMPUTE, config, 3),
                        SequenceClassifier.defaultPooling(config), 3, 4);
                c.setTraining(false); // no dropout: the same forward for every floor
                c.backbone().setBackwardFloor(floor);
                c.forward(batch, new int[] {2, 0}, true, 2);
                float[] grads = c.parameterSet().grads().clone();
                if (floor == 0) {
                    full = grads;
                }
                int[] group = LayerGroups.of(c.parameters(), config);
                for (int i = 0; i < group.length; i++) {
                    Parameter p = c.parameters().get(i);
                    float[] g = java.util.Arrays.copyOfRange(grads, c.parameterSet().offset(i),
                            c.parameterSet().offset(i) + p.size());
                    float[] expected = java.util.Arrays.copyOfRange(full, c.parameterSet().offset(i),
                            c.parameterSet().offset(i) + p.size());
                    if (group[i] >= floor) {
                        assertThat(g).as(arch + " floor " + floor + ": " + p.name()).containsExactly(expected);
                    } else {
                        assertThat(g).as(arch + " floor " + floor + ": " + p.name() + " is left out").containsOnly(0f);
                    }
                }
                assertThat(java.util.Arrays.equals(grads, full)).as(arch + " floor " + floor + " changes something")
                        .isEqualTo(floor == 0);
            }
        }
    }

    private static Map<String, Integer> groups(List<Parameter> params, ModelConfig config) {
        int[] g = LayerGroups.of(params, config);
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < g.length; i++) {
            m.put(params.get(i).name(), g[i]);
        }
        return m;
    }

    @Test
    void discriminativeScalesAndGradualUnfreezing() {
        // 4 groups, factor 2.6: head 1, last block 1/2.6, first block 1/2.6^2, embeddings 1/2.6^3
        LayerwiseRates r = new LayerwiseRates(new int[] {0, 1, 2, 3}, 4, 2.6, true, 10);
        assertThat(r.scale(3)).isCloseTo(1f, within(1e-6f));
        assertThat(r.scale(0)).isCloseTo((float) (1 / (2.6 * 2.6 * 2.6)), within(1e-6f));
        // epoch 0 (steps 0-9): head only; epoch 1: head + last block; epoch 3 and later: everything
        assertThat(r.lowestTrainable(0)).isEqualTo(3);
        assertThat(r.lowestTrainable(9)).isEqualTo(3);
        assertThat(r.lowestTrainable(10)).isEqualTo(2);
        assertThat(r.lowestTrainable(35)).isZero();
        assertThat(new LayerwiseRates(new int[] {0, 1}, 2, 1, false, 10).lowestTrainable(0)).isZero();
    }

    @Test
    void frozenParametersDoNotMoveAndTheirGradientsAreZeroed() {
        Parameter a = new Parameter("a", false, 3);
        Parameter b = new Parameter("b", false, 3);
        ParameterSet set = new ParameterSet(List.of(a, b));
        java.util.Arrays.fill(set.grads(), 1f);
        AdamW adam = new AdamW(COMPUTE, set, 0.9f, 0.999f, 1e-8f, 0f);
        LayerwiseRates r = new LayerwiseRates(new int[] {0, 1}, 2, 2.0, true, 5);
        r.apply(0, adam, set); // epoch 0: group 0 frozen
        assertThat(a.grad().toArray()).containsOnly(0f);
        assertThat(b.grad().toArray()).containsOnly(1f);
        adam.step(0.1f);
        assertThat(a.value().toArray()).containsOnly(0f);
        for (float v : b.value().toArray()) {
            assertThat(v).isCloseTo(-0.1f, within(1e-4f));
        }
        java.util.Arrays.fill(set.grads(), 1f);
        r.apply(5, adam, set); // epoch 1: group 0 trains at half the rate
        adam.step(0.1f);
        for (float v : a.value().toArray()) {
            assertThat(v).isLessThan(0f);
        }
    }

    @Test
    void aParameterUnfrozenLaterStartsItsOwnBiasCorrection() {
        // Adam's first update of a parameter moves it by lr (m̂ / sqrt(v̂) = g / |g|), however many
        // updates the others have had: the step count is the parameter's own, as in torch.optim
        Parameter a = new Parameter("a", false, 1);
        Parameter b = new Parameter("b", false, 1);
        ParameterSet set = new ParameterSet(List.of(a, b));
        AdamW adam = new AdamW(COMPUTE, set, 0.9f, 0.999f, 1e-8f, 0f);
        for (int i = 0; i < 5; i++) {
            java.util.Arrays.fill(set.grads(), 0.3f);
            adam.setLearningRateScale(0, 0f);
            adam.step(0.01f);
        }
        assertThat(adam.parameterSteps()).containsExactly(0L, 5L);
        assertThat(a.value().get(0)).isZero();
        adam.setLearningRateScale(0, 1f);
        java.util.Arrays.fill(set.grads(), 0.3f);
        adam.step(0.01f);
        assertThat(a.value().get(0)).isCloseTo(-0.01f, within(1e-6f));
        assertThat(adam.parameterSteps()).containsExactly(1L, 6L);
    }

    @Test
    void earlyStoppingKeepsTheBestAndStopsAfterPatience() {
        Parameter p = new Parameter("p", false, 2);
        ParameterSet set = new ParameterSet(List.of(p));
        EarlyStopping e = new EarlyStopping("acc", 2);
        p.value().copyFrom(new float[] {1, 1});
        assertThat(e.update(Map.of("acc", 0.5), 1, set)).isTrue();
        p.value().copyFrom(new float[] {2, 2});
        assertThat(e.update(Map.of("acc", 0.7), 2, set)).isTrue();
        p.value().copyFrom(new float[] {3, 3});
        assertThat(e.update(Map.of("acc", 0.7), 3, set)).isFalse(); // a tie keeps the earlier model
        assertThat(e.stopReason()).isNull();
        assertThat(e.update(Map.of("acc", 0.6), 4, set)).isFalse();
        assertThat(e.stopReason()).isEqualTo("early-stop");
        e.restoreBest(set);
        assertThat(p.value().toArray()).containsExactly(2f, 2f);
        assertThat(e.bestStep()).isEqualTo(2);
        assertThat(new EarlyStopping("acc", 0).stopReason()).isNull();
    }

    @Test
    void tiesGoToTheLowerLossAndFrozenEpochsDoNotCountTowardsPatience() {
        Parameter p = new Parameter("p", false, 1);
        ParameterSet set = new ParameterSet(List.of(p));
        EarlyStopping e = new EarlyStopping("acc", 1, "loss");
        assertThat(e.update(Map.of("acc", 0.6, "loss", 0.7), 1, set)).isTrue();
        assertThat(e.update(Map.of("acc", 0.6, "loss", 0.5), 2, set)).as("same score, lower loss").isTrue();
        assertThat(e.update(Map.of("acc", 0.6, "loss", 0.55), 3, set, false)).isFalse();
        assertThat(e.stopReason()).as("not counted").isNull();
        assertThat(e.update(Map.of("acc", 0.6, "loss", 0.55), 4, set, true)).isFalse();
        assertThat(e.stopReason()).isEqualTo("early-stop");
        assertThat(e.bestStep()).isEqualTo(2);
    }

    /** A one-parameter model whose "dev accuracy" peaks at its second evaluation. */
    static final class Toy implements Trainable<Integer> {
        final Parameter w = new Parameter("w", false, 1);
        final ParameterSet set = new ParameterSet(List.of(w));
        final List<Long> hookSteps = new ArrayList<>();
        int evaluations;

        @Override
        public ParameterSet parameters() {
            return set;
        }

        @Override
        public void setTraining(boolean training) {
        }

        @Override
        public List<Dropout> dropouts() {
            return List.of();
        }

        @Override
        public StepResult trainStep(List<Integer> microBatches) {
            w.grad().data()[w.grad().offset()] = -1f; // w grows every step
            return new StepResult(1.0, 1, Map.of());
        }

        @Override
        public Map<String, Double> evaluate() {
            evaluations++;
            return Map.of("dev_accuracy", evaluations == 2 ? 0.9 : 0.5);
        }

        @Override
        public void saveModel(Path folder, dev.graft.model.Checkpoint.Extras extras) throws IOException {
            java.nio.file.Files.createDirectories(folder);
        }

        @Override
        public void writeModelFiles(Path folder) {
        }

        @Override
        public void beforeUpdate(long step, long dataPosition, AdamW optimizer) {
            hookSteps.add(step);
        }
    }

    @Test
    void trainerStopsEarlyAndTheBestWeightsCanBeRestored(@TempDir Path dir) throws IOException {
        Toy toy = new Toy();
        RecipeControl<Integer> control = new RecipeControl<>(toy, null, new EarlyStopping("dev_accuracy", 2));
        BatchStream<Integer> data = new BatchStream<>() {
            long position;

            public Integer next() {
                position++;
                return 0;
            }

            public long position() {
                return position;
            }

            public void seek(long p) {
                position = p;
            }

            public long batchesPerEpoch() {
                return 3;
            }
        };
        TrainingOptions options = new TrainingOptions(0, 100, null, 0.1f, Schedule.constant(0), 0f, 0.9f, 0.999f,
                1e-8f, 0, 1, 1, 3, 0, 1, false);
        Trainer.Summary s = new Trainer<>(COMPUTE, control, data, options, dir, new PrintStream(
                PrintStream.nullOutputStream())).run(false);
        // evaluations after steps 3 (0.5), 6 (0.9, best), 9 and 12 (0.5, 0.5): patience 2 stops before step 13
        assertThat(s.stoppedBy()).isEqualTo("early-stop");
        assertThat(s.steps()).isEqualTo(12);
        assertThat(toy.hookSteps).hasSize(12).startsWith(0L, 1L, 2L);
        float last = toy.w.value().get(0);
        assertThat(control.restoreBest()).isTrue();
        assertThat(toy.w.value().get(0)).isLessThan(last).isGreaterThan(0f);
        assertThat(control.earlyStopping().bestStep()).isEqualTo(6);
    }
}
