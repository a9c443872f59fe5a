package dev.graft.model;

import dev.graft.tensor.kernel.GeluForm;

import java.util.Locale;

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
 * @param preNorm            layer norms before each sub-layer with a final layer norm (pre-LN, as GPT-2 and
 *                           Cramming's BERT) rather than after the residual sum (post-LN, BERT); always true for
 *                           decoders
 * @param linearBias         whether attention's and the feed-forward's linears have biases (false: Cramming's
 *                           bias-free linears; layer norms and heads keep theirs)
 * @param family             the Hugging Face architecture the weights come from and are saved as ({@link Family}):
 *                           its tensor names, its config.json fields and, for RoBERTa, its position ids
 * @param embeddingSize      width of the embedding tables and their layer norm; equal to hiddenSize except for an
 *                           ELECTRA whose {@code embedding_size} differs (then {@code embeddings_project} maps it to
 *                           the hidden size)
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
        int padTokenId,
        boolean preNorm,
        boolean linearBias,
        Family family,
        int embeddingSize) {

    /**
     * The Hugging Face architectures graft computes. All encoders are BERT's post-LN body under graft's BERT
     * names ({@code bert.}); the family decides the names in files ({@link HfNames}), config.json's fields and:
     * <ul>
     * <li>{@link #ROBERTA}, {@link #XLM_ROBERTA}: position ids start at {@code pad_token_id + 1} and skip
     * padding tokens (transformers' {@code create_position_ids_from_input_ids});</li>
     * <li>{@link #DISTILBERT}: no token types (type vocab size 0);</li>
     * <li>{@link #ELECTRA}: an embedding width that may differ from the hidden size.</li>
     * </ul>
     */
    public enum Family {
        BERT("Bert"), ROBERTA("Roberta"), XLM_ROBERTA("XLMRoberta"), DISTILBERT("DistilBert"), ELECTRA("Electra"),
        GPT2("GPT2");

        private final String classPrefix;

        Family(String classPrefix) {
            this.classPrefix = classPrefix;
        }

        /** config.json's {@code model_type}: the name in lower case, '-' for '_' ("xlm-roberta"). */
        public String modelType() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The prefix of transformers' class names ("Roberta" as in RobertaModel). */
        public String classPrefix() {
            return classPrefix;
        }

        /** Whether position ids count from {@code pad_token_id + 1} (RoBERTa's). */
        public boolean offsetsPositions() {
            return this == ROBERTA || this == XLM_ROBERTA;
        }
    }

    /** A config of the default family (BERT for encoders, GPT-2 for decoders), embeddings as wide as the model. */
    public ModelConfig(Architecture architecture, int vocabSize, int hiddenSize, int numberOfLayers,
                       int numberOfHeads, int intermediateSize, int maxPositions, int typeVocabSize,
                       float layerNormEps, float hiddenDropout, float attentionDropout, GeluForm gelu,
                       float initializerRange, int padTokenId, boolean preNorm, boolean linearBias) {
        this(architecture, vocabSize, hiddenSize, numberOfLayers, numberOfHeads, intermediateSize, maxPositions,
                typeVocabSize, layerNormEps, hiddenDropout, attentionDropout, gelu, initializerRange, padTokenId,
                preNorm, linearBias, architecture == Architecture.DECODER ? Family.GPT2 : Family.BERT, hiddenSize);
    }

    /** A config with the family's placement of the layer norms (post-LN encoder, pre-LN decoder) and biases. */
    public ModelConfig(Architecture architecture, int vocabSize, int hiddenSize, int numberOfLayers,
                       int numberOfHeads, int intermediateSize, int maxPositions, int typeVocabSize,
                       float layerNormEps, float hiddenDropout, float attentionDropout, GeluForm gelu,
                       float initializerRange, int padTokenId) {
        this(architecture, vocabSize, hiddenSize, numberOfLayers, numberOfHeads, intermediateSize, maxPositions,
                typeVocabSize, layerNormEps, hiddenDropout, attentionDropout, gelu, initializerRange, padTokenId,
                architecture == Architecture.DECODER, true);
    }

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
        if (architecture == Architecture.DECODER && !preNorm) {
            throw new IllegalArgumentException("a GPT-2 decoder is pre-LN: post-LN is for encoders only");
        }
        if (family == null) {
            throw new IllegalArgumentException("family is required (bert, roberta, ..., gpt2)");
        }
        if ((family == Family.GPT2) != (architecture == Architecture.DECODER)) {
            throw new IllegalArgumentException("family " + family.modelType() + " does not fit a"
                    + (architecture == Architecture.DECODER ? " decoder" : "n encoder"));
        }
        positive("embedding size", embeddingSize);
        if (embeddingSize != hiddenSize && family != Family.ELECTRA) {
            throw new IllegalArgumentException("embedding size " + embeddingSize + " differs from hidden size "
                    + hiddenSize + ": only an ELECTRA (with embeddings_project) has that");
        }
        if (family.offsetsPositions() && padTokenId < 0) {
            throw new IllegalArgumentException(family.modelType() + " counts positions from the pad token id + 1: "
                    + "a pad token id is required");
        }
    }

    /**
     * First position id of a sequence: 0, or {@code pad_token_id + 1} for RoBERTa (whose table has that many
     * extra rows: {@code max_position_embeddings} = maxPositions + this).
     */
    public int positionOffset() {
        return family.offsetsPositions() ? padTokenId + 1 : 0;
    }

    /** Rows of the position embedding table: {@link #maxPositions} plus the {@link #positionOffset}. */
    public int positionTableSize() {
        return maxPositions + positionOffset();
    }

    /** This config as another Hugging Face family, with embeddings {@code embeddingSize} wide. */
    public ModelConfig withFamily(Family f, int embedding) {
        return with(d -> {
            d.family = f;
            d.embeddingSize = embedding;
        });
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
        return with(d -> d.vocabSize = v);
    }

    public ModelConfig withMaxPositions(int p) {
        return with(d -> d.maxPositions = p);
    }

    public ModelConfig withDropout(float hidden, float attention) {
        return with(d -> {
            d.hiddenDropout = hidden;
            d.attentionDropout = attention;
        });
    }

    /** This config with the layer norms placed before ({@code pre}) or after the sub-layers. */
    public ModelConfig withPreNorm(boolean pre) {
        return with(d -> d.preNorm = pre);
    }

    /** This config with or without biases in attention's and the feed-forward's linears. */
    public ModelConfig withLinearBias(boolean bias) {
        return with(d -> d.linearBias = bias);
    }

    /** A copy of this config with what {@code change} sets on a {@link Draft} of it (validated as any config). */
    private ModelConfig with(java.util.function.Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return new ModelConfig(architecture, d.vocabSize, hiddenSize, numberOfLayers, numberOfHeads,
                intermediateSize, d.maxPositions, typeVocabSize, layerNormEps, d.hiddenDropout, d.attentionDropout,
                gelu, initializerRange, padTokenId, d.preNorm, d.linearBias, d.family, d.embeddingSize);
    }

    /** The components the {@code with...} methods change, as mutable fields: the one place they are copied. */
    private static final class Draft {
        int vocabSize;
        int maxPositions;
        float hiddenDropout;
        float attentionDropout;
        boolean preNorm;
        boolean linearBias;
        Family family;
        int embeddingSize;

        Draft(ModelConfig c) {
            vocabSize = c.vocabSize;
            maxPositions = c.maxPositions;
            hiddenDropout = c.hiddenDropout;
            attentionDropout = c.attentionDropout;
            preNorm = c.preNorm;
            linearBias = c.linearBias;
            family = c.family;
            embeddingSize = c.embeddingSize;
        }
    }

    /**
     * Parameter count of the backbone with its pretraining head (embeddings, their layer norm, blocks, a final
     * layer norm when pre-LN, the MLM head's transform and bias), the tied decoder counted once.
     */
    public long parameterCount() {
        long c = hiddenSize;
        long biases = linearBias ? 4 * c + intermediateSize + c : 0;
        long perBlock = 4 * c * c + 2 * c * intermediateSize + biases + 4 * c;
        long e = embeddingSize;
        long embeddings = ((long) vocabSize + positionTableSize() + typeVocabSize) * e;
        long norms = (isEncoder() ? 2 * e : 0) + (preNorm ? 2 * c : 0);
        long project = e != c ? e * c + c : 0;
        long head = isEncoder() ? c * e + e + 2 * e + vocabSize : 0;
        return embeddings + project + perBlock * numberOfLayers + norms + head;
    }
}
