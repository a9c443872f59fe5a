package dev.graft.nn;

import dev.graft.model.Backbone;
import dev.graft.model.ModelConfig;
import dev.graft.model.TokenBatch;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * SetFit's loss: sentence-transformers' CosineSimilarityLoss on mean-pooled token states. Its values by hand,
 * its backward (mean pooling + cosine + squared error) against finite differences on the token states, and the
 * whole chain through a tiny odd-sized encoder against every parameter.
 */
class CosineSimilarityLossTest {
    private static final Parallel POOL = new Parallel(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    @Test
    void valuesByHand() {
        CosineSimilarityLoss loss = new CosineSimilarityLoss();
        // pairs: ((1,0),(0,1)) orthogonal, target 1; ((1,1),(2,2)) parallel, target 0; ((3,4),(-3,-4)) opposite, 0.5
        float[] x = {1, 0, 1, 1, 3, 4, 0, 1, 2, 2, -3, -4};
        double sum = loss.forward(x, 3, 2, new float[] {1f, 0f, 0.5f});
        assertThat(loss.cosine(0)).isCloseTo(0.0, within(1e-12));
        assertThat(loss.cosine(1)).isCloseTo(1.0, within(1e-7));
        assertThat(loss.cosine(2)).isCloseTo(-1.0, within(1e-7));
        assertThat(sum).isCloseTo(1 + 1 + 2.25, within(1e-6));
        // d/du of (cos - 1)^2 at u = (1,0), v = (0,1): 2(0 - 1)(v/(|u||v|) - 0) = (0, -2)
        float[] d = loss.backward(1);
        assertThat(d[0]).isCloseTo(0f, within(1e-6f));
        assertThat(d[1]).isCloseTo(-2f, within(1e-6f));
        // a zero vector: the cosine is 0 (torch's eps), and the gradient stays finite
        loss.forward(new float[] {0, 0, 1, 0}, 1, 2, new float[] {1f});
        assertThat(loss.cosine(0)).isZero();
        for (float v : loss.backward(1)) {
            assertThat(Float.isFinite(v)).isTrue();
        }
    }

    /** Mean pooling under a padding mask, then the loss: d(scale·L)/d(token states). */
    @Test
    void poolingCosineAndSquaredErrorAgainstFiniteDifferences() {
        int pairs = 3;
        int time = 4;
        int c = 7;
        // 6 sequences (3 firsts, then 3 seconds), lengths 4, 2, 3, 1, 4, 3
        int[] mask = {1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0};
        Random r = new Random(5);
        float[] hidden = GradientCheck.random(r, 2 * pairs * time * c, 1f);
        float[] targets = {1f, 0f, 1f};
        SequencePooling pool = new SequencePooling(Pooling.MEAN, c);
        CosineSimilarityLoss loss = new CosineSimilarityLoss();
        float[] out = new float[1];
        GradientCheck.check("mean pooling + cosine + squared error", new GradientCheck.Subject() {
            public float[] forward() {
                float[] pooled = pool.forward(hidden, 2 * pairs, time, mask);
                out[0] = (float) loss.forward(pooled, pairs, c, targets);
                return out;
            }

            public float[] backward(float[] dOut) {
                forward();
                return pool.backward(loss.backward(dOut[0]));
            }
        }, hidden, List.of(), 1, 3);
    }

    static Stream<Compute> computes() {
        return Stream.of(new Compute(new ScalarKernels(), POOL), new Compute(new VectorKernels(POOL), POOL));
    }

    /** The contrastive step of SetFit through a tiny encoder: every parameter against finite differences. */
    @ParameterizedTest
    @MethodSource("computes")
    void throughATinyEncoder(Compute compute) {
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.ENCODER, 13, 6, 1, 2, 5, 8, 2, 1e-5f, 0.1f,
                0.1f, GeluForm.ERF, 0.3f, 0);
        Backbone backbone = new Backbone(compute, config, 1);
        for (Dropout d : backbone.dropouts()) {
            d.setTraining(false);
        }
        Random r = new Random(9);
        for (Parameter p : backbone.parameters()) {
            float[] d = p.value().data();
            for (int i = 0; i < p.size(); i++) {
                d[p.value().offset() + i] += (float) (r.nextGaussian() * 0.5);
            }
        }
        int pairs = 2;
        int time = 5;
        int[] mask = {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1};
        int[] ids = new int[mask.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = mask[i] == 1 ? 1 + r.nextInt(12) : 0;
        }
        TokenBatch batch = new TokenBatch(2 * pairs, time, ids, null, mask, null);
        float[] targets = {1f, 0f};
        SequencePooling pool = new SequencePooling(Pooling.MEAN, config.hiddenSize());
        CosineSimilarityLoss loss = new CosineSimilarityLoss();
        float[] out = new float[1];
        List<Parameter> checked = backbone.parameters().stream()
                .filter(p -> !p.name().endsWith("attention.self.key.bias")).toList(); // softmax ignores it: grad 0
        GradientCheck.check("cosine loss through the encoder", new GradientCheck.Subject() {
            public float[] forward() {
                float[] pooled = pool.forward(backbone.forward(batch), 2 * pairs, time, mask);
                out[0] = (float) (loss.forward(pooled, pairs, config.hiddenSize(), targets) / pairs);
                return out;
            }

            public float[] backward(float[] dOut) {
                forward();
                backbone.backward(pool.backward(loss.backward(dOut[0] / pairs)));
                return null;
            }
        }, null, checked, 1, 4);
    }
}
