package dev.graft.cli;

import picocli.CommandLine.Option;

/**
 * {@code --seed}, the seed of everything random in a run (a picocli mixin). Its default is the command's spec
 * default, given when the command makes the mixin ({@code @Mixin SeedOption seed = new SeedOption(DEFAULTS.seed())}).
 */
final class SeedOption {
    @Option(names = "--seed", description = "Seed of everything random in the run (default: ${DEFAULT-VALUE}).")
    long seed;

    SeedOption(long defaultSeed) {
        this.seed = defaultSeed;
    }

    /** The seed given, or the default. */
    long seed() {
        return seed;
    }
}
