package dev.graft.model;

import dev.graft.SpecException;

/**
 * The fields of a model preset (or another model's shape) a spec overrides: its {@code model} component,
 * each field null for the base's value; immutable, validated here (errors name {@code model.layers} and
 * so on). {@link #applyTo} makes the overridden config.
 *
 * @param layers  transformer blocks, or null
 * @param hidden  hidden size, or null
 * @param heads   attention heads, or null
 * @param ffn     feed-forward size, or null (4 x an overridden hidden size, else the base's)
 * @param dropout hidden and attention dropout, or null
 */
public record ModelOverrides(Integer layers, Integer hidden, Integer heads, Integer ffn, Float dropout) {
    /** The component's name in a spec: the prefix of the fields its errors name. */
    public static final String FIELD = "model";

    /** No override: the base as it is. */
    public static final ModelOverrides NONE = new ModelOverrides(null, null, null, null, null);

    public ModelOverrides {
        positiveOrNull("layers", layers);
        positiveOrNull("hidden", hidden);
        positiveOrNull("heads", heads);
        positiveOrNull("ffn", ffn);
        if (dropout != null && !(dropout >= 0 && dropout < 1)) {
            throw new SpecException(FIELD + ".dropout", FIELD + ".dropout must be in [0, 1), got " + dropout);
        }
    }

    private static void positiveOrNull(String name, Integer v) {
        if (v != null) {
            SpecException.positive(FIELD + "." + name, v);
        }
    }

    /** Whether a size (blocks, width, heads, feed-forward) is overridden; dropout is not a size. */
    public boolean changesShape() {
        return layers != null || hidden != null || heads != null || ffn != null;
    }

    /** {@code base} with these overrides. */
    public ModelConfig applyTo(ModelConfig base) {
        return applyTo(base, base.numberOfLayers());
    }

    /** {@code base} with these overrides, and {@code defaultLayers} blocks unless {@code layers} is given. */
    public ModelConfig applyTo(ModelConfig base, int defaultLayers) {
        int h = hidden != null ? hidden : base.hiddenSize();
        int f = ffn != null ? ffn : (hidden != null ? 4 * h : base.intermediateSize());
        float d = dropout != null ? dropout : base.hiddenDropout();
        float ad = dropout != null ? dropout : base.attentionDropout();
        return new ModelConfig(base.architecture(), base.vocabSize(), h, layers != null ? layers : defaultLayers,
                heads != null ? heads : base.numberOfHeads(), f, base.maxPositions(), base.typeVocabSize(),
                base.layerNormEps(), d, ad, base.gelu(), base.initializerRange(), base.padTokenId(), base.preNorm(),
                base.linearBias());
    }

    /** These overrides with {@code v} blocks (null: the base's). */
    public ModelOverrides withLayers(Integer v) {
        return new ModelOverrides(v, hidden, heads, ffn, dropout);
    }

    /** These overrides with hidden and attention dropout {@code v} (null: the base's). */
    public ModelOverrides withDropout(Float v) {
        return new ModelOverrides(layers, hidden, heads, ffn, v);
    }
}
