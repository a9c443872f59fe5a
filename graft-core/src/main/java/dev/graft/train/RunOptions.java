package dev.graft.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where a training run writes, how long it runs and how: a spec's {@code run} component; immutable,
 * validated here (errors name {@code run.steps} and so on). A run stops at whichever of {@code steps},
 * {@code epochs} and {@code maxTime} comes first.
 *
 * @param out       the run folder (new or empty, unless {@code overwrite} or {@code resume})
 * @param steps     stop after this many updates (0: no limit)
 * @param epochs    stop after this many passes over the data (0: no limit)
 * @param maxTime   wall-clock budget the schedule is fitted to, or null
 * @param threads   compute threads
 * @param seed      seeds everything random in the run
 * @param resume    continue the run in {@code out} from its newest checkpoint
 * @param overwrite replace a run graft made before in {@code out}
 */
public record RunOptions(Path out, long steps, double epochs, Duration maxTime, int threads, long seed,
                         boolean resume, boolean overwrite) {
    /** The component's name in a spec: the prefix of the fields its errors name. */
    public static final String FIELD = "run";

    /**
     * How a run stopped by a signal continues, naming this record's field as a library caller sets it; the
     * command line prints its flag ({@code --resume}).
     */
    public static final String RESUME_HINT = "run it again with " + FIELD + ".resume (the other settings unchanged)";

    /** Every default but the folder: no length yet, every core, seed 42. */
    public static RunOptions defaults(Path out) {
        return new RunOptions(out, 0, 0, null, Runtime.getRuntime().availableProcessors(), 42, false, false);
    }

    public RunOptions {
        if (out == null) {
            throw new SpecException(FIELD + ".out", FIELD + ".out is required: the folder the run writes");
        }
        SpecException.nonNegative(FIELD + ".steps", steps);
        SpecException.nonNegative(FIELD + ".epochs", epochs);
        if (maxTime != null && (maxTime.isNegative() || maxTime.isZero())) {
            throw new SpecException(FIELD + ".maxTime", FIELD + ".maxTime must be more than 0, got "
                    + Progress.format(maxTime) + ": give a budget such as 20m");
        }
        SpecException.positive(FIELD + ".threads", threads);
        if (resume && overwrite) {
            throw new SpecException(List.of(FIELD + ".resume", FIELD + ".overwrite"), FIELD + ".resume and "
                    + FIELD + ".overwrite contradict each other: choose one");
        }
    }

    /** Fails unless the run has a length: steps, epochs or a time budget. */
    public RunOptions requireLength() {
        if (steps == 0 && epochs == 0 && maxTime == null) {
            throw new SpecException(List.of(FIELD + ".steps", FIELD + ".epochs", FIELD + ".maxTime"),
                    "give a length: " + FIELD + ".steps, " + FIELD + ".epochs or " + FIELD + ".maxTime");
        }
        return this;
    }

    /** Writes this run's length, threads and seed into its run.json (steps, epochs, max_time_s, threads, seed). */
    public void writeTo(ObjectNode json) {
        json.put("steps", steps);
        json.put("epochs", epochs);
        json.put("max_time_s", maxTime == null ? null : maxTime.toSeconds());
        json.put("threads", threads);
        json.put("seed", seed);
    }

    public RunOptions withOut(Path v) {
        return new RunOptions(v, steps, epochs, maxTime, threads, seed, resume, overwrite);
    }

    /** This run's length: {@code steps} updates, {@code epochs} passes, {@code maxTime} (each 0 or null for none). */
    public RunOptions withLength(long s, double e, Duration t) {
        return new RunOptions(out, s, e, t, threads, seed, resume, overwrite);
    }

    public RunOptions withSteps(long v) {
        return withLength(v, epochs, maxTime);
    }

    public RunOptions withEpochs(double v) {
        return withLength(steps, v, maxTime);
    }

    public RunOptions withMaxTime(Duration v) {
        return withLength(steps, epochs, v);
    }

    public RunOptions withThreads(int v) {
        return new RunOptions(out, steps, epochs, maxTime, v, seed, resume, overwrite);
    }

    public RunOptions withSeed(long v) {
        return new RunOptions(out, steps, epochs, maxTime, threads, v, resume, overwrite);
    }

    public RunOptions withResume(boolean v) {
        return new RunOptions(out, steps, epochs, maxTime, threads, seed, v, overwrite);
    }

    public RunOptions withOverwrite(boolean v) {
        return new RunOptions(out, steps, epochs, maxTime, threads, seed, resume, v);
    }
}
