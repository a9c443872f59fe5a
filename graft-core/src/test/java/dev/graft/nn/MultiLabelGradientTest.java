package dev.graft.nn;

import dev.graft.model.Backbone;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.model.TokenBatch;
import dev.graft.task.MultiLabelBatch;
import dev.graft.task.MultiLabelTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The multi-label loss (binary cross-entropy with logits, mean over examples and labels) checked by finite
 * differences: alone against its logits, and through a tiny odd-sized model via {@link MultiLabelTask#trainStep}
 * over two micro-batches normalized together.
 */
class MultiLabelGradientTest {
    private static final Parallel POOL = new Parallel(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    @Test
    void valuesByHand() {
        // BCE(x, y) = max(x, 0) - x y + log(1 + e^-|x|): at x = 0 it is ln 2 for either target;
        // x = 2, y = 1: log(1 + e^-2); x = -3, y = 1: 3 + log(1 + e^-3)
        float[] x = {0f, 0f, 2f, -3f};
        float[] y = {1f, 0f, 1f, 1f};
        float[] d = new float[4];
        double sum = MultiLabelTask.binaryCrossEntropy(x, y, 4, 0.5, d);
        double expected = 2 * Math.log(2) + Math.log1p(Math.exp(-2)) + 3 + Math.log1p(Math.exp(-3));
        assertThat(sum).isCloseTo(expected, within(1e-12));
        // gradient 0.5 (sigmoid(x) - y)
        assertThat(d[0]).isCloseTo(-0.25f, within(1e-7f));
        assertThat(d[1]).isCloseTo(0.25f, within(1e-7f));
        assertThat(d[2]).isCloseTo((float) (0.5 * (1 / (1 + Math.exp(-2)) - 1)), within(1e-7f));
        // a large logit stays finite (the stable form)
        assertThat(MultiLabelTask.binaryCrossEntropy(new float[] {-200f}, new float[] {1f}, 1, 1, null))
                .isCloseTo(200, within(1e-9));
    }

    @Test
    void lossAgainstItsLogits() {
        Random r = new Random(3);
        int n = 3 * 5; // 3 examples, 5 labels
        float[] logits = GradientCheck.random(r, n, 2f);
        logits[4] = 7f; // far in the tails too
        logits[9] = -6f;
        float[] targets = new float[n];
        for (int i = 0; i < n; i++) {
            targets[i] = r.nextBoolean() ? 1f : 0f;
        }
        float[] out = new float[1];
        float[] d = new float[n];
        GradientCheck.check("binary cross-entropy", new GradientCheck.Subject() {
            public float[] forward() {
                out[0] = (float) (MultiLabelTask.binaryCrossEntropy(logits, targets, n, 1, null) / n);
                return out;
            }

            public float[] backward(float[] dOut) {
                MultiLabelTask.binaryCrossEntropy(logits, targets, n, dOut[0] / n, d);
                return d;
            }
        }, logits, List.of(), 1, 5);
    }

    private static MultiLabelBatch batch(Random r, int b, int t, int[] mask, int k) {
        int[] ids = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = mask[i] == 1 ? 1 + r.nextInt(10) : 0;
        }
        float[] targets = new float[b * k];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = r.nextBoolean() ? 1f : 0f;
        }
        int[] examples = new int[b];
        for (int i = 0; i < b; i++) {
            examples[i] = i;
        }
        return new MultiLabelBatch(new TokenBatch(b, t, ids, null, mask, null), targets, examples);
    }

    @Test
    void trainStepThroughTheWholeModel() {
        Compute c = new Compute(new ScalarKernels(), POOL);
        Random r = new Random(17);
        int k = 3;
        ModelConfig config = HeadGradientTest.tiny(ModelConfig.Architecture.ENCODER);
        SequenceClassifier model = new SequenceClassifier(c, new Backbone(c, config, 1),
                Pooling.CLS, k, 2);
        model.setTraining(false);
        for (Parameter p : model.parameters()) {
            float[] v = p.value().data();
            for (int i = 0; i < p.size(); i++) {
                v[p.value().offset() + i] += (float) (r.nextGaussian() * 0.5);
            }
        }
        HeadConfig head = new HeadConfig(HeadConfig.Task.MULTI_LABEL, List.of("a", "b", "c"),
                Pooling.CLS, 8);
        MultiLabelTask task = new MultiLabelTask(model, head, null, 4, null);
        // two micro-batches of one update: 3 and 2 examples, normalized together over 5 x 3 decisions
        MultiLabelBatch first = batch(r, 3, 5, new int[] {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0}, k);
        MultiLabelBatch second = batch(r, 2, 4, new int[] {1, 1, 1, 0, 1, 1, 1, 1}, k);
        List<MultiLabelBatch> batches = List.of(first, second);
        float[] out = new float[1];
        double[] offset = {0}; // the loss is reported less its starting value: float keeps more of the differences
        List<Parameter> params = model.parameters().stream()
                .filter(p -> !p.name().endsWith("attention.self.key.bias")).toList();
        double start = 0;
        for (MultiLabelBatch b : batches) {
            start += MultiLabelTask.binaryCrossEntropy(model.logits(b.tokens()), b.targets(), b.tokens().batch() * k,
                    1, null);
        }
        offset[0] = start / (5 * k);
        GradientCheck.check("multi-label loss", new GradientCheck.Subject() {
            public float[] forward() {
                double sum = 0;
                for (MultiLabelBatch b : batches) {
                    sum += MultiLabelTask.binaryCrossEntropy(model.logits(b.tokens()), b.targets(),
                            b.tokens().batch() * k, 1, null);
                }
                out[0] = (float) (sum / (5 * k) - offset[0]);
                return out;
            }

            public float[] backward(float[] dOut) {
                double loss = task.trainStep(batches).loss();
                assertThat(loss).isCloseTo(out[0] + offset[0], within(1e-6));
                for (Parameter p : model.parameters()) {
                    float[] g = p.grad().data();
                    for (int i = 0; i < p.size(); i++) {
                        g[p.grad().offset() + i] *= dOut[0];
                    }
                }
                return null;
            }
        }, null, params, 1, 8);
    }
}
