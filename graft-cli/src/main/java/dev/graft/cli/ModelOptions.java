package dev.graft.cli;

import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import picocli.CommandLine.Option;

/** The model preset and the fields a user may override (--layers 6 --hidden-size 384 ...). */
final class ModelOptions {
    @Option(names = "--arch", description = "Model preset: bert-tiny, bert-mini, bert-small, bert-medium, gpt-tiny, "
            + "gpt-mini, gpt-small (default: ${DEFAULT-VALUE}).")
    String arch = "bert-mini";

    @Option(names = "--layers", description = "Override the number of transformer blocks.")
    Integer layers;

    @Option(names = "--hidden-size", description = "Override the hidden size.")
    Integer hidden;

    @Option(names = "--heads", description = "Override the number of attention heads.")
    Integer heads;

    @Option(names = "--ffn-size", description = "Override the feed-forward size (default 4 x hidden).")
    Integer ffn;

    @Option(names = "--dropout", description = "Override hidden and attention dropout (preset: 0.1).")
    Float dropout;

    /**
     * The preset with overrides, for a vocabulary of {@code vocab}, at least {@code positions}
     * positions, and the tokenizer's padding id (-1 for none; decoders never use one).
     */
    ModelConfig resolve(int vocab, int positions, int padId) {
        ModelConfig p = Presets.get(arch);
        int h = hidden != null ? hidden : p.hiddenSize();
        int f = ffn != null ? ffn : (hidden != null ? 4 * h : p.intermediateSize());
        float d = dropout != null ? dropout : p.hiddenDropout();
        float ad = dropout != null ? dropout : p.attentionDropout();
        return new ModelConfig(p.architecture(), vocab, h, layers != null ? layers : p.numberOfLayers(),
                heads != null ? heads : p.numberOfHeads(), f, Math.max(positions, p.maxPositions()),
                p.typeVocabSize(), p.layerNormEps(), d, ad, p.gelu(), p.initializerRange(),
                p.isEncoder() ? padId : -1);
    }
}
