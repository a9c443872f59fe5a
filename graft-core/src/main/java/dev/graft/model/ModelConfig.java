package dev.graft.model;

import dev.graft.tensor.kernel.GeluForm;

/**
 * Everything that fixes a model's shapes and arithmetic. Immutable and validated here; every
 * shape in the model derives from it.
 *
 * @param architecture       encoder (BERT: bidirectional, post-LN, MLM head) or decoder (GPT-2: causal, pre-LN, LM head)
 * @param vocabSize          token ids are in [0, vocabSize)
 * @param hiddenSize         width of the residual stream
 * @param numberOfLayers     transformer blocks
 * @param numberOfHeads      attention heads; must divide hiddenSize
 * @param intermediateSize   width of the feed-forward layer
 * @param maxPositions       longest sequence (learned position embeddings)
 * @param typeVocabSize      token-type ids (BERT segments); 0 for decoders
 * @param layerNormEps       epsilon inside every layer norm
 * @param hiddenDropout      dropout on embeddings and on each sub-layer's output
 * @param attentionDropout   dropout on attention probabilities
 * @param gelu               GELU form: erf (BERT) or tanh (GPT-2)
 * @param initializerRange   standard deviation of the normal initialization
 * @param padTokenId         id of the padding token (its embedding receives no gradient from the lookup, as
 *                           torch.nn.Embedding's padding_idx), or -1 for none
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int numberOfLayers,
        int numberOfHeads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        float layerNormEps,
        float hiddenDropout,
        float attentionDropout,
        GeluForm gelu,
        float initializerRange,
        int padTokenId) {

    /** The two model families. */
    public enum Architecture {
        /** BERT-style: bidirectional attention, post-LN blocks, tied MLM head. */
        ENCODER,
        /** GPT-2-style: causal attention, pre-LN blocks, final LN, tied LM head. */
        DECODER
    }

    public ModelConfig {
        if (architecture == null) {
            throw new IllegalArgumentException("architecture is required (encoder or decoder)");
        }
        positive("vocab size", vocabSize);
        positive("hidden size", hiddenSize);
        positive("number of layers", numberOfLayers);
        positive("number of heads", numberOfHeads);
        positive("intermediate size", intermediateSize);
        positive("max positions", maxPositions);
        if (hiddenSize % numberOfHeads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not divisible by "
                    + numberOfHeads + " heads");
        }
        if (typeVocabSize < 0) {
            throw new IllegalArgumentException("type vocab size must be >= 0, got " + typeVocabSize);
        }
        if (!(layerNormEps > 0f)) {
            throw new IllegalArgumentException("layer norm epsilon must be > 0, got " + layerNormEps);
        }
        probability("hidden dropout", hiddenDropout);
        probability("attention dropout", attentionDropout);
        if (gelu == null) {
            throw new IllegalArgumentException("gelu form is required (erf or tanh)");
        }
        if (!(initializerRange > 0f)) {
            throw new IllegalArgumentException("initializer range must be > 0, got " + initializerRange);
        }
        if (padTokenId < -1 || padTokenId >= vocabSize) {
            throw new IllegalArgumentException("pad token id " + padTokenId + " is outside [-1, " + vocabSize + ")");
        }
    }

    private static void positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
    }

    private static void probability(String what, float p) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException(what + " must be in [0, 1), got " + p);
        }
    }

    public int headSize() {
        return hiddenSize / numberOfHeads;
    }

    public boolean isEncoder() {
        return architecture == Architecture.ENCODER;
    }

    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(architecture, v, hiddenSize, numberOfLayers, numberOfHeads, intermediateSize,
                maxPositions, typeVocabSize, layerNormEps, hiddenDropout, attentionDropout, gelu, initializerRange,
                padTokenId);
    }

    public ModelConfig withMaxPositions(int p) {
        return new ModelConfig(architecture, vocabSize, hiddenSize, numberOfLayers, numberOfHeads, intermediateSize,
                p, typeVocabSize, layerNormEps, hiddenDropout, attentionDropout, gelu, initializerRange, padTokenId);
    }

    public ModelConfig withDropout(float hidden, float attention) {
        return new ModelConfig(architecture, vocabSize, hiddenSize, numberOfLayers, numberOfHeads, intermediateSize,
                maxPositions, typeVocabSize, layerNormEps, hidden, attention, gelu, initializerRange, padTokenId);
    }

    /** Approximate parameter count (embeddings, blocks, head). */
    public long parameterCount() {
        long c = hiddenSize;
        long perBlock = 4 * c * c + 4 * c + 2 * c * intermediateSize + intermediateSize + c + 4 * c;
        long embeddings = (long) vocabSize * c + (long) maxPositions * c + (long) typeVocabSize * c;
        long head = isEncoder() ? c * c + c + 2 * c + vocabSize + 2 * c : 2 * c;
        return embeddings + perBlock * numberOfLayers + head;
    }
}
