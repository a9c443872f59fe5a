package dev.graft.nn;

import dev.graft.tensor.kernel.GeluForm;

import java.util.List;

/**
 * One transformer layer, in either placement of the layer norms:
 * <ul>
 * <li>post-LN (BERT, Devlin et al. 2019): h = LN1(x + Drop(Attn(x))); y = LN2(h + Drop(FFN(h)))</li>
 * <li>pre-LN (GPT-2, Radford et al. 2019): h = x + Drop(Attn(LN1(x))); y = h + Drop(FFN(LN2(h)))</li>
 * </ul>
 * Parameter names follow Hugging Face's BertLayer and GPT2Block.
 */
public final class TransformerBlock implements Module {
    /** Where the layer norms sit. */
    public enum Placement {
        POST_LN,
        PRE_LN
    }

    /** Hugging Face's parameter names: BertLayer's or GPT2Block's. */
    public enum Naming {
        BERT,
        GPT2
    }

    private final Compute compute;
    private final Placement placement;
    private final int width;
    private final MultiHeadAttention attention;
    private final FeedForward feedForward;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final Dropout attentionOutputDropout;
    private final Dropout feedForwardOutputDropout;

    private int rows;
    private float[] h; // (rows, C): the residual stream after the attention half (pre-LN) or its pre-norm sum (post-LN)
    private float[] y; // (rows, C)
    private float[] dh;
    private float[] dx;

    /**
     * @param prefix "bert.encoder.layer.0" (post-LN) or "transformer.h.0" (pre-LN)
     */
    public TransformerBlock(Compute compute, String prefix, Placement placement, int width, int heads, int inner,
                            boolean causal, float eps, GeluForm gelu, float hiddenDropout, float attentionDropout,
                            long seed) {
        this(compute, prefix, placement, placement == Placement.POST_LN ? Naming.BERT : Naming.GPT2, true, width,
                heads, inner, causal, eps, gelu, hiddenDropout, attentionDropout, seed);
    }

    /**
     * A block in any placement under either naming: a BERT-named block may be pre-LN (Cramming's encoder; its
     * norms are then named {@code attention.input_LayerNorm} and {@code intermediate.input_LayerNorm}, so a
     * pre-LN checkpoint is never read as a post-LN BERT), and the linears of attention and feed-forward may
     * go without biases.
     *
     * @param prefix "bert.encoder.layer.0" (BERT naming) or "transformer.h.0" (GPT-2 naming)
     * @param bias   whether attention's and the feed-forward's linears have biases
     */
    public TransformerBlock(Compute compute, String prefix, Placement placement, Naming naming, boolean bias,
                            int width, int heads, int inner, boolean causal, float eps, GeluForm gelu,
                            float hiddenDropout, float attentionDropout, long seed) {
        this.compute = compute;
        this.placement = placement;
        this.width = width;
        if (naming == Naming.BERT) {
            attention = new MultiHeadAttention(compute, prefix + ".attention", MultiHeadAttention.Style.BERT, width,
                    heads, causal, attentionDropout, seed * 4 + 1, bias);
            boolean post = placement == Placement.POST_LN;
            norm1 = new LayerNorm(compute, prefix + (post ? ".attention.output.LayerNorm"
                    : ".attention.input_LayerNorm"), width, eps);
            feedForward = new FeedForward(compute, prefix + ".intermediate.dense", prefix + ".output.dense", width,
                    inner, Linear.Layout.OUT_IN, gelu, bias);
            norm2 = new LayerNorm(compute, prefix + (post ? ".output.LayerNorm" : ".intermediate.input_LayerNorm"),
                    width, eps);
        } else {
            norm1 = new LayerNorm(compute, prefix + ".ln_1", width, eps);
            attention = new MultiHeadAttention(compute, prefix + ".attn", MultiHeadAttention.Style.GPT2, width,
                    heads, causal, attentionDropout, seed * 4 + 1, bias);
            norm2 = new LayerNorm(compute, prefix + ".ln_2", width, eps);
            feedForward = new FeedForward(compute, prefix + ".mlp.c_fc", prefix + ".mlp.c_proj", width, inner,
                    Linear.Layout.IN_OUT, gelu, bias);
        }
        attentionOutputDropout = new Dropout(compute, hiddenDropout, seed * 4 + 2);
        feedForwardOutputDropout = new Dropout(compute, hiddenDropout, seed * 4 + 3);
    }

    public MultiHeadAttention attention() {
        return attention;
    }

    public List<Dropout> dropouts() {
        return List.of(attention.dropout(), attentionOutputDropout, feedForwardOutputDropout);
    }

    /** x (B·T, C) → (B·T, C), layer-owned. x must stay untouched until backward. */
    public float[] forward(float[] x, int batch, int time, int[] mask) {
        int n = batch * time;
        rows = n;
        int size = n * width;
        h = Buffers.ensure(h, size);
        var k = compute.kernels();
        if (placement == Placement.POST_LN) {
            float[] a = attentionOutputDropout.forward(attention.forward(x, batch, time, mask), size);
            residual(size, x, 0, a, 0, h, 0);
            float[] h1 = norm1.forward(h, n);
            float[] f = feedForwardOutputDropout.forward(feedForward.forward(h1, n), size);
            y = Buffers.ensure(y, size);
            residual(size, h1, 0, f, 0, y, 0);
            return norm2.forward(y, n);
        }
        float[] a = attentionOutputDropout.forward(attention.forward(norm1.forward(x, n), batch, time, mask), size);
        residual(size, x, 0, a, 0, h, 0);
        float[] f = feedForwardOutputDropout.forward(feedForward.forward(norm2.forward(h, n), n), size);
        y = Buffers.ensure(y, size);
        residual(size, h, 0, f, 0, y, 0);
        return y;
    }

    /** dOut (B·T, C) → dx (B·T, C), layer-owned. */
    public float[] backward(float[] dOut) {
        int n = rows;
        int size = n * width;
        var k = compute.kernels();
        dh = Buffers.ensure(dh, size);
        dx = Buffers.ensure(dx, size);
        if (placement == Placement.POST_LN) {
            float[] dSum2 = norm2.backward(dOut); // ∂/∂(h1 + f)
            float[] dh1 = feedForward.backward(feedForwardOutputDropout.backward(dSum2, size));
            residual(size, dh1, 0, dSum2, 0, dh, 0);
            float[] dSum1 = norm1.backward(dh); // ∂/∂(x + a)
            float[] dxa = attention.backward(attentionOutputDropout.backward(dSum1, size));
            residual(size, dxa, 0, dSum1, 0, dx, 0);
            return dx;
        }
        float[] dNorm2 = feedForward.backward(feedForwardOutputDropout.backward(dOut, size));
        residual(size, dOut, 0, norm2.backward(dNorm2), 0, dh, 0);
        float[] dNorm1 = attention.backward(attentionOutputDropout.backward(dh, size));
        residual(size, dh, 0, norm1.backward(dNorm1), 0, dx, 0);
        return dx;
    }

    /** out = a + b over {@code size} values, timed as the residual adds. */
    private void residual(int size, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        compute.clock().enter(PhaseClock.Phase.RESIDUAL);
        compute.elementwise(size, (s, e) -> compute.kernels().add(e - s, a, aOff + s, b, bOff + s, out, outOff + s));
        compute.clock().exit();
    }

    @Override
    public List<Parameter> parameters() {
        return placement == Placement.POST_LN
                ? Module.parametersOf(attention, norm1, feedForward, norm2)
                : Module.parametersOf(norm1, attention, norm2, feedForward);
    }
}
