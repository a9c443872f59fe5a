package dev.graft.train;

import dev.graft.Named;
import dev.graft.SpecException;


/**
 * The learning-rate schedules a spec can name ({@link OptimizerSpec#schedule}); {@link #of} makes the
 * {@link Schedule} a run follows. Each has its id, the value of a {@code schedule} option.
 */
public enum ScheduleKind implements Named {
    /** Linear warm-up then linear decay to 0 over the planned steps (BERT). */
    LINEAR,
    /** Linear warm-up then half a cosine down to 0 over the planned steps. */
    COSINE,
    /** The peak rate throughout, after the warm-up. */
    CONSTANT,
    /** ULMFiT's slanted triangular rates (cut fraction 0.1, ratio 32; the warm-up fraction is not used). */
    STLR,
    /** Warm-up then a linear decay to 0 exactly when the time budget ends (needs a time budget). */
    LINEAR_TIME,
    /** Warm-up then a cosine decay to 0 exactly when the time budget ends (needs a time budget). */
    COSINE_TIME;

    /** Whether the rate decays over wall-clock time rather than steps ({@link Schedule.TimeDecay}). */
    public boolean timeBased() {
        return this == LINEAR_TIME || this == COSINE_TIME;
    }

    /** The schedule with warm-up fraction {@code warmup}. */
    public Schedule of(double warmup) {
        return switch (this) {
            case LINEAR -> Schedule.linear(warmup);
            case COSINE -> Schedule.cosine(warmup);
            case CONSTANT -> Schedule.constant(warmup);
            case STLR -> new Schedule.SlantedTriangular(0.1, 32);
            case LINEAR_TIME -> new Schedule.TimeDecay(warmup, false);
            case COSINE_TIME -> new Schedule.TimeDecay(warmup, true);
        };
    }

    /** The schedule with id {@code id} (case-insensitive); otherwise a {@link SpecException} on optimizer.schedule. */
    public static ScheduleKind parse(String id) {
        return Named.parse(ScheduleKind.class, OptimizerSpec.FIELD + ".schedule", id);
    }
}
