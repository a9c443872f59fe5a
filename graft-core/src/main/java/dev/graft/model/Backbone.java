package dev.graft.model;

import dev.graft.nn.Buffers;
import dev.graft.nn.Compute;
import dev.graft.nn.PhaseClock;
import dev.graft.nn.Dropout;
import dev.graft.nn.Embedding;
import dev.graft.nn.LayerNorm;
import dev.graft.nn.Linear;
import dev.graft.nn.Module;
import dev.graft.nn.Parameter;
import dev.graft.nn.TransformerBlock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The transformer body: embeddings and blocks, giving one hidden vector per token. An encoder is
 * Hugging Face's BertModel (names under {@code bert.}); a decoder is GPT2Model (names under
 * {@code transformer.}, with the final {@code ln_f}). A pre-LN encoder (Cramming, Geiping and Goldstein
 * 2022) keeps BERT's names, with its blocks' norms renamed ({@link TransformerBlock.Naming}) and a final
 * {@code bert.encoder.final_LayerNorm}.
 */
public final class Backbone implements Module {
    private final ModelConfig config;
    private final Compute compute;
    private final Embedding tokens;
    private final Embedding positions;
    private final Embedding types; // encoder only
    private final LayerNorm embeddingNorm; // encoder only
    private final Linear embeddingProject; // ELECTRA with embedding size != hidden size only
    private final Dropout embeddingDropout;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNorm finalNorm; // pre-LN only (decoders, pre-LN encoders)

    private TokenBatch lastBatch;
    private int backwardFloor; // lowest layer group whose gradients backward computes (see LayerGroups)
    private int[] positionIds;
    private float[] embedded; // (N, E)
    private float[] hidden; // output of the last layer, owned by it
    private float[][] blockOutputs; // per block: its output in the last forward, owned by the block
    private float[] dWithExtra; // (N, C) scratch: a block's output gradient plus an extra one

    public Backbone(Compute compute, ModelConfig config, long seed) {
        this.config = config;
        this.compute = compute;
        int c = config.hiddenSize();
        int e = config.embeddingSize();
        boolean enc = config.isEncoder();
        String p = enc ? "bert.embeddings." : "transformer.";
        tokens = new Embedding(enc ? p + "word_embeddings.weight" : p + "wte.weight", config.vocabSize(), e, "token id");
        positions = new Embedding(enc ? p + "position_embeddings.weight" : p + "wpe.weight",
                config.positionTableSize(), e, "position");
        types = enc && config.typeVocabSize() > 0
                ? new Embedding(p + "token_type_embeddings.weight", config.typeVocabSize(), e, "token type id")
                : null;
        embeddingNorm = enc ? new LayerNorm(compute, p + "LayerNorm", e, config.layerNormEps()) : null;
        embeddingProject = e != c ? new Linear(compute, "bert.embeddings_project", e, c, Linear.Layout.OUT_IN, true)
                : null;
        embeddingDropout = new Dropout(compute, config.hiddenDropout(), seed * 1000 + 7);
        for (int i = 0; i < config.numberOfLayers(); i++) {
            blocks.add(new TransformerBlock(compute,
                    enc ? "bert.encoder.layer." + i : "transformer.h." + i,
                    config.preNorm() ? TransformerBlock.Placement.PRE_LN : TransformerBlock.Placement.POST_LN,
                    enc ? TransformerBlock.Naming.BERT : TransformerBlock.Naming.GPT2, config.linearBias(),
                    c, config.numberOfHeads(), config.intermediateSize(), !enc, config.layerNormEps(),
                    config.gelu(), config.hiddenDropout(), config.attentionDropout(), seed * 1000 + 11 + i));
        }
        finalNorm = !config.preNorm() ? null : new LayerNorm(compute,
                enc ? "bert.encoder.final_LayerNorm" : "transformer.ln_f", c, config.layerNormEps());
    }

    public ModelConfig config() {
        return config;
    }

    /** The kernels and thread pool the backbone computes with. */
    public Compute compute() {
        return compute;
    }

    /** The token embedding table (tied to the LM head). */
    public Embedding tokenEmbedding() {
        return tokens;
    }

    /** The position embedding table (shared with an ELECTRA generator). */
    public Embedding positionEmbedding() {
        return positions;
    }

    /** The token-type embedding table, or null (decoders; encoders without types). */
    public Embedding typeEmbedding() {
        return types;
    }

    public List<Dropout> dropouts() {
        List<Dropout> list = new ArrayList<>();
        list.add(embeddingDropout);
        for (TransformerBlock b : blocks) {
            list.addAll(b.dropouts());
        }
        return list;
    }

    /** Each row's position in its sequence (B·T), in {@code buffer} when it is large enough. */
    static int[] positionIds(TokenBatch batch, int[] buffer) {
        int[] ids = Buffers.ensure(buffer, batch.rows());
        for (int b = 0; b < batch.batch(); b++) {
            for (int t = 0; t < batch.time(); t++) {
                ids[b * batch.time() + t] = t;
            }
        }
        return ids;
    }

    /**
     * The position ids of the batch under {@code config}: {@link #positionIds(TokenBatch, int[])}, or for RoBERTa
     * transformers' {@code create_position_ids_from_input_ids}: a token whose id is not the pad id gets
     * pad + 1 + (the non-pad tokens before it in its row); a pad token gets pad.
     */
    static int[] positionIds(ModelConfig config, TokenBatch batch, int[] buffer) {
        if (!config.family().offsetsPositions()) {
            return positionIds(batch, buffer);
        }
        int[] ids = Buffers.ensure(buffer, batch.rows());
        int pad = config.padTokenId();
        int[] input = batch.inputIds();
        for (int b = 0; b < batch.batch(); b++) {
            int next = pad + 1;
            for (int t = 0; t < batch.time(); t++) {
                int i = b * batch.time() + t;
                ids[i] = input[i] == pad ? pad : next++;
            }
        }
        return ids;
    }

    /**
     * The token, position and token-type embeddings of the batch, summed into {@code out} (B·T, C): the input
     * of the embedding norm (an encoder's) or of the first block (a decoder's). Without type ids, type 0.
     */
    void embeddingSum(TokenBatch batch, int[] positionIds, float[] out) {
        int n = batch.rows();
        int c = config.embeddingSize();
        tokens.gather(batch.inputIds(), n, out, false);
        positions.gather(positionIds, n, out, true);
        if (types != null) {
            if (batch.typeIds() != null) {
                types.gather(batch.typeIds(), n, out, true);
            } else {
                float[] w = types.weight().value().data();
                int wo = types.weight().value().offset();
                for (int r = 0; r < n; r++) {
                    compute.kernels().axpy(c, 1f, w, wo, out, r * c);
                }
            }
        }
    }

    /** Hidden states (B·T, C), owned by the backbone, valid until the next forward. */
    public float[] forward(TokenBatch batch) {
        if (batch.time() > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + batch.time() + " exceeds the model's "
                    + config.maxPositions() + " positions: truncate the input or use a model with more positions");
        }
        lastBatch = batch;
        int n = batch.rows();
        int e = config.embeddingSize();
        positionIds = positionIds(config, batch, positionIds);
        embedded = Buffers.ensure(embedded, n * e);
        compute.clock().enter(PhaseClock.Phase.EMBEDDING);
        embeddingSum(batch, positionIds, embedded);
        compute.clock().exit();
        float[] x = embeddingNorm != null ? embeddingNorm.forward(embedded, n) : embedded;
        x = embeddingDropout.forward(x, n * e);
        if (embeddingProject != null) {
            x = embeddingProject.forward(x, n);
        }
        blockOutputs = blockOutputs == null ? new float[blocks.size()][] : blockOutputs;
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).forward(x, batch.batch(), batch.time(), batch.attentionMask());
            blockOutputs[i] = x;
        }
        if (finalNorm != null) {
            x = finalNorm.forward(x, n);
        }
        hidden = x;
        return hidden;
    }

    /**
     * Makes {@link #backward} stop below layer group {@code group} ({@link LayerGroups}: 0 the embeddings,
     * i + 1 block i, L + 1 the head): the gradients of the groups below are left untouched, for a recipe
     * that freezes them (a frozen backbone, gradual unfreezing) and zeroes them anyway. 0, the default,
     * computes every gradient.
     */
    public void setBackwardFloor(int group) {
        if (group < 0 || group > blocks.size() + 1) {
            throw new IllegalArgumentException("layer group " + group + " is outside [0, " + (blocks.size() + 1) + "]");
        }
        backwardFloor = group;
    }

    /**
     * Backward from dHidden (B·T, C); accumulates the parameter gradients of every layer group from the
     * {@linkplain #setBackwardFloor backward floor} up (all of them by default).
     */
    public void backward(float[] dHidden) {
        backward(dHidden, null);
    }

    /** Block i's output (B·T, C) in the last forward (before a decoder's final norm), owned by the block. */
    public float[] blockOutput(int i) {
        return blockOutputs[i];
    }

    /** Block i's attention (its probabilities of the last forward, for attention distillation). */
    public dev.graft.nn.MultiHeadAttention attention(int i) {
        return blocks.get(i).attention();
    }

    /**
     * As {@link #backward(float[])}, adding {@code dBlockOutputs[i]} (B·T, C; null entries for none) to the
     * gradient of block i's output: the gradients of losses taken on inner layers (layer-wise distillation).
     */
    public void backward(float[] dHidden, float[][] dBlockOutputs) {
        TokenBatch batch = lastBatch;
        int n = batch.rows();
        int c = config.hiddenSize();
        float[] d = dHidden;
        if (backwardFloor > blocks.size()) {
            return;
        }
        if (finalNorm != null) {
            d = finalNorm.backward(d);
        }
        for (int i = blocks.size() - 1; i >= Math.max(0, backwardFloor - 1); i--) {
            if (dBlockOutputs != null && dBlockOutputs[i] != null) {
                dWithExtra = Buffers.ensure(dWithExtra, n * c);
                compute.kernels().add(n * c, d, 0, dBlockOutputs[i], 0, dWithExtra, 0);
                d = dWithExtra;
            }
            d = blocks.get(i).backward(d);
        }
        if (backwardFloor > 0) {
            return;
        }
        if (embeddingProject != null) {
            d = embeddingProject.backward(d);
        }
        d = embeddingDropout.backward(d, n * config.embeddingSize());
        if (embeddingNorm != null) {
            d = embeddingNorm.backward(d);
        }
        compute.clock().enter(PhaseClock.Phase.EMBEDDING);
        scatterSkipping(tokens, batch.inputIds(), n, d, config.padTokenId());
        // RoBERTa's position table has padding_idx = pad too: the pad tokens' position row gets no gradient
        scatterSkipping(positions, positionIds, n, d, config.family().offsetsPositions() ? config.padTokenId() : -1);
        if (types != null) {
            if (batch.typeIds() != null) {
                types.scatterGrad(batch.typeIds(), n, d);
            } else {
                float[] g = types.weight().grad().data();
                int go = types.weight().grad().offset();
                compute.kernels().sumRowsInto(n, config.embeddingSize(), d, 0, g, go);
            }
        }
        compute.clock().exit();
    }

    /** An embedding's gradient, skipping row {@code pad} (when >= 0) as torch.nn.Embedding(padding_idx) does. */
    private void scatterSkipping(Embedding table, int[] ids, int n, float[] d, int pad) {
        if (pad < 0) {
            table.scatterGrad(ids, n, d);
            return;
        }
        float[] g = table.weight().grad().data();
        int go = table.weight().grad().offset();
        int c = config.embeddingSize();
        for (int r = 0; r < n; r++) {
            if (ids[r] != pad) {
                compute.kernels().axpy(c, 1f, d, r * c, g, go + ids[r] * c);
            }
        }
    }

    @Override
    public List<Parameter> parameters() {
        List<Module> parts = new ArrayList<>(Arrays.asList(tokens, positions, types, embeddingNorm, embeddingProject));
        parts.addAll(blocks);
        parts.add(finalNorm);
        return Module.parametersOfPresent(parts);
    }
}
