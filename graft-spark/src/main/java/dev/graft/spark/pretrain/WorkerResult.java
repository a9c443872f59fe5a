package dev.graft.spark.pretrain;

import java.io.Serializable;

/**
 * What one worker's task sends back for a round.
 *
 * @param worker the worker's index
 * @param delta  the round's parameters minus the worker's after its inner steps, in parameter order
 * @param losses the loss of each inner step
 * @param tokens tokens the worker trained on this round
 * @param skipped inner steps skipped for a loss that was not finite (--skip-nonfinite)
 * @param seconds the task's seconds: setting up (model, state file, data), the inner steps, saving its state
 */
record WorkerResult(int worker, float[] delta, double[] losses, long tokens, long skipped, double[] seconds)
        implements Serializable {
}
