package dev.graft.cli;

import dev.graft.train.Monitoring;
import picocli.CommandLine.Option;

/**
 * How often a training run logs, validates and checkpoints, and on how much (--log-every, --eval-every,
 * --checkpoint-every, --keep-checkpoints, --validation-sequences), a picocli mixin: a spec's {@link Monitoring},
 * its defaults the command's spec's ({@code new MonitoringOptions(DEFAULTS.monitoring())}).
 */
final class MonitoringOptions {
    @Option(names = "--log-every", description = "Steps between log lines (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--eval-every", description = "Steps between validation passes, 0 for only at the end "
            + "(default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--checkpoint-every", description = "Steps between checkpoints, 0 for only at the end "
            + "(default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--keep-checkpoints", description = "Checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--validation-sequences", description = "Held-out sequences evaluated (default: ${DEFAULT-VALUE}).")
    int validationSequences;

    MonitoringOptions(Monitoring defaults) {
        logEvery = defaults.logEvery();
        evalEvery = defaults.evalEvery();
        checkpointEvery = defaults.checkpointEvery();
        keepCheckpoints = defaults.keepCheckpoints();
        validationSequences = defaults.validationSequences();
    }

    /** The intervals given. */
    Monitoring spec() {
        return new Monitoring(logEvery, evalEvery, checkpointEvery, keepCheckpoints, validationSequences);
    }
}
