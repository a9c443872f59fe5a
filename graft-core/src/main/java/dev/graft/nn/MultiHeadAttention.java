package dev.graft.nn;

import dev.graft.tensor.kernel.Kernels;

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
    private final Qkv qkv = new Qkv(); // the projections of the last forward
    private final Qkv dQkv = new Qkv(); // their gradients
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
        this(compute, attentionPrefix, style, width, heads, causal, attentionDropout, seed, true);
    }

    /** @param bias whether the projections have biases (false: Cramming's bias-free linears) */
    public MultiHeadAttention(Compute compute, String attentionPrefix, Style style, int width, int heads,
                              boolean causal, float attentionDropout, long seed, boolean bias) {
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
            query = new Linear(compute, attentionPrefix + ".self.query", width, width, Linear.Layout.OUT_IN, bias)
                    .timedAs(PhaseClock.Phase.QKV);
            key = new Linear(compute, attentionPrefix + ".self.key", width, width, Linear.Layout.OUT_IN, bias)
                    .timedAs(PhaseClock.Phase.QKV);
            value = new Linear(compute, attentionPrefix + ".self.value", width, width, Linear.Layout.OUT_IN, bias)
                    .timedAs(PhaseClock.Phase.QKV);
            fused = null;
            output = new Linear(compute, attentionPrefix + ".output.dense", width, width, Linear.Layout.OUT_IN, bias)
                    .timedAs(PhaseClock.Phase.ATTENTION_OUTPUT);
        } else {
            query = null;
            key = null;
            value = null;
            fused = new Linear(compute, attentionPrefix + ".c_attn", width, 3 * width, Linear.Layout.IN_OUT, bias)
                    .timedAs(PhaseClock.Phase.QKV);
            output = new Linear(compute, attentionPrefix + ".c_proj", width, width, Linear.Layout.IN_OUT, bias)
                    .timedAs(PhaseClock.Phase.ATTENTION_OUTPUT);
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
        compute.clock().enter(PhaseClock.Phase.ATTENTION);
        if (fused != null) {
            qkv.fused(fused.forward(x, n), width);
        } else {
            qkv.separate(query.forward(x, n), key.forward(x, n), value.forward(x, n), width);
        }
        int tt = t * t;
        probs = Buffers.ensure(probs, b * heads * tt);
        context = Buffers.ensure(context, n * width);
        Kernels k = compute.kernels();
        forEachHead(bh -> {
            int rowBase = rowBase(bh);
            int col = headColumn(bh);
            int p = bh * tt;
            k.matmulTransB(t, t, headSize, qkv.q, qkv.qAt(rowBase) + col, qkv.ld,
                    qkv.k, qkv.kAt(rowBase) + col, qkv.ld, probs, p, t, false);
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
        });
        probsDropped = probsDropout.forward(probs, b * heads * tt);
        forEachHead(bh -> {
            int rowBase = rowBase(bh);
            int col = headColumn(bh);
            k.matmul(t, headSize, t, probsDropped, bh * tt, t, qkv.v, qkv.vAt(rowBase) + col, qkv.ld,
                    context, rowBase * width + col, width, false);
        });
        float[] out = output.forward(context, n);
        compute.clock().exit();
        return out;
    }

    /** dOut (B·T, C) → dx (B·T, C), layer-owned; accumulates all parameter gradients. */
    public float[] backward(float[] dOut) {
        int b = batch;
        int t = time;
        int n = b * t;
        int tt = t * t;
        compute.clock().enter(PhaseClock.Phase.ATTENTION);
        float[] dContext = output.backward(dOut);
        dProbs = Buffers.ensure(dProbs, b * heads * tt);
        if (fused != null) {
            dq = Buffers.ensure(dq, n * 3 * width);
            dQkv.fused(dq, width);
        } else {
            dq = Buffers.ensure(dq, n * width);
            dk = Buffers.ensure(dk, n * width);
            dv = Buffers.ensure(dv, n * width);
            dQkv.separate(dq, dk, dv, width);
        }
        Kernels k = compute.kernels();
        boolean dropping = probsDropout.isActive();
        float[] extra = probabilityGradient;
        probabilityGradient = null;
        forEachHead(bh -> {
            int rowBase = rowBase(bh);
            int col = headColumn(bh);
            int p = bh * tt;
            int ctxOff = rowBase * width + col;
            // dP' = dCtx·Vᵀ ; dV = P'ᵀ·dCtx   (P' = dropped probabilities)
            k.matmulTransB(t, t, headSize, dContext, ctxOff, width, qkv.v, qkv.vAt(rowBase) + col, qkv.ld,
                    dProbs, p, t, false);
            k.matmulTransA(t, headSize, t, probsDropped, p, t, dContext, ctxOff, width,
                    dQkv.v, dQkv.vAt(rowBase) + col, dQkv.ld, false);
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
            k.matmul(t, headSize, t, dProbs, p, t, qkv.k, qkv.kAt(rowBase) + col, qkv.ld,
                    dQkv.q, dQkv.qAt(rowBase) + col, dQkv.ld, false);
            k.matmulTransA(t, headSize, t, dProbs, p, t, qkv.q, qkv.qAt(rowBase) + col, qkv.ld,
                    dQkv.k, dQkv.kAt(rowBase) + col, dQkv.ld, false);
        });
        if (fused != null) {
            float[] out = fused.backward(dq);
            compute.clock().exit();
            return out;
        }
        dx = Buffers.ensure(dx, n * width);
        float[] gq = query.backward(dq);
        System.arraycopy(gq, 0, dx, 0, n * width);
        float[] gk = key.backward(dk);
        compute.elementwise(n * width, (s, e) -> k.add(e - s, dx, s, gk, s, dx, s));
        float[] gv = value.backward(dv);
        compute.elementwise(n * width, (s, e) -> k.add(e - s, dx, s, gv, s, dx, s));
        compute.clock().exit();
        return dx;
    }

    /**
     * Runs {@code body} for every (sequence, head) pair bh = sequence·H + head of the last forward,
     * the pairs split across the pool's threads (each pair's work is its own, so the results do not
     * depend on the thread count).
     */
    private void forEachHead(java.util.function.IntConsumer body) {
        compute.parallel().forRange(batch * heads, 1, (s, e) -> {
            for (int bh = s; bh < e; bh++) {
                body.accept(bh);
            }
        });
    }

    /** The first token row of pair bh's sequence. */
    private int rowBase(int bh) {
        return bh / heads * time;
    }

    /** The first column of pair bh's head in a (B·T, C) row. */
    private int headColumn(int bh) {
        return bh % heads * headSize;
    }

    @Override
    public List<Parameter> parameters() {
        return fused != null
                ? Module.parametersOf(fused, output)
                : Module.parametersOf(query, key, value, output);
    }

    /** Where queries, keys and values (or their gradients) are: one fused (N, 3C) array or three (N, C) arrays. */
    private static final class Qkv {
        float[] q;
        float[] k;
        float[] v;
        int qOff;
        int kOff;
        int vOff;
        int ld; // the row stride

        int qAt(int row) {
            return qOff + row * ld;
        }

        int kAt(int row) {
            return kOff + row * ld;
        }

        int vAt(int row) {
            return vOff + row * ld;
        }

        /** [q | k | v] in each row of one (N, 3C) array (GPT-2's c_attn). */
        void fused(float[] all, int width) {
            q = all;
            k = all;
            v = all;
            qOff = 0;
            kOff = width;
            vOff = 2 * width;
            ld = 3 * width;
        }

        /** Three (N, C) arrays (BERT's query, key, value). */
        void separate(float[] q, float[] k, float[] v, int width) {
            this.q = q;
            this.k = k;
            this.v = v;
            qOff = 0;
            kOff = 0;
            vOff = 0;
            ld = width;
        }
    }
}
