package dev.graft.train;

import dev.graft.SpecException;

import java.time.Duration;
import java.util.List;

/**
 * How a training run goes. Stops at whichever limit comes first: {@code maxSteps} optimizer
 * updates, {@code maxEpochs} passes over the data, or {@code maxTime} of wall-clock time (the
 * schedule is then planned from a measured step time so that it completes within the budget).
 *
 * @param maxSteps          optimizer updates, or 0 for no limit
 * @param maxEpochs         passes over the training data, or 0 for no limit
 * @param maxTime           wall-clock budget, or null for none
 * @param learningRate      peak learning rate
 * @param schedule          learning-rate schedule
 * @param weightDecay       AdamW decoupled weight decay (matrices and embeddings only)
 * @param beta1             AdamW β1
 * @param beta2             AdamW β2
 * @param adamEpsilon       AdamW ε
 * @param clipNorm          global gradient-norm clip, or 0 for none
 * @param accumulation      micro-batches per update (gradient accumulation)
 * @param logEvery          steps between log lines and metrics records
 * @param evalEvery         steps between validation passes, or 0 for only at the end
 * @param checkpointEvery   steps between checkpoints, or 0 for only at the end
 * @param keepCheckpoints   how many step checkpoints to keep (the newest)
 * @param skipNonFinite     skip an update whose loss is NaN or infinite (counting skips) instead of stopping
 */
public record TrainingOptions(
        long maxSteps,
        double maxEpochs,
        Duration maxTime,
        float learningRate,
        Schedule schedule,
        float weightDecay,
        float beta1,
        float beta2,
        float adamEpsilon,
        double clipNorm,
        int accumulation,
        int logEvery,
        int evalEvery,
        int checkpointEvery,
        int keepCheckpoints,
        boolean skipNonFinite) {

    public TrainingOptions {
        SpecException.nonNegative("maxSteps", maxSteps);
        SpecException.nonNegative("maxEpochs", maxEpochs);
        if (maxSteps == 0 && maxEpochs == 0 && maxTime == null) {
            // named as the specs call them (PretrainSpec, PretrainOptions, ...), which the command line prints as flags
            throw new SpecException(List.of("steps", "epochs", "maxTime"), "give at least one of steps, epochs or maxTime");
        }
        if (maxTime != null && (maxTime.isNegative() || maxTime.isZero())) {
            throw new SpecException("maxTime", "maxTime must be more than 0, got " + Progress.format(maxTime));
        }
        SpecException.positive("learningRate", learningRate);
        if (schedule == null) {
            throw new SpecException("schedule", "a learning-rate schedule is required: give a schedule");
        }
        SpecException.atLeast("accumulation", accumulation, 1);
        SpecException.atLeast("logEvery", logEvery, 1);
        SpecException.nonNegative("evalEvery", evalEvery);
        SpecException.nonNegative("checkpointEvery", checkpointEvery);
        SpecException.atLeast("keepCheckpoints", keepCheckpoints, 1);
        SpecException.nonNegative("clipNorm", clipNorm);
    }

    /** RoBERTa-style defaults: AdamW β = (0.9, 0.98), ε 1e-6, weight decay 0.01, 6% warm-up then linear decay, clip 1.0. */
    public static TrainingOptions defaults(long steps, float learningRate) {
        return new TrainingOptions(steps, 0, null, learningRate, Schedule.linear(0.06), 0.01f, 0.9f,
                0.98f, 1e-6f, 1.0, 1, 10, 0, 0, 2, false);
    }

    public TrainingOptions withMaxSteps(long steps) {
        return new TrainingOptions(steps, maxEpochs, maxTime, learningRate, schedule, weightDecay, beta1, beta2,
                adamEpsilon, clipNorm, accumulation, logEvery, evalEvery, checkpointEvery, keepCheckpoints,
                skipNonFinite);
    }

    public TrainingOptions withIntervals(int log, int eval, int checkpoint) {
        return new TrainingOptions(maxSteps, maxEpochs, maxTime, learningRate, schedule, weightDecay, beta1, beta2,
                adamEpsilon, clipNorm, accumulation, log, eval, checkpoint, keepCheckpoints, skipNonFinite);
    }
}
