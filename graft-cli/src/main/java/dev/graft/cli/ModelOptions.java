package dev.graft.cli;

import dev.graft.model.ModelOverrides;
import picocli.CommandLine.Option;

/**
 * The fields of a model's shape a user may override (--layers 6 --hidden-size 384 ...), a picocli mixin: a
 * spec's {@link ModelOverrides} ({@code model.layers} and so on; the options' Java fields carry those names,
 * so errors about them print these flags).
 */
final class ModelOptions {
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

    /** The overrides given. */
    ModelOverrides overrides() {
        return new ModelOverrides(layers, hidden, heads, ffn, dropout);
    }
}
