package dev.graft.nn;

import dev.graft.model.Backbone;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.model.TokenBatch;
import dev.graft.model.TokenTagger;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finite-difference checks of the fine-tuning layers: sequence pooling (first, last, mean, concat)
 * under a padding mask, the classification head (BERT pooler + tanh, dropout off, linear), the tagging
 * head, and both task losses end to end through a tiny odd-sized backbone (class weights included).
 */
class HeadGradientTest {
    private static final Parallel POOL = new Parallel(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    static Stream<Compute> computes() {
        return Stream.of(new Compute(new ScalarKernels(), POOL), new Compute(new VectorKernels(POOL), POOL));
    }

    // batch 3, time 5, lengths 5, 2, 4 (right padding)
    private static final int B = 3;
    private static final int T = 5;
    private static final int[] MASK = {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0};

    /**
     * Values far apart (a permutation of 0, 1, 2, ... plus small noise), so the perturbations of the
     * finite differences never change which element a max picks.
     */
    private static float[] separated(Random r, int n) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (perm[i] - n / 2f) * 1.0f + (float) (r.nextGaussian() * 0.01);
        }
        return a;
    }

    @ParameterizedTest
    @MethodSource("dev.graft.nn.HeadGradientTest#modes")
    void pooling(Pooling mode) {
        int c = 7;
        SequencePooling pool = new SequencePooling(mode, c);
        float[] x = separated(new Random(5), B * T * c);
        GradientCheck.check("pooling " + mode, new GradientCheck.Subject() {
            public float[] forward() {
                return pool.forward(x, B, T, MASK);
            }

            public float[] backward(float[] dOut) {
                return pool.backward(dOut);
            }
        }, x, List.of(), B * pool.outputWidth(), 3);
    }

    static Stream<Pooling> modes() {
        return Stream.of(Pooling.values());
    }

    @Test
    void poolingValuesByHand() {
        // one sequence of 3 real tokens (and one pad) of width 2
        float[] x = {1, -2, 3, 5, -1, 4, 100, 100};
        int[] mask = {1, 1, 1, 0};
        SequencePooling concat = new SequencePooling(Pooling.CONCAT, 2);
        float[] y = concat.forward(x, 1, 4, mask);
        // last real = (-1, 4); max = (3, 5); mean = (1, 7/3); the padded (100, 100) is ignored
        assertThat(java.util.Arrays.copyOf(y, 5)).containsExactly(-1f, 4f, 3f, 5f, 1f);
        assertThat(y[5]).isCloseTo(7f / 3f, org.assertj.core.api.Assertions.within(1e-6f));
        SequencePooling first = new SequencePooling(Pooling.CLS, 2);
        assertThat(java.util.Arrays.copyOf(first.forward(x, 1, 4, mask), 2)).containsExactly(1f, -2f);
    }

    static ModelConfig tiny(ModelConfig.Architecture arch) {
        boolean enc = arch == ModelConfig.Architecture.ENCODER;
        return new ModelConfig(arch, 11, 6, 1, 2, 5, 8, enc ? 2 : 0, 1e-5f, 0.1f, 0.1f,
                enc ? GeluForm.ERF : GeluForm.TANH, 0.3f, enc ? 0 : -1);
    }

    private static TokenBatch batch(Random r, int[] targets) {
        int[] ids = new int[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = MASK[i] == 1 ? 1 + r.nextInt(10) : 0;
        }
        return new TokenBatch(B, T, ids, null, MASK, targets);
    }

    @ParameterizedTest
    @MethodSource("headCases")
    void classifierHead(Compute c, Pooling pooling, ModelConfig.Architecture arch) {
        Random r = new Random(11);
        ModelConfig config = tiny(arch);
        SequenceClassifier model = new SequenceClassifier(c, new Backbone(c, config, 1), pooling, 3, 2);
        model.setTraining(false);
        RandomValues.add(model.headParameters(), r, 0.3f);
        float[] hidden = pooling == Pooling.CONCAT ? separated(r, B * T * 6)
                : GradientCheck.random(r, B * T * 6, 1f);
        if (pooling == Pooling.CONCAT) {
            for (int i = 0; i < hidden.length; i++) {
                hidden[i] *= 0.2f; // keep the logits moderate
            }
        }
        TokenBatch batch = batch(r, null);
        GradientCheck.check("classifier head " + pooling, new GradientCheck.Subject() {
            public float[] forward() {
                return model.headForward(hidden, batch);
            }

            public float[] backward(float[] dOut) {
                return model.headBackward(dOut);
            }
        }, hidden, model.headParameters(), B * 3, 4);
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> headCases() {
        List<org.junit.jupiter.params.provider.Arguments> list = new ArrayList<>();
        for (Compute c : computes().toList()) {
            for (Pooling p : Pooling.values()) {
                list.add(org.junit.jupiter.params.provider.Arguments.of(c, p, ModelConfig.Architecture.ENCODER));
            }
            list.add(org.junit.jupiter.params.provider.Arguments.of(c, Pooling.LAST,
                    ModelConfig.Architecture.DECODER));
        }
        return list.stream();
    }

    @ParameterizedTest
    @MethodSource("computes")
    void taggerHead(Compute c) {
        Random r = new Random(13);
        TokenTagger model = new TokenTagger(c, new Backbone(c, tiny(ModelConfig.Architecture.ENCODER), 1), 4, 2);
        model.setTraining(false);
        RandomValues.add(model.headParameters(), r, 0.3f);
        float[] hidden = GradientCheck.random(r, B * T * 6, 1f);
        int[] rows = {0, 2, 3, 6, 11, 12};
        GradientCheck.check("tagger head", new GradientCheck.Subject() {
            public float[] forward() {
                return model.headForward(hidden, B * T, rows, rows.length);
            }

            public float[] backward(float[] dOut) {
                return model.headBackward(dOut);
            }
        }, hidden, model.headParameters(), rows.length * 4, 6);
    }

    /** The weighted classification loss, through the whole tiny model, against every parameter. */
    @ParameterizedTest
    @MethodSource("lossCases")
    void classificationLossEndToEnd(Compute c, Pooling pooling, ModelConfig.Architecture arch) {
        Random r = new Random(17);
        SequenceClassifier model = new SequenceClassifier(c, new Backbone(c, tiny(arch), 1), pooling, 3, 2);
        new LanguageModel(c, model.backbone(), 3); // a second set over the body must not disturb the check
        ParameterSet set = new ParameterSet(model.parameters());
        model.setTraining(false);
        // large enough weights that attention is far from uniform: the gradients of the attention
        // weights then stand well above float32 noise of the single loss value
        RandomValues.add(model.parameters(), r, 0.5f);
        model.setClassWeights(new float[] {0.5f, 2f, 1.25f});
        TokenBatch batch = batch(r, null);
        int[] labels = {2, 0, 1};
        double weightSum = 1.25 + 0.5 + 2;
        float[] out = new float[1];
        GradientCheck.check("classification loss " + pooling + " " + arch, new GradientCheck.Subject() {
            public float[] forward() {
                out[0] = (float) (model.forward(batch, labels, false, 1) / weightSum);
                return out;
            }

            public float[] backward(float[] dOut) {
                model.forward(batch, labels, true, weightSum / dOut[0]);
                return null;
            }
        }, null, checkable(set.list()), 1, 8);
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> lossCases() {
        Compute scalar = new Compute(new ScalarKernels(), POOL);
        return Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(scalar, Pooling.CLS,
                        ModelConfig.Architecture.ENCODER),
                org.junit.jupiter.params.provider.Arguments.of(scalar, Pooling.MEAN,
                        ModelConfig.Architecture.ENCODER),
                // concat's max has kinks where two tokens swap places, so the decoder case pools the last token;
                // concat itself is checked on separated inputs above
                org.junit.jupiter.params.provider.Arguments.of(scalar, Pooling.LAST,
                        ModelConfig.Architecture.DECODER));
    }

    /**
     * The parameters whose gradient stands above the float32 noise of one loss value: a key bias
     * shifts every score of a query by the same amount, which softmax ignores, so its true gradient
     * is exactly 0 and a finite difference of the loss shows only rounding.
     */
    private static List<Parameter> checkable(List<Parameter> all) {
        return all.stream().filter(p -> !p.name().endsWith("attention.self.key.bias")).toList();
    }

    @Test
    void taggingLossEndToEnd() {
        Compute c = new Compute(new ScalarKernels(), POOL);
        Random r = new Random(19);
        TokenTagger model = new TokenTagger(c, new Backbone(c, tiny(ModelConfig.Architecture.ENCODER), 1), 4, 2);
        model.setTraining(false);
        RandomValues.add(model.parameters(), r, 0.5f);
        int[] targets = new int[B * T];
        java.util.Arrays.fill(targets, TokenBatch.IGNORE);
        targets[1] = 3;
        targets[2] = 0;
        targets[5] = 1;
        targets[11] = 2;
        targets[13] = 3;
        TokenBatch batch = batch(r, targets);
        float[] out = new float[1];
        GradientCheck.check("tagging loss", new GradientCheck.Subject() {
            public float[] forward() {
                out[0] = (float) (model.forward(batch, false, 1) / 5);
                return out;
            }

            public float[] backward(float[] dOut) {
                model.forward(batch, true, 5 / dOut[0]);
                return null;
            }
        }, null, checkable(model.parameters()), 1, 9);
    }
}
