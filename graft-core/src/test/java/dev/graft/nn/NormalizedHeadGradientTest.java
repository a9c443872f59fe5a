package dev.graft.nn;

import dev.graft.model.Backbone;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.model.TokenBatch;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The L2 normalization of sentence-transformers' Normalize module ({@link L2Normalize}) and the classifier head
 * that uses it (SetFit's: softmax(W · normalize(pool(h)) + b), cls pooling with or without BERT's pooler): values
 * worked by hand, the layer's backward and the head's against finite differences, and the classification loss
 * through a tiny odd-sized model against every parameter.
 */
class NormalizedHeadGradientTest {
    private static final Parallel POOL = new Parallel(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    @Test
    void normalizationByHand() {
        L2Normalize norm = new L2Normalize(3);
        // rows (3, 4, 0), (0, 0, 0), (0, -2, 0)
        float[] x = {3, 4, 0, 0, 0, 0, 0, -2, 0};
        float[] y = norm.forward(x, 3);
        assertThat(Arrays.copyOf(y, 9)).containsExactly(new float[] {0.6f, 0.8f, 0, 0, 0, 0, 0, -1, 0},
                within(1e-7f));
        // dy = (1, 0, 0) on the first row: y·dy = 0.6, dx = (dy - 0.6 y) / 5 = (0.64, -0.48, 0) / 5
        // the zero row (|x| below eps): dx = dy / 1e-12, as torch's x / max(|x|, eps)
        // the third row: dy = (1, 1, 1): y·dy = -1, dx = ((1, 1, 1) + (0, -1, 0)) / 2 = (0.5, 0, 0.5)
        float[] dx = norm.backward(new float[] {1, 0, 0, 0, 2e-12f, 0, 1, 1, 1});
        assertThat(dx[0]).isCloseTo(0.128f, within(1e-7f));
        assertThat(dx[1]).isCloseTo(-0.096f, within(1e-7f));
        assertThat(dx[2]).isZero();
        assertThat(dx[3]).isZero();
        assertThat(dx[4]).isCloseTo(2f, within(1e-6f));
        assertThat(Arrays.copyOfRange(dx, 6, 9)).containsExactly(new float[] {0.5f, 0, 0.5f}, within(1e-7f));
        // the static row function is the same arithmetic (inference paths call it), in place too
        float[] row = {3, 4, 0};
        assertThat(L2Normalize.normalizeRow(row, 0, 3, row, 0)).isEqualTo(5.0);
        assertThat(row).containsExactly(y[0], y[1], y[2]);
        assertThatThrownBy(() -> new L2Normalize(0)).hasMessageContaining("positive");
    }

    @Test
    void normalizationAgainstFiniteDifferences() {
        int rows = 5;
        int c = 7;
        float[] x = GradientCheck.random(new Random(3), rows * c, 1f);
        for (int j = 0; j < c; j++) {
            x[c + j] *= 40f; // a long row
            x[2 * c + j] *= 0.05f; // a short one
        }
        L2Normalize norm = new L2Normalize(c);
        GradientCheck.check("L2 normalization", new GradientCheck.Subject() {
            public float[] forward() {
                return norm.forward(x, rows);
            }

            public float[] backward(float[] dOut) {
                return norm.backward(dOut);
            }
        }, x, List.of(), rows * c, 5);
    }

    // batch 3, time 5, lengths 5, 2, 4 (right padding)
    private static final int B = 3;
    private static final int T = 5;
    private static final int[] MASK = {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0};

    /** A tiny odd-sized model: vocabulary 11, hidden 7, FFN 5. */
    private static ModelConfig tiny(ModelConfig.Architecture arch) {
        boolean enc = arch == ModelConfig.Architecture.ENCODER;
        return new ModelConfig(arch, 11, 7, 1, 1, 5, 8, enc ? 2 : 0, 1e-5f, 0.1f, 0.1f,
                enc ? GeluForm.ERF : GeluForm.TANH, 0.3f, enc ? 0 : -1);
    }

    /** Values far apart, so concat's max never changes under the finite differences' perturbations. */
    private static float[] separated(Random r, int n) {
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            perm.add(i);
        }
        java.util.Collections.shuffle(perm, r);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (perm.get(i) - n / 2f) * 0.2f + (float) (r.nextGaussian() * 0.002);
        }
        return a;
    }

    static Stream<Arguments> headCases() {
        List<Arguments> list = new ArrayList<>();
        for (Compute c : List.of(new Compute(new ScalarKernels(), POOL), new Compute(new VectorKernels(POOL), POOL))) {
            list.add(Arguments.of(c, Pooling.CLS, false, ModelConfig.Architecture.ENCODER)); // SetFit's cls
            list.add(Arguments.of(c, Pooling.CLS, true, ModelConfig.Architecture.ENCODER)); // BERT's pooler, then
            list.add(Arguments.of(c, Pooling.MEAN, false, ModelConfig.Architecture.ENCODER)); // SetFit's mean
            list.add(Arguments.of(c, Pooling.CONCAT, false, ModelConfig.Architecture.ENCODER));
            list.add(Arguments.of(c, Pooling.LAST, false, ModelConfig.Architecture.DECODER));
        }
        return list.stream();
    }

    @ParameterizedTest
    @MethodSource("headCases")
    void normalizingHeadAgainstFiniteDifferences(Compute c, Pooling pooling, boolean pooler,
                                                 ModelConfig.Architecture arch) {
        Random r = new Random(23);
        SequenceClassifier model = new SequenceClassifier(c, new Backbone(c, tiny(arch), 1), pooling, pooler, true,
                3, 2);
        assertThat(model.normalizes()).isTrue();
        assertThat(model.hasPooler()).isEqualTo(pooler);
        model.setTraining(false);
        RandomValues.add(model.headParameters(), r, 0.5f);
        float[] hidden = pooling == Pooling.CONCAT ? separated(r, B * T * 7) : GradientCheck.random(r, B * T * 7, 1f);
        TokenBatch batch = new TokenBatch(B, T, new int[B * T], null, MASK, null);
        GradientCheck.check("normalizing head " + pooling + (pooler ? " + pooler" : ""), new GradientCheck.Subject() {
            public float[] forward() {
                return model.headForward(hidden, batch);
            }

            public float[] backward(float[] dOut) {
                return model.headBackward(dOut);
            }
        }, hidden, model.headParameters(), B * 3, 4);
    }

    @Test
    void theHeadComputesSoftmaxOfWTimesTheNormalizedFirstToken() {
        Compute c = new Compute(new ScalarKernels(), POOL);
        SequenceClassifier model = new SequenceClassifier(c, new Backbone(c, tiny(ModelConfig.Architecture.ENCODER),
                1), Pooling.CLS, false, true, 2, 2);
        model.setTraining(false);
        assertThat(model.headParameters()).extracting(Parameter::name)
                .containsExactly("classifier.weight", "classifier.bias");
        // W rows (1, 0, ...), (0, 1, ...) plus a third feature; b = (0.5, -0.5)
        float[] w = new float[2 * 7];
        w[0] = 1;
        w[7 + 1] = 1;
        w[2] = 2;
        model.headParameters().get(0).value().copyFrom(w);
        model.headParameters().get(1).value().copyFrom(new float[] {0.5f, -0.5f});
        // one sequence of 2 real tokens: the first (3, 0, 4, 0, 0, 0, 0), the second anything
        float[] hidden = new float[2 * 7];
        hidden[0] = 3;
        hidden[2] = 4;
        Arrays.fill(hidden, 7, 14, 9f);
        float[] logits = model.headForward(hidden, new TokenBatch(1, 2, new int[2], null, new int[] {1, 1}, null));
        // normalize: (0.6, 0, 0.8, 0, ...); logits: 0.6 + 2·0.8 + 0.5 = 2.7 and 0 - 0.5 = -0.5
        assertThat(logits[0]).isCloseTo(2.7f, within(1e-6f));
        assertThat(logits[1]).isCloseTo(-0.5f, within(1e-6f));
        float[] p = new float[2];
        model.probabilities(0, p);
        assertThat((double) p[0]).isCloseTo(1 / (1 + Math.exp(-3.2)), within(1e-6));
    }

    /** The classification loss with a normalizing head, through the whole tiny model, against every parameter. */
    @ParameterizedTest
    @MethodSource("lossCases")
    void normalizedClassificationLossEndToEnd(Pooling pooling, boolean pooler) {
        Compute c = new Compute(new ScalarKernels(), POOL);
        Random r = new Random(29);
        SequenceClassifier model = new SequenceClassifier(c, new Backbone(c, tiny(ModelConfig.Architecture.ENCODER),
                1), pooling, pooler, true, 3, 2);
        new LanguageModel(c, model.backbone(), 3); // a second set over the body must not disturb the check
        ParameterSet set = new ParameterSet(model.parameters());
        model.setTraining(false);
        RandomValues.add(model.parameters(), r, 0.5f);
        // a normalized feature is at most 1 long: a larger classifier keeps the loss's gradient well above noise
        RandomValues.add(model.headParameters(), r, 2f);
        int[] ids = new int[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = MASK[i] == 1 ? 1 + r.nextInt(10) : 0;
        }
        TokenBatch batch = new TokenBatch(B, T, ids, null, MASK, null);
        int[] labels = {2, 0, 1};
        float[] out = new float[1];
        GradientCheck.check("normalized classification loss " + pooling, new GradientCheck.Subject() {
            public float[] forward() {
                out[0] = (float) (model.forward(batch, labels, false, 1) / 3);
                return out;
            }

            public float[] backward(float[] dOut) {
                model.forward(batch, labels, true, 3 / dOut[0]);
                return null;
            }
        }, null, set.list().stream().filter(p -> !p.name().endsWith("attention.self.key.bias")).toList(), 1, 8);
    }

    static Stream<Arguments> lossCases() {
        return Stream.of(Arguments.of(Pooling.CLS, false), Arguments.of(Pooling.MEAN, false),
                Arguments.of(Pooling.CLS, true));
    }

    @Test
    void aPoolerBelongsToClsPooling() {
        Compute c = new Compute(new ScalarKernels(), POOL);
        assertThatThrownBy(() -> new SequenceClassifier(c, new Backbone(c, tiny(ModelConfig.Architecture.ENCODER), 1),
                Pooling.MEAN, true, false, 3, 2)).hasMessageContaining("pooler belongs to cls pooling, not mean");
        SequenceClassifier plain = new SequenceClassifier(c, new Backbone(c, tiny(ModelConfig.Architecture.ENCODER),
                1), Pooling.CLS, 3, 2);
        assertThat(plain.hasPooler()).as("the old constructor: BERT's pooler with cls").isTrue();
        assertThat(plain.normalizes()).isFalse();
    }
}
