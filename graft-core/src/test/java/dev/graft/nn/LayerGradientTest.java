package dev.graft.nn;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.Kernels;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Every layer's backward against central finite differences, on tiny odd shapes, with both kernel sets. */
class LayerGradientTest {
    private static final Parallel POOL = new Parallel(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    static Stream<Compute> computes() {
        Kernels vector = new VectorKernels(POOL);
        return Stream.of(new Compute(new ScalarKernels(), POOL), new Compute(vector, POOL));
    }

    @ParameterizedTest
    @MethodSource("computes")
    void linearOutIn(Compute c) {
        linear(c, Linear.Layout.OUT_IN);
    }

    @ParameterizedTest
    @MethodSource("computes")
    void linearInOut(Compute c) {
        linear(c, Linear.Layout.IN_OUT);
    }

    private void linear(Compute c, Linear.Layout layout) {
        Random r = new Random(1);
        int rows = 5;
        int in = 7;
        int out = 3;
        Linear l = new Linear(c, "l", in, out, layout, true);
        new ParameterSet(l.parameters());
        RandomValues.add(l.parameters(), r, 0.5f);
        float[] x = GradientCheck.random(r, rows * in, 1f);
        GradientCheck.check("linear " + layout, new GradientCheck.Subject() {
            public float[] forward() {
                return l.forward(x, rows);
            }

            public float[] backward(float[] dOut) {
                return l.backward(dOut);
            }
        }, x, l.parameters(), rows * out, 2);
    }

    @ParameterizedTest
    @MethodSource("computes")
    void layerNorm(Compute c) {
        Random r = new Random(3);
        int rows = 6;
        int width = 9;
        LayerNorm ln = new LayerNorm(c, "ln", width, 1e-5f);
        new ParameterSet(ln.parameters());
        RandomValues.add(ln.parameters(), r, 0.3f);
        float[] x = GradientCheck.random(r, rows * width, 1f);
        GradientCheck.check("layer norm", new GradientCheck.Subject() {
            public float[] forward() {
                return ln.forward(x, rows);
            }

            public float[] backward(float[] dOut) {
                return ln.backward(dOut);
            }
        }, x, ln.parameters(), rows * width, 4);
    }

    @ParameterizedTest
    @MethodSource("computes")
    void feedForwardErfAndTanh(Compute c) {
        for (GeluForm form : GeluForm.values()) {
            Random r = new Random(5);
            int rows = 4;
            int width = 6;
            int inner = 11;
            FeedForward ff = new FeedForward(c, "up", "down", width, inner, Linear.Layout.OUT_IN, form);
            new ParameterSet(ff.parameters());
            RandomValues.add(ff.parameters(), r, 0.4f);
            float[] x = GradientCheck.random(r, rows * width, 1f);
            GradientCheck.check("feed-forward " + form, new GradientCheck.Subject() {
                public float[] forward() {
                    return ff.forward(x, rows);
                }

                public float[] backward(float[] dOut) {
                    return ff.backward(dOut);
                }
            }, x, ff.parameters(), rows * width, 6);
        }
    }

    @ParameterizedTest
    @MethodSource("computes")
    void bertAttentionWithPadding(Compute c) {
        attention(c, MultiHeadAttention.Style.BERT, false, new int[] {1, 1, 1, 1, 1, 1, 1, 0, 0, 0});
    }

    @ParameterizedTest
    @MethodSource("computes")
    void gptAttentionCausal(Compute c) {
        attention(c, MultiHeadAttention.Style.GPT2, true, null);
    }

    @ParameterizedTest
    @MethodSource("computes")
    void attentionWithDropout(Compute c) {
        // the mask is fixed by resetting the generator's counter before every forward
        Random r = new Random(9);
        int b = 2;
        int t = 5;
        int width = 6;
        MultiHeadAttention a = new MultiHeadAttention(c, "a", MultiHeadAttention.Style.BERT, width, 2, false, 0.3f, 77);
        new ParameterSet(a.parameters());
        RandomValues.add(a.parameters(), r, 0.5f);
        float[] x = GradientCheck.random(r, b * t * width, 1f);
        GradientCheck.check("attention with dropout", new GradientCheck.Subject() {
            public float[] forward() {
                a.dropout().setCalls(0);
                return a.forward(x, b, t, null);
            }

            public float[] backward(float[] dOut) {
                return a.backward(dOut);
            }
        }, x, a.parameters(), b * t * width, 10);
    }

    private void attention(Compute c, MultiHeadAttention.Style style, boolean causal, int[] mask) {
        Random r = new Random(7);
        int b = 2;
        int t = 5;
        int width = 6;
        MultiHeadAttention a = new MultiHeadAttention(c, "a", style, width, 3, causal, 0f, 1);
        new ParameterSet(a.parameters());
        RandomValues.add(a.parameters(), r, 0.5f);
        float[] x = GradientCheck.random(r, b * t * width, 1f);
        GradientCheck.check("attention " + style, new GradientCheck.Subject() {
            public float[] forward() {
                return a.forward(x, b, t, mask);
            }

            public float[] backward(float[] dOut) {
                return a.backward(dOut);
            }
        }, x, a.parameters(), b * t * width, 8);
    }

    @ParameterizedTest
    @MethodSource("computes")
    void transformerBlocks(Compute c) {
        for (TransformerBlock.Placement placement : TransformerBlock.Placement.values()) {
            Random r = new Random(11);
            int b = 2;
            int t = 3;
            int width = 8;
            boolean causal = placement == TransformerBlock.Placement.PRE_LN;
            TransformerBlock block = new TransformerBlock(c, "blk", placement, width, 2, 5, causal, 1e-5f,
                    causal ? GeluForm.TANH : GeluForm.ERF, 0.2f, 0.2f, 3);
            new ParameterSet(block.parameters());
            RandomValues.add(block.parameters(), r, 0.3f);
            float[] x = GradientCheck.random(r, b * t * width, 1f);
            int[] mask = causal ? null : new int[] {1, 1, 1, 1, 1, 0};
            GradientCheck.check("block " + placement, new GradientCheck.Subject() {
                public float[] forward() {
                    for (Dropout d : block.dropouts()) {
                        d.setCalls(0);
                    }
                    return block.forward(x, b, t, mask);
                }

                public float[] backward(float[] dOut) {
                    return block.backward(dOut);
                }
            }, x, block.parameters(), b * t * width, 12);
        }
    }

    @ParameterizedTest
    @MethodSource("computes")
    void embeddingScatter(Compute c) {
        Random r = new Random(13);
        Embedding e = new Embedding("e", 7, 5, "token id");
        new ParameterSet(e.parameters());
        RandomValues.add(e.parameters(), r, 1f);
        int[] ids = {3, 0, 3, 6, 1};
        float[] out = new float[ids.length * 5];
        GradientCheck.check("embedding", new GradientCheck.Subject() {
            public float[] forward() {
                e.gather(ids, ids.length, out, false);
                return out;
            }

            public float[] backward(float[] dOut) {
                e.scatterGrad(ids, ids.length, dOut);
                return null;
            }
        }, null, e.parameters(), out.length, 14);
    }

    @org.junit.jupiter.api.Test
    void gradientCheckCatchesAWrongBackward() {
        // the checker itself must fail on a wrong gradient: backward returns twice the right dx
        Random r = new Random(15);
        Compute c = new Compute(new ScalarKernels(), POOL);
        Linear l = new Linear(c, "l", 4, 3, Linear.Layout.OUT_IN, false);
        new ParameterSet(l.parameters());
        RandomValues.add(l.parameters(), r, 1f);
        float[] x = GradientCheck.random(r, 8, 1f);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GradientCheck.check("wrong", new GradientCheck.Subject() {
            public float[] forward() {
                return l.forward(x, 2);
            }

            public float[] backward(float[] dOut) {
                float[] dx = l.backward(dOut).clone();
                for (int i = 0; i < dx.length; i++) {
                    dx[i] *= 2;
                }
                return dx;
            }
        }, x, new ArrayList<>(), 6, 16)).isInstanceOf(AssertionError.class);
    }
}
