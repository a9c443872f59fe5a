package dev.graft.train;

import dev.graft.model.TokenBatch;
import dev.graft.task.LanguageModelingTask;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * A language-modeling task whose every update advances an injected clock ({@link Trainer#clock}) by what
 * {@code nanos} says of its result: time budgets tested without waiting for them.
 */
final class ClockedTask extends ForwardingTrainable<TokenBatch> {
    private final LanguageModelingTask task;
    private final AtomicLong clock;
    private final ToLongFunction<StepResult> nanos;

    ClockedTask(LanguageModelingTask task, AtomicLong clock, ToLongFunction<StepResult> nanos) {
        super(task);
        this.task = task;
        this.clock = clock;
        this.nanos = nanos;
    }

    @Override
    public StepResult trainStep(List<TokenBatch> microBatches) {
        StepResult r = task.trainStep(microBatches);
        clock.addAndGet(nanos.applyAsLong(r));
        return r;
    }
}
