package dev.graft.nn;

import dev.graft.tensor.kernel.Kernels;

import java.util.ArrayList;
import java.util.List;

/**
 * Multi-head scaled dot-product attention (Vaswani et al. 2017, eq. 1; torch
 * scaled_dot_product_attention semantics): softmax(Q·Kᵀ/sqrt(d) + mask)·V per head, then an
 * output projection. Keys where the padding mask is 0 and, when causal, keys after the query are
 * excluded. Attention-probability dropout as BERT and GPT-2 apply it.
 *
 * <p>Two projection styles, so that checkpoints load as they are: BERT's three (out, in) linears
 * {@code query, key, value} plus {@code output.dense}; GPT-2's fused (in, out) {@code c_attn}
 * giving [q | k | v] plus {@code c_proj}.
 */
public final class MultiHeadAttention implements Module {
    /** How the input is projected to queries, keys and values. */
    public enum Style {
        /** BERT: attention.self.{query,key,value} and attention.output.dense, (out, in) weights. */
        BERT,
        /** GPT-2: attn.c_attn (fused q|k|v) and attn.c_proj, (in, out) weights. */
        GPT2
    }

    private final Compute compute;
    private final int width;
    private final int heads;
    private final int headSize;
    private final boolean causal;
    private final float scale;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear fused;
    private final Linear output;
    private final Dropout probsDropout;

    private int batch;
    private int time;
    private int[] keyMask; // (B, T) 1 = attend, 0 = padding; null = all valid
    private float[] qArr;
    private float[] kArr;
    private float[] vArr;
    private int qOff;
    private int kOff;
    private int vOff;
    private int ld;
    private float[] probs; // (B, H, T, T) after softmax
    private float[] probsDropped; // (B, H, T, T) after dropout (== probs when inactive)
    private float[] context; // (B·T, C)
    private float[] dProbs; // (B, H, T, T)
    private float[] dq; // (B·T, C) or the fused (B·T, 3C)
    private float[] dk;
    private float[] dv;
    private float[] dx;
    private float[] probabilityGradient; // (B, H, T, T) added to ∂L/∂probs in the next backward, or null

    /**
     * @param attentionPrefix "bert.encoder.layer.0.attention" (BERT) or "transformer.h.0.attn" (GPT-2)
     */
    public MultiHeadAttention(Compute compute, String attentionPrefix, Style style, int width, int heads,
                              boolean causal, float attentionDropout, long seed) {
        if (width % heads != 0) {
            throw new IllegalArgumentException("hidden size " + width + " is not divisible by " + heads + " heads");
        }
        this.compute = compute;
        this.width = width;
        this.heads = heads;
        this.headSize = width / heads;
        this.causal = causal;
        this.scale = (float) (1.0 / Math.sqrt(headSize));
        if (style == Style.BERT) {
            query = new Linear(compute, attentionPrefix + ".self.query", width, width, Linear.Layout.OUT_IN, true);
            key = new Linear(compute, attentionPrefix + ".self.key", width, width, Linear.Layout.OUT_IN, true);
            value = new Linear(compute, attentionPrefix + ".self.value", width, width, Linear.Layout.OUT_IN, true);
            fused = null;
            output = new Linear(compute, attentionPrefix + ".output.dense", width, width, Linear.Layout.OUT_IN, true);
        } else {
            query = null;
            key = null;
            value = null;
            fused = new Linear(compute, attentionPrefix + ".c_attn", width, 3 * width, Linear.Layout.IN_OUT, true);
            output = new Linear(compute, attentionPrefix + ".c_proj", width, width, Linear.Layout.IN_OUT, true);
        }
        this.probsDropout = new Dropout(compute, attentionDropout, seed);
    }

    public Dropout dropout() {
        return probsDropout;
    }

    public int heads() {
        return heads;
    }

    /** The attention probabilities (B, H, T, T) of the last forward, after softmax and before dropout; layer-owned. */
    public float[] probabilities() {
        return probs;
    }

    /**
     * Adds {@code g} (B, H, T, T), a further loss's gradient with respect to {@link #probabilities()} (attention
     * distillation), into the next backward only. The caller keeps {@code g} intact until then.
     */
    public void addProbabilityGradient(float[] g) {
        probabilityGradient = g;
    }

    /**
     * x (B·T, C) → (B·T, C), layer-owned.
     *
     * @param mask (B, T) with 1 for real tokens and 0 for padding, or null when nothing is padded
     */
    public float[] forward(float[] x, int b, int t, int[] mask) {
        batch = b;
        time = t;
        keyMask = mask;
        int n = b * t;
        if (fused != null) {
            float[] qkv = fused.forward(x, n);
            qArr = qkv;
            kArr = qkv;
            vArr = qkv;
            qOff = 0;
            kOff = width;
            vOff = 2 * width;
            ld = 3 * width;
        } else {
            qArr = query.forward(x, n);
            kArr = key.forward(x, n);
            vArr = value.forward(x, n);
            qOff = 0;
            kOff = 0;
            vOff = 0;
            ld = width;
        }
        int tt = t * t;
        probs = Buffers.ensure(probs, b * heads * tt);
        context = Buffers.ensure(context, n * width);
        Kernels k = compute.kernels();
        compute.parallel().forRange(b * heads, 1, (s, e) -> {
            for (int bh = s; bh < e; bh++) {
                int bi = bh / heads;
                int h = bh % heads;
                int rowBase = bi * t;
                int p = bh * tt;
                k.matmulTransB(t, t, headSize, qArr, qOff + rowBase * ld + h * headSize, ld,
                        kArr, kOff + rowBase * ld + h * headSize, ld, probs, p, t, false);
                for (int i = 0; i < t; i++) {
                    int row = p + i * t;
                    int valid = causal ? i + 1 : t;
                    k.scale(valid, scale, probs, row);
                    if (keyMask != null) {
                        for (int j = 0; j < valid; j++) {
                            if (keyMask[rowBase + j] == 0) {
                                probs[row + j] = Float.NEGATIVE_INFINITY;
                            }
                        }
                    }
                    k.softmax(valid, probs, row);
                    for (int j = valid; j < t; j++) {
                        probs[row + j] = 0f;
                    }
                }
            }
        });
        probsDropped = probsDropout.forward(probs, b * heads * tt);
        compute.parallel().forRange(b * heads, 1, (s, e) -> {
            for (int bh = s; bh < e; bh++) {
                int bi = bh / heads;
                int h = bh % heads;
                int rowBase = bi * t;
                k.matmul(t, headSize, t, probsDropped, bh * tt, t, vArr, vOff + rowBase * ld + h * headSize, ld,
                        context, rowBase * width + h * headSize, width, false);
            }
        });
        return output.forward(context, n);
    }

    /** dOut (B·T, C) → dx (B·T, C), layer-owned; accumulates all parameter gradients. */
    public float[] backward(float[] dOut) {
        int b = batch;
        int t = time;
        int n = b * t;
        int tt = t * t;
        float[] dContext = output.backward(dOut);
        dProbs = Buffers.ensure(dProbs, b * heads * tt);
        int dld;
        float[] dqArr;
        float[] dkArr;
        float[] dvArr;
        int dqOff;
        int dkOff;
        int dvOff;
        if (fused != null) {
            dq = Buffers.ensure(dq, n * 3 * width);
            dqArr = dq;
            dkArr = dq;
            dvArr = dq;
            dqOff = 0;
            dkOff = width;
            dvOff = 2 * width;
            dld = 3 * width;
        } else {
            dq = Buffers.ensure(dq, n * width);
            dk = Buffers.ensure(dk, n * width);
            dv = Buffers.ensure(dv, n * width);
            dqArr = dq;
            dkArr = dk;
            dvArr = dv;
            dqOff = 0;
            dkOff = 0;
            dvOff = 0;
            dld = width;
        }
        Kernels k = compute.kernels();
        boolean dropping = probsDropout.isActive();
        float[] extra = probabilityGradient;
        probabilityGradient = null;
        compute.parallel().forRange(b * heads, 1, (s, e) -> {
            for (int bh = s; bh < e; bh++) {
                int bi = bh / heads;
                int h = bh % heads;
                int rowBase = bi * t;
                int p = bh * tt;
                int ctxOff = rowBase * width + h * headSize;
                // dP' = dCtx·Vᵀ ; dV = P'ᵀ·dCtx   (P' = dropped probabilities)
                k.matmulTransB(t, t, headSize, dContext, ctxOff, width, vArr, vOff + rowBase * ld + h * headSize, ld,
                        dProbs, p, t, false);
                k.matmulTransA(t, headSize, t, probsDropped, p, t, dContext, ctxOff, width,
                        dvArr, dvOff + rowBase * dld + h * headSize, dld, false);
                if (dropping) {
                    probsDropout.applyLastMaskInPlace(dProbs, p, tt, p);
                }
                if (extra != null) {
                    k.add(tt, dProbs, p, extra, p, dProbs, p);
                }
                // dS = scale · softmax'(P)·dP, in place
                for (int i = 0; i < t; i++) {
                    int row = p + i * t;
                    int valid = causal ? i + 1 : t;
                    k.softmaxBackward(valid, probs, row, dProbs, row, dProbs, row, false);
                    k.scale(valid, scale, dProbs, row);
                    for (int j = valid; j < t; j++) {
                        dProbs[row + j] = 0f;
                    }
                }
                // dQ = dS·K ; dK = dSᵀ·Q
                k.matmul(t, headSize, t, dProbs, p, t, kArr, kOff + rowBase * ld + h * headSize, ld,
                        dqArr, dqOff + rowBase * dld + h * headSize, dld, false);
                k.matmulTransA(t, headSize, t, dProbs, p, t, qArr, qOff + rowBase * ld + h * headSize, ld,
                        dkArr, dkOff + rowBase * dld + h * headSize, dld, false);
            }
        });
        if (fused != null) {
            return fused.backward(dq);
        }
        dx = Buffers.ensure(dx, n * width);
        float[] gq = query.backward(dq);
        System.arraycopy(gq, 0, dx, 0, n * width);
        k.add(n * width, dx, 0, key.backward(dk), 0, dx, 0);
        k.add(n * width, dx, 0, value.backward(dv), 0, dx, 0);
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> list = new ArrayList<>();
        if (fused != null) {
            list.addAll(fused.parameters());
        } else {
            list.addAll(query.parameters());
            list.addAll(key.parameters());
            list.addAll(value.parameters());
        }
        list.addAll(output.parameters());
        return list;
    }
}
