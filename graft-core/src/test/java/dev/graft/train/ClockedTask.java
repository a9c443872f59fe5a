package dev.graft.train;

import dev.graft.model.Checkpoint;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Dropout;
import dev.graft.nn.ParameterSet;
import dev.graft.task.LanguageModelingTask;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * A language-modeling task whose every update advances an injected clock ({@link Trainer#clock}) by what
 * {@code nanos} says of its result: time budgets tested without waiting for them.
 */
final class ClockedTask implements Trainable<TokenBatch> {
    private final LanguageModelingTask task;
    private final AtomicLong clock;
    private final ToLongFunction<StepResult> nanos;

    ClockedTask(LanguageModelingTask task, AtomicLong clock, ToLongFunction<StepResult> nanos) {
        this.task = task;
        this.clock = clock;
        this.nanos = nanos;
    }

    @Override
    public ParameterSet parameters() {
        return task.parameters();
    }

    @Override
    public void setTraining(boolean training) {
        task.setTraining(training);
    }

    @Override
    public List<Dropout> dropouts() {
        return task.dropouts();
    }

    @Override
    public StepResult trainStep(List<TokenBatch> microBatches) {
        StepResult r = task.trainStep(microBatches);
        clock.addAndGet(nanos.applyAsLong(r));
        return r;
    }

    @Override
    public Map<String, Double> evaluate() {
        return task.evaluate();
    }

    @Override
    public void saveModel(Path folder, Checkpoint.Extras extras) throws IOException {
        task.saveModel(folder, extras);
    }

    @Override
    public void writeModelFiles(Path folder) throws IOException {
        task.writeModelFiles(folder);
    }
}
