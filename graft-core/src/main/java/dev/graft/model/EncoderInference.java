package dev.graft.model;

import dev.graft.nn.Buffers;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.PhaseClock;
import dev.graft.tensor.Tensor;
import dev.graft.tensor.kernel.Kernels;

import java.util.HashMap;
import java.util.Map;

/**
 * The forward pass of a BERT encoder {@link Backbone} for inference only (embeddings, feature
 * extraction, evaluation): the same arithmetic as {@link Backbone#forward} with dropout off
 * (Devlin et al. 2019; Hugging Face BertModel), organised for speed rather than for backward:
 * <ul>
 * <li>only real tokens are computed: the rows whose attention mask is 1 are packed together, so
 * position-wise layers (projections, layer norms, GELU) skip padding entirely and each sequence
 * attends over exactly its own tokens (no mask, no -inf);</li>
 * <li>Q, K and V are one projection: their weights stacked into one (3C, C) matrix, written
 * side by side into one (N, 3C) buffer;</li>
 * <li>every projection is one {@link Kernels#linearTransB} call: the bias, the GELU of the
 * intermediate projection and the residual sums are applied to each output tile of the GEMM
 * while it is in cache, with no separate pass; nothing is cached for a backward pass;</li>
 * <li>the weight matrices are packed once into the GEMM's panel layout ({@link Kernels#packWeight}),
 * not on every call (ONNX Runtime's pre-packed weights);</li>
 * <li>each head's scores are computed transposed, Sᵀ = K·Qᵀ (keys, queries), so that the softmax
 * runs down columns a vector of queries at a time with the 1/sqrt(d) scale folded in
 * ({@link Kernels#softmaxColumns}), and the context is (Pᵀ)ᵀ·V; the three steps are one
 * {@link Kernels#attention} call per sequence and head, which runs both products on the GEMM's
 * register tiles with no packing.</li>
 * </ul>
 * Outputs equal {@link Backbone#forward}'s at the real positions up to float rounding.
 *
 * <p><b>Weights are a snapshot.</b> The projection weights and biases are copied (packed) from the
 * backbone on the first {@link #forward} call and reused by every later call; embeddings and layer
 * norm parameters are read from the backbone on every call. After changing the backbone's
 * parameters (an optimizer step, loading other weights), call {@link #invalidate} before the next
 * forward, or build a new object: otherwise the projections still compute with the old values.
 * Not thread-safe (buffers and the packed weights are reused between calls).
 */
public final class EncoderInference {
    private static final String[] QKV = {"query", "key", "value"};

    private final ModelConfig config;
    private final Compute compute;
    private final Map<String, Parameter> parameters = new HashMap<>();
    /** Per layer, the packed projections (null until the first forward or after {@link #invalidate}). */
    private LayerWeights[] packed;

    /** One layer's projections as packed by the kernels (a snapshot of the backbone's values). */
    private record LayerWeights(Kernels.PackedWeight qkv, float[] qkvBias, Kernels.PackedWeight attentionOutput,
                                float[] attentionOutputBias, Kernels.PackedWeight intermediate,
                                float[] intermediateBias, Kernels.PackedWeight output, float[] outputBias) {
    }

    private int[] rowOf; // (B, T) packed row of each real token, -1 for padding
    private int[] sequenceStart; // (B + 1) first packed row of each sequence
    private int[] tokenIds;
    private int[] positionIds;
    private int[] typeIds;
    private float[] x; // (N, C) the residual stream
    private float[] qkv; // (N, 3C)
    private float[] context; // (N, C)
    private float[] sum; // (N, C)
    private float[] inner; // (N, F)
    private float[] mean; // (N)
    private float[] rstd; // (N)
    private float[][] scores; // per thread: the attention kernel's scratch (one sequence and head's Sᵀ)

    /** The packed result: hidden states of the real tokens, sequence after sequence. */
    public record Packed(float[] hidden, int rows, int width, int[] sequenceStart) {
        /** Packed rows of sequence {@code b}: [sequenceStart[b], sequenceStart[b + 1]). */
        public int start(int b) {
            return sequenceStart[b];
        }

        public int end(int b) {
            return sequenceStart[b + 1];
        }
    }

    public EncoderInference(Backbone backbone, Compute compute) {
        this.config = backbone.config();
        if (!config.isEncoder()) {
            throw new IllegalArgumentException("EncoderInference runs BERT encoders; this backbone is a GPT-2 decoder");
        }
        if (!supports(config)) {
            throw new IllegalArgumentException("EncoderInference runs BERT's post-LN encoder with biases and "
                    + "embeddings as wide as the model; this one is " + (config.preNorm() ? "pre-LN"
                    : !config.linearBias() ? "bias-free" : "an ELECTRA with embedding_size "
                    + config.embeddingSize()) + ": use Backbone.forward");
        }
        this.compute = compute;
        for (Parameter p : backbone.parameters()) {
            parameters.put(p.name(), p);
        }
    }

    /**
     * Whether this fast path computes the config's encoder: BERT's (post-LN, linears with biases), RoBERTa's
     * (positions from pad + 1) and DistilBERT's (no token types) included. Cramming's pre-LN or bias-free
     * encoders ({@code graft pretrain --norm pre --no-bias}) and an ELECTRA whose embeddings are narrower than
     * the model ({@code embeddings_project}) run {@link Backbone#forward}.
     */
    private EncoderInference(EncoderInference shared, Compute compute) {
        this.config = shared.config;
        this.compute = compute;
        this.parameters.putAll(shared.parameters);
        this.packed = shared.packed();
    }

    /**
     * The same weights computing on {@code compute}, with buffers of its own: one per thread that runs
     * at the same time (an instance is not thread-safe). The packed weights are packed now, once, and
     * shared read-only by both (a server's workers hold one copy, not one each); {@link #invalidate} on
     * either drops only its own reference.
     */
    public EncoderInference on(Compute compute) {
        return new EncoderInference(this, compute);
    }

    private LayerWeights[] packed() {
        if (packed == null) {
            packed = pack();
        }
        return packed;
    }

    public static boolean supports(ModelConfig config) {
        return config.isEncoder() && !config.preNorm() && config.linearBias()
                && config.embeddingSize() == config.hiddenSize();
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Drops the packed weights: the next {@link #forward} packs them again from the backbone's
     * current values. Call it after changing the backbone's parameters.
     */
    public void invalidate() {
        packed = null;
    }

    /** Packs every layer's projections from the backbone's current values. */
    private LayerWeights[] pack() {
        int c = config.hiddenSize();
        LayerWeights[] out = new LayerWeights[config.numberOfLayers()];
        for (int layer = 0; layer < out.length; layer++) {
            String p = "bert.encoder.layer." + layer + ".";
            // W_q, W_k, W_v (C, C) each, stacked into (3C, C): one GEMM writes Q | K | V side by side
            float[] qkv = new float[3 * c * c];
            float[] qkvBias = new float[3 * c];
            for (int j = 0; j < 3; j++) {
                String name = p + "attention.self." + QKV[j];
                Tensor w = value(name + ".weight");
                Tensor bias = value(name + ".bias");
                System.arraycopy(w.data(), w.offset(), qkv, j * c * c, c * c);
                System.arraycopy(bias.data(), bias.offset(), qkvBias, j * c, c);
            }
            out[layer] = new LayerWeights(compute.kernels().packWeight(3 * c, c, qkv, 0, c), qkvBias,
                    packWeight(p + "attention.output.dense"), bias(p + "attention.output.dense"),
                    packWeight(p + "intermediate.dense"), bias(p + "intermediate.dense"),
                    packWeight(p + "output.dense"), bias(p + "output.dense"));
        }
        return out;
    }

    private Kernels.PackedWeight packWeight(String prefix) {
        Tensor w = value(prefix + ".weight");
        return compute.kernels().packWeight(w.dim(0), w.dim(1), w.data(), w.offset(), w.dim(1));
    }

    private float[] bias(String prefix) {
        return value(prefix + ".bias").toArray();
    }

    private Tensor value(String name) {
        Parameter p = parameters.get(name);
        if (p == null) {
            throw new IllegalStateException("the backbone has no parameter " + name);
        }
        return p.value();
    }

    /**
     * Hidden states of the batch's real tokens (attention mask 1; all tokens when the mask is
     * null), packed: sequence b's tokens are rows [start(b), end(b)) in their order. The array is
     * owned by this object and valid until the next call.
     */
    public Packed forward(TokenBatch batch) {
        int b = batch.batch();
        int time = batch.time();
        if (time > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + time + " exceeds the model's "
                    + config.maxPositions() + " positions: truncate the input or use a model with more positions");
        }
        int c = config.hiddenSize();
        int f = config.intermediateSize();
        int heads = config.numberOfHeads();
        int d = config.headSize();
        Kernels k = compute.kernels();
        LayerWeights[] layers = packed();
        int[] mask = batch.attentionMask();
        rowOf = Buffers.grow(rowOf, b * time);
        sequenceStart = Buffers.grow(sequenceStart, b + 1);
        int n = 0;
        int longest = 0;
        for (int s = 0; s < b; s++) {
            sequenceStart[s] = n;
            for (int t = 0; t < time; t++) {
                int i = s * time + t;
                rowOf[i] = mask == null || mask[i] != 0 ? n++ : -1;
            }
            longest = Math.max(longest, n - sequenceStart[s]);
        }
        sequenceStart[b] = n;
        final int rows = n;
        tokenIds = Buffers.grow(tokenIds, rows);
        positionIds = Buffers.grow(positionIds, rows);
        typeIds = Buffers.grow(typeIds, rows);
        boolean offset = config.family().offsetsPositions();
        int pad = config.padTokenId();
        int next = 0;
        for (int i = 0; i < b * time; i++) {
            int id = batch.inputIds()[i];
            if (i % time == 0) {
                next = pad + 1;
            }
            // RoBERTa: non-pad tokens count from pad + 1 over the whole row, pad tokens sit at pad (as Backbone)
            int position = !offset ? i % time : id == pad ? pad : next++;
            int r = rowOf[i];
            if (r >= 0) {
                tokenIds[r] = id;
                positionIds[r] = position;
                typeIds[r] = batch.typeIds() == null ? 0 : batch.typeIds()[i];
            }
        }
        x = Buffers.grow(x, rows * c);
        qkv = Buffers.grow(qkv, rows * 3 * c);
        context = Buffers.grow(context, rows * c);
        sum = Buffers.grow(sum, rows * c);
        inner = Buffers.grow(inner, rows * f);
        mean = Buffers.grow(mean, rows);
        rstd = Buffers.grow(rstd, rows);
        int threads = compute.parallel().threads();
        int scratch = k.attentionScratch(longest, d);
        if (scores == null || scores.length < threads || scores[0].length < scratch) {
            int size = scores == null ? scratch : Math.max(scratch, scores[0].length + scores[0].length / 2);
            scores = new float[threads][size];
        }

        // embeddings: word + position + type, then LayerNorm (into x)
        PhaseClock clock = compute.clock();
        clock.enter(PhaseClock.Phase.EMBEDDING);
        gather("bert.embeddings.word_embeddings.weight", tokenIds, rows, sum, false, "token id");
        gather("bert.embeddings.position_embeddings.weight", positionIds, rows, sum, true, "position");
        if (config.typeVocabSize() > 0) {
            gather("bert.embeddings.token_type_embeddings.weight", typeIds, rows, sum, true, "token type id");
        }
        clock.exit();
        layerNorm("bert.embeddings.LayerNorm", sum, x, rows);

        float scale = (float) (1.0 / Math.sqrt(d));
        for (int layer = 0; layer < config.numberOfLayers(); layer++) {
            String p = "bert.encoder.layer." + layer + ".";
            LayerWeights lw = layers[layer];
            // Q | K | V side by side: (N, 3C)
            clock.enter(PhaseClock.Phase.QKV);
            k.linearTransB(rows, x, 0, c, lw.qkv(), lw.qkvBias(), 0, null, null, 0, 0, qkv, 0, 3 * c);
            clock.exit();
            // softmax(Q·Kᵀ/sqrt(d))·V per sequence and head, over the sequence's own tokens
            final int seqs = b;
            clock.enter(PhaseClock.Phase.ATTENTION);
            // (sequence, head) pairs handed out in pieces to whichever thread is free; scores[p] is
            // the scratch of participant p
            compute.parallel().forRangeDynamic(seqs * heads, 1, 4, (participant, start, end) -> {
                float[] sc = scores[participant];
                for (int sh = start; sh < end; sh++) {
                    int s = sh / heads;
                    int h = sh % heads;
                    int r0 = sequenceStart[s];
                    int t = sequenceStart[s + 1] - r0;
                    if (t == 0) {
                        continue;
                    }
                    int ld = 3 * c;
                    // Sᵀ = K·Qᵀ (keys, queries): each query's softmax runs down a column, a vector of
                    // queries at a time; context = P·V = (Pᵀ)ᵀ·V
                    k.attention(t, d, scale, qkv, r0 * ld + h * d, r0 * ld + c + h * d, r0 * ld + 2 * c + h * d, ld,
                            context, r0 * c + h * d, c, sc);
                }
            });
            clock.exit();
            // attention output, residual, LayerNorm: x = LN(ctx·Woᵀ + bo + x)
            clock.enter(PhaseClock.Phase.ATTENTION_OUTPUT);
            k.linearTransB(rows, context, 0, c, lw.attentionOutput(), lw.attentionOutputBias(), 0, null, x, 0, c, sum,
                    0, c);
            clock.exit();
            layerNorm(p + "attention.output.LayerNorm", sum, x, rows);
            // feed-forward: x = LN(gelu(x·W1ᵀ + b1)·W2ᵀ + b2 + x)
            clock.enter(PhaseClock.Phase.FFN_UP); // the GELU runs in this GEMM's epilogue
            k.linearTransB(rows, x, 0, c, lw.intermediate(), lw.intermediateBias(), 0, config.gelu(), null, 0, 0,
                    inner, 0, f);
            clock.exit();
            clock.enter(PhaseClock.Phase.FFN_DOWN);
            k.linearTransB(rows, inner, 0, f, lw.output(), lw.outputBias(), 0, null, x, 0, c, sum, 0, c);
            clock.exit();
            layerNorm(p + "output.LayerNorm", sum, x, rows);
        }
        return new Packed(x, rows, c, java.util.Arrays.copyOf(sequenceStart, b + 1));
    }

    private void layerNorm(String prefix, float[] in, float[] out, int rows) {
        Tensor g = value(prefix + ".weight");
        Tensor bt = value(prefix + ".bias");
        int c = config.hiddenSize();
        float eps = config.layerNormEps();
        compute.clock().enter(PhaseClock.Phase.LAYER_NORM);
        compute.parallel().forRangeDynamic(rows, 32, 4, (s, e) -> compute.kernels().layerNorm(e - s, c, in, s * c,
                g.data(), g.offset(), bt.data(), bt.offset(), eps, out, s * c, mean, rstd, s));
        compute.clock().exit();
    }

    private void gather(String name, int[] ids, int rows, float[] out, boolean accumulate, String what) {
        Tensor table = value(name);
        int count = table.dim(0);
        int c = config.hiddenSize();
        float[] w = table.data();
        int wo = table.offset();
        for (int r = 0; r < rows; r++) {
            int id = ids[r];
            if (id < 0 || id >= count) {
                throw new IllegalArgumentException(what + " " + id + " is outside [0, " + count + "): the input does "
                        + "not match this model's " + what + " table");
            }
            if (accumulate) {
                compute.kernels().axpy(c, 1f, w, wo + id * c, out, r * c);
            } else {
                System.arraycopy(w, wo + id * c, out, r * c, c);
            }
        }
    }
}
