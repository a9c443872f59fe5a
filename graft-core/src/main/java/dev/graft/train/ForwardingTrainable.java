package dev.graft.train;

import dev.graft.model.Checkpoint;
import dev.graft.nn.Dropout;
import dev.graft.nn.ParameterSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A {@link Trainable} that hands every call to another one, for wrappers that add to a training run
 * ({@link RecipeControl}'s recipe, multitask training's second loss) and override only what they add. The inner
 * one may train on other batches than the wrapper, so {@link #trainStep} is the wrapper's own.
 *
 * @param <B> the wrapper's batch type
 */
public abstract class ForwardingTrainable<B> implements Trainable<B> {
    private final Trainable<?> inner;

    protected ForwardingTrainable(Trainable<?> inner) {
        this.inner = inner;
    }

    @Override
    public ParameterSet parameters() {
        return inner.parameters();
    }

    @Override
    public void setTraining(boolean training) {
        inner.setTraining(training);
    }

    @Override
    public List<Dropout> dropouts() {
        return inner.dropouts();
    }

    @Override
    public Map<String, Double> evaluate() {
        return inner.evaluate();
    }

    @Override
    public void saveModel(Path folder, Checkpoint.Extras extras) throws IOException {
        inner.saveModel(folder, extras);
    }

    @Override
    public void writeModelFiles(Path folder) throws IOException {
        inner.writeModelFiles(folder);
    }

    @Override
    public void beforeUpdate(long step, long dataPosition, AdamW optimizer) {
        inner.beforeUpdate(step, dataPosition, optimizer);
    }

    @Override
    public void beforeStep(long step) {
        inner.beforeStep(step);
    }

    @Override
    public void skipBackwardBelow(int group) {
        inner.skipBackwardBelow(group);
    }

    @Override
    public String stopReason() {
        return inner.stopReason();
    }

    @Override
    public ParameterSet savedParameters() {
        return inner.savedParameters();
    }

    @Override
    public void saveTrainingState(Path trainingState) throws IOException {
        inner.saveTrainingState(trainingState);
    }

    @Override
    public void restoreTrainingState(Path trainingState) throws IOException {
        inner.restoreTrainingState(trainingState);
    }
}
