package dev.graft.cli;

import picocli.CommandLine.Option;

/**
 * The model preset and the fields a user may override (--layers 6 --hidden-size 384 ...); the
 * overrides are applied by {@link dev.graft.pretrain.PretrainSpec#modelConfig}.
 */
final class ModelOptions {
    @Option(names = "--arch", description = "Model preset: bert-tiny, bert-mini, bert-small, bert-medium, gpt-tiny, "
            + "gpt-mini, gpt-small; graft pretrain also takes auto (an encoder sized to --max-time from a speed probe) "
            + "(default: ${DEFAULT-VALUE}).")
    String arch = dev.graft.pretrain.PretrainSpec.DEFAULT_ARCH;

    @Option(names = "--layers", description = "Override the number of transformer blocks.")
    Integer layers;

    @Option(names = "--hidden-size", description = "Override the hidden size.")
    Integer hidden;

    @Option(names = "--heads", description = "Override the number of attention heads.")
    Integer heads;

    @Option(names = "--ffn-size", description = "Override the feed-forward size (default 4 x hidden).")
    Integer ffn;

    @Option(names = "--dropout", description = "Override hidden and attention dropout (preset: 0.1; 0 turns it off, "
            + "as Cramming pretrains).")
    Float dropout;
}
