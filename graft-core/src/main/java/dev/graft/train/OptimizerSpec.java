package dev.graft.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecException;

/**
 * The optimizer of a training spec (AdamW) and its learning-rate schedule; immutable, validated here.
 * A spec holds it as its {@code optimizer} component, so errors name {@code optimizer.learningRate} and
 * so on.
 *
 * @param learningRate peak learning rate
 * @param warmup       warm-up fraction of the run, in [0, 1)
 * @param schedule     how the rate rises and decays
 * @param weightDecay  AdamW decoupled weight decay
 * @param clip         gradient-norm clip, 0 for none
 * @param beta1        AdamW β1, in [0, 1)
 * @param beta2        AdamW β2, in [0, 1)
 */
public record OptimizerSpec(float learningRate, double warmup, ScheduleKind schedule, float weightDecay, double clip,
                            float beta1, float beta2) {
    /** The component's name in a spec: the prefix of the fields its errors name. */
    public static final String FIELD = "optimizer";

    public OptimizerSpec {
        SpecException.positive(FIELD + ".learningRate", learningRate);
        if (!(warmup >= 0 && warmup < 1)) {
            throw new SpecException(FIELD + ".warmup", FIELD + ".warmup is a fraction of the run in [0, 1), got "
                    + warmup);
        }
        if (schedule == null) {
            schedule = ScheduleKind.LINEAR;
        }
        SpecException.nonNegative(FIELD + ".weightDecay", weightDecay);
        SpecException.nonNegative(FIELD + ".clip", clip);
        fraction(FIELD + ".beta1", beta1);
        fraction(FIELD + ".beta2", beta2);
    }

    private static void fraction(String field, float v) {
        if (!(v >= 0 && v < 1)) {
            throw new SpecException(field, field + " must be in [0, 1), got " + v);
        }
    }

    /** The schedule a run follows. */
    public Schedule learningRateSchedule() {
        return schedule.of(warmup);
    }

    /**
     * Fails unless {@code run} gives what this optimizer needs: a time budget for a schedule that decays
     * over time.
     */
    public void checkAgainst(RunOptions run) {
        if (schedule.timeBased() && run.maxTime() == null) {
            throw new SpecException(java.util.List.of(FIELD + ".schedule", RunOptions.FIELD + ".maxTime"),
                    FIELD + ".schedule " + schedule.id() + " decays to 0 at the time budget: give "
                            + RunOptions.FIELD + ".maxTime");
        }
    }

    /** AdamW's ε in every graft training run. */
    public static final float ADAM_EPSILON = 1e-6f;

    /**
     * The trainer's options: this optimizer over {@code run}'s length, logging, validating and checkpointing
     * as {@code monitoring} says, with {@code accumulation} micro-batches per update.
     */
    public TrainingOptions trainingOptions(RunOptions run, Monitoring monitoring, int accumulation,
                                           boolean skipNonFinite) {
        return new TrainingOptions(run.steps(), run.epochs(), run.maxTime(), learningRate, learningRateSchedule(),
                weightDecay, beta1, beta2, ADAM_EPSILON, clip, accumulation, monitoring.logEvery(),
                monitoring.evalEvery(), monitoring.checkpointEvery(), monitoring.keepCheckpoints(), skipNonFinite);
    }

    /** Writes this optimizer into a run's run.json under the keys graft's run files have (lr, schedule, beta1, ...). */
    public void writeTo(ObjectNode run) {
        run.put("lr", learningRate);
        run.put("warmup", warmup);
        run.put("schedule", schedule.id());
        run.put("weight_decay", weightDecay);
        run.put("clip", clip);
        run.put("beta1", beta1);
        run.put("beta2", beta2);
    }

    public OptimizerSpec withLearningRate(float v) {
        return new OptimizerSpec(v, warmup, schedule, weightDecay, clip, beta1, beta2);
    }

    public OptimizerSpec withWarmup(double v) {
        return new OptimizerSpec(learningRate, v, schedule, weightDecay, clip, beta1, beta2);
    }

    public OptimizerSpec withSchedule(ScheduleKind v) {
        return new OptimizerSpec(learningRate, warmup, v, weightDecay, clip, beta1, beta2);
    }

    public OptimizerSpec withWeightDecay(float v) {
        return new OptimizerSpec(learningRate, warmup, schedule, v, clip, beta1, beta2);
    }

    public OptimizerSpec withClip(double v) {
        return new OptimizerSpec(learningRate, warmup, schedule, weightDecay, v, beta1, beta2);
    }

    public OptimizerSpec withBetas(float b1, float b2) {
        return new OptimizerSpec(learningRate, warmup, schedule, weightDecay, clip, b1, b2);
    }
}
