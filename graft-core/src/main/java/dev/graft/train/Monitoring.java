package dev.graft.train;

import dev.graft.SpecException;

/**
 * How often a training run logs, validates and checkpoints, and on how much: a spec's {@code monitoring}
 * component; immutable, validated here (errors name {@code monitoring.logEvery} and so on).
 *
 * @param logEvery            steps between log lines
 * @param evalEvery           steps between validation passes (0: only at the end)
 * @param checkpointEvery     steps between checkpoints (0: only at the end)
 * @param keepCheckpoints     checkpoints kept (the newest)
 * @param validationSequences held-out sequences evaluated
 */
public record Monitoring(int logEvery, int evalEvery, int checkpointEvery, int keepCheckpoints,
                         int validationSequences) {
    /** The component's name in a spec: the prefix of the fields its errors name. */
    public static final String FIELD = "monitoring";

    public Monitoring {
        SpecException.positive(FIELD + ".logEvery", logEvery);
        SpecException.nonNegative(FIELD + ".evalEvery", evalEvery);
        SpecException.nonNegative(FIELD + ".checkpointEvery", checkpointEvery);
        SpecException.positive(FIELD + ".keepCheckpoints", keepCheckpoints);
        SpecException.nonNegative(FIELD + ".validationSequences", validationSequences);
    }

    /** These intervals: log, validate and checkpoint every {@code log}, {@code eval}, {@code checkpoint} steps. */
    public Monitoring withIntervals(int log, int eval, int checkpoint) {
        return new Monitoring(log, eval, checkpoint, keepCheckpoints, validationSequences);
    }

    public Monitoring withKeepCheckpoints(int v) {
        return new Monitoring(logEvery, evalEvery, checkpointEvery, v, validationSequences);
    }

    public Monitoring withValidationSequences(int v) {
        return new Monitoring(logEvery, evalEvery, checkpointEvery, keepCheckpoints, v);
    }
}
