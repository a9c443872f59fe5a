package dev.graft.cli;

import dev.graft.train.RunOptions;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * How long a training run goes and whether it continues (--steps, --epochs, --max-time, --resume), a picocli
 * mixin; with {@link OutputOptions}, {@link ThreadsOption} and {@link SeedOption} it makes a spec's
 * {@link RunOptions}. The Java fields carry the spec's field names, so an error about {@code run.maxTime}
 * prints {@code --max-time}.
 */
final class LengthOptions {
    @Option(names = "--steps", description = "Stop after this many updates.")
    long steps;

    @Option(names = "--epochs", description = "Stop after this many passes over the corpus.")
    double epochs;

    @Option(names = "--max-time", converter = Durations.class, description = "Wall-clock budget, e.g. 20m, 1h30m; "
            + "the schedule is fitted to it.")
    Duration maxTime;

    @Option(names = "--resume", description = "Continue the run in --out from its newest checkpoint.")
    boolean resume;

    /** The run options given: this length and the shared options' folder, threads and seed. */
    RunOptions run(OutputOptions output, ThreadsOption threads, SeedOption seed) {
        return new RunOptions(output.out(), steps, epochs, maxTime, threads.threads(), seed.seed(), resume,
                output.overwrite());
    }
}
