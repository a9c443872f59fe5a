package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.Pooling;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The inference forward of a sequence classifier gives the training forward's logits (dropout off) for
 * every pooling, with the scalar and the vector kernels at one and two threads, and a text's logits do not
 * depend on the rest of its batch, bit for bit.
 */
class ClassifierInferenceTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Parallel TWO = new Parallel(2);

    @AfterAll
    static void close() {
        ONE.close();
        TWO.close();
    }

    private static SequenceClassifier classifier(Compute compute, Pooling pooling, int types) {
        return classifier(compute, pooling, pooling == Pooling.CLS, false, types);
    }

    private static SequenceClassifier classifier(Compute compute, Pooling pooling, boolean pooler, boolean normalize,
                                                 int types) {
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.ENCODER, 99, 36, 2, 3, 37, 17, types,
                1e-12f, 0.1f, 0.1f, GeluForm.ERF, 0.02f, 0);
        SequenceClassifier model = new SequenceClassifier(compute, new Backbone(compute, config, 3), pooling, pooler,
                normalize, 5, 7);
        Random random = new Random(11);
        for (Parameter p : model.parameters()) { // larger than the init, so that errors would show
            float[] v = p.value().toArray();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (random.nextGaussian() * 0.2);
            }
            p.value().copyFrom(v);
        }
        model.setTraining(false);
        return model;
    }

    /** Right-padded texts of the given lengths (as graft's encodings are), random ids, token types if any. */
    private static TokenBatch batch(int[] lengths, int types, long seed) {
        Random random = new Random(seed);
        int t = Arrays.stream(lengths).max().orElseThrow();
        int b = lengths.length;
        int[] ids = new int[b * t];
        int[] typeIds = new int[b * t];
        int[] mask = new int[b * t];
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < lengths[s]; i++) {
                ids[s * t + i] = 1 + random.nextInt(98);
                typeIds[s * t + i] = types == 0 || i < lengths[s] / 2 ? 0 : 1;
                mask[s * t + i] = 1;
            }
        }
        return new TokenBatch(b, t, ids, types == 0 ? null : typeIds, mask, null);
    }

    private static TokenBatch row(TokenBatch batch, int s, int length) {
        int t = batch.time();
        int[] types = batch.typeIds() == null ? null : Arrays.copyOfRange(batch.typeIds(), s * t, s * t + length);
        int[] mask = new int[length];
        Arrays.fill(mask, 1);
        return new TokenBatch(1, length, Arrays.copyOfRange(batch.inputIds(), s * t, s * t + length), types, mask, null);
    }

    @Test
    void matchesTheTrainingForwardForEveryPooling() {
        int[] lengths = {9, 17, 1, 4, 12};
        for (Compute compute : List.of(new Compute(new ScalarKernels(), ONE), new Compute(new VectorKernels(ONE), ONE),
                new Compute(new VectorKernels(TWO), TWO))) {
            for (Pooling pooling : Pooling.values()) {
                for (int types : new int[] {0, 2}) {
                    SequenceClassifier model = classifier(compute, pooling, types);
                    TokenBatch batch = batch(lengths, types, pooling.ordinal() * 10L + types);
                    float[] expected = model.logits(batch).clone();
                    ClassifierInference inference = new ClassifierInference(model, compute);
                    float[] actual = inference.logits(batch).clone();
                    double worst = 0;
                    double scale = 0;
                    for (int i = 0; i < lengths.length * 5; i++) {
                        worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
                        scale = Math.max(scale, Math.abs(expected[i]));
                    }
                    assertThat(scale).isGreaterThan(0.1); // the logits are not trivially small
                    assertThat(worst).as("%s pooling, %d types, %s", pooling, types, compute.kernels().name())
                            .isLessThan(2e-5);
                    float[] p = new float[5];
                    float[] q = new float[5];
                    for (int s = 0; s < lengths.length; s++) {
                        inference.logits(batch);
                        inference.probabilities(s, p);
                        model.logits(batch);
                        model.probabilities(s, q);
                        for (int j = 0; j < 5; j++) {
                            assertThat(p[j]).isCloseTo(q[j], org.assertj.core.data.Offset.offset(1e-5f));
                        }
                    }
                }
            }
        }
    }

    /**
     * Heads that pool as sentence-transformers (SetFit's): cls without BERT's pooler, and L2 normalization
     * before the linear layer; the inference forward gives the training forward's logits, and the logits are
     * W · normalize(pool(h)) + b computed here from the encoder's hidden states.
     */
    @Test
    void normalizingHeadsMatchTheTrainingForwardAndTheirFormula() {
        int[] lengths = {9, 17, 1, 4, 12};
        for (Compute compute : List.of(new Compute(new ScalarKernels(), ONE), new Compute(new VectorKernels(TWO), TWO))) {
            for (Pooling pooling : Pooling.values()) {
                for (boolean pooler : pooling == Pooling.CLS ? new boolean[] {false, true} : new boolean[] {false}) {
                    SequenceClassifier model = classifier(compute, pooling, pooler, true, 2);
                    TokenBatch batch = batch(lengths, 2, 40 + pooling.ordinal());
                    float[] expected = model.logits(batch).clone();
                    ClassifierInference inference = new ClassifierInference(model, compute);
                    float[] actual = inference.logits(batch).clone();
                    for (int i = 0; i < lengths.length * 5; i++) {
                        assertThat(actual[i]).as("%s pooling, pooler %s, %s", pooling, pooler,
                                compute.kernels().name()).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(2e-5f));
                    }
                    if (!pooler && pooling != Pooling.CONCAT) {
                        checkFormula(model, batch, lengths, pooling, actual);
                    }
                    // a text alone gives its batch's logits, bit for bit
                    float[] alone = Arrays.copyOf(inference.logits(row(batch, 1, lengths[1])), 5);
                    assertThat(alone).containsExactly(Arrays.copyOfRange(actual, 5, 10));
                }
            }
        }
    }

    /** W · normalize(pool(h)) + b in double, from the training forward's hidden states. */
    private static void checkFormula(SequenceClassifier model, TokenBatch batch, int[] lengths, Pooling pooling,
                                     float[] actual) {
        int c = model.config().hiddenSize();
        int t = batch.time();
        float[] hidden = model.backbone().forward(batch).clone();
        float[] w = model.headParameters().get(0).value().toArray();
        float[] bias = model.headParameters().get(1).value().toArray();
        for (int s = 0; s < lengths.length; s++) {
            double[] v = new double[c];
            int from = pooling == Pooling.LAST ? lengths[s] - 1 : 0;
            int to = pooling == Pooling.MEAN ? lengths[s] : from + 1;
            for (int r = from; r < to; r++) {
                for (int j = 0; j < c; j++) {
                    v[j] += hidden[(s * t + r) * c + j] / (double) (to - from);
                }
            }
            double norm = 0;
            for (double x : v) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            for (int k = 0; k < 5; k++) {
                double logit = bias[k];
                for (int j = 0; j < c; j++) {
                    logit += w[k * c + j] * v[j] / norm;
                }
                assertThat((double) actual[s * 5 + k]).as("%s pooling, text %d, label %d", pooling, s, k)
                        .isCloseTo(logit, org.assertj.core.data.Offset.offset(2e-5));
            }
        }
    }

    @Test
    void aTextsLogitsDoNotDependOnItsBatch() {
        Compute compute = new Compute(new VectorKernels(TWO), TWO);
        int[] lengths = {9, 17, 1, 4, 12, 3, 16};
        for (Pooling pooling : Pooling.values()) {
            SequenceClassifier model = classifier(compute, pooling, 2);
            ClassifierInference inference = new ClassifierInference(model, compute);
            TokenBatch batch = batch(lengths, 2, 5);
            float[] together = Arrays.copyOf(inference.logits(batch), lengths.length * 5);
            for (int s = 0; s < lengths.length; s++) {
                float[] alone = Arrays.copyOf(inference.logits(row(batch, s, lengths[s])), 5);
                assertThat(alone).as("%s pooling, text %d", pooling, s)
                        .containsExactly(Arrays.copyOfRange(together, s * 5, s * 5 + 5));
            }
        }
    }

    @Test
    void aSnapshotUntilInvalidatedAndNoDecoders() {
        Compute compute = new Compute(new VectorKernels(ONE), ONE);
        SequenceClassifier model = classifier(compute, Pooling.CLS, 0);
        ClassifierInference inference = new ClassifierInference(model, compute);
        TokenBatch batch = batch(new int[] {5, 8}, 0, 1);
        float[] before = inference.logits(batch).clone();
        Parameter last = model.headParameters().get(model.headParameters().size() - 1); // the classifier's bias
        last.value().set(0, last.value().get(0) + 1f);
        assertThat(inference.logits(batch)).containsExactly(before);
        inference.invalidate();
        float[] after = inference.logits(batch);
        assertThat(after[0]).isCloseTo(before[0] + 1f, org.assertj.core.data.Offset.offset(1e-5f));
        ModelConfig gpt = new ModelConfig(ModelConfig.Architecture.DECODER, 99, 32, 1, 4, 37, 8, 0, 1e-5f, 0f, 0f,
                GeluForm.TANH, 0.02f, -1);
        SequenceClassifier decoder = new SequenceClassifier(compute, new Backbone(compute, gpt, 1),
                Pooling.LAST, 2, 1);
        assertThatThrownBy(() -> new ClassifierInference(decoder, compute)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decoder");
    }
}
