package dev.graft.task;

import dev.graft.model.Checkpoint;
import dev.graft.model.HfConfig;
import dev.graft.model.TrainableModel;
import dev.graft.nn.Dropout;
import dev.graft.nn.ParameterSet;
import dev.graft.train.Trainable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What every task that trains one model shares: the {@link Trainable} delegation to the model (parameters,
 * dropout, freezing below a layer group) and saving it as a model folder (config.json, model.safetensors
 * and the files that belong with it, such as tokenizer.json). {@link LanguageModelingTask} and the task
 * heads ({@link HeadTask}) extend it.
 *
 * @param <B> the batch type
 */
public abstract class ModelTask<B> implements Trainable<B> {
    private final TrainableModel model;
    private final Checkpoint.Extras modelExtras;

    /** @param modelExtras writes files that belong with the model (tokenizer.json), may be null */
    protected ModelTask(TrainableModel model, Checkpoint.Extras modelExtras) {
        this.model = model;
        this.modelExtras = modelExtras;
    }

    public TrainableModel model() {
        return model;
    }

    /** The Hugging Face class of the saved model (config.json's {@code architectures}). */
    public abstract String architectureName();

    /** Writes config.json (by default the model's config under {@link #architectureName()}). */
    protected void writeConfig(Path file) throws IOException {
        HfConfig.write(file, model.config(), architectureName());
    }

    @Override
    public ParameterSet parameters() {
        return model.parameterSet();
    }

    @Override
    public List<Dropout> dropouts() {
        return model.dropouts();
    }

    @Override
    public void skipBackwardBelow(int group) {
        model.backbone().setBackwardFloor(group);
    }

    @Override
    public void saveModel(Path folder, Checkpoint.Extras extras) throws IOException {
        Checkpoint.save(folder, model.config(), architectureName(), model.parameterSet(), Map.of(), staged -> {
            writeConfig(staged.resolve(Checkpoint.CONFIG));
            if (modelExtras != null) {
                modelExtras.writeInto(staged);
            }
            if (extras != null) {
                extras.writeInto(staged);
            }
        });
    }

    @Override
    public void writeModelFiles(Path folder) throws IOException {
        writeConfig(folder.resolve(Checkpoint.CONFIG));
        Checkpoint.writeWeights(folder.resolve(Checkpoint.WEIGHTS), model.config(), model.parameterSet(), Map.of());
        if (modelExtras != null) {
            modelExtras.writeInto(folder);
        }
    }
}
