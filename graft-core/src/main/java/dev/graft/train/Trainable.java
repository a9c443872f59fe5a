package dev.graft.train;

import dev.graft.model.Checkpoint;
import dev.graft.nn.Dropout;
import dev.graft.nn.ParameterSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the {@link Trainer} trains: a model with its objective. {@code B} is the batch type.
 */
public interface Trainable<B> {

    ParameterSet parameters();

    /** Dropout on (training) or off (evaluation): by default, each of {@link #dropouts()}. */
    default void setTraining(boolean training) {
        for (Dropout d : dropouts()) {
            d.setTraining(training);
        }
    }

    /** Every dropout layer, in a stable order (their counters are part of the training state). */
    List<Dropout> dropouts();

    /**
     * Forward and backward over the micro-batches of one update, accumulating gradients so that
     * the result equals one pass over their union (losses normalized by the total count of
     * predicted positions or examples across all of them).
     */
    StepResult trainStep(List<B> microBatches);

    /** Metrics on held-out data (e.g. "loss", "perplexity", "accuracy"), with dropout off. */
    Map<String, Double> evaluate();

    /** Writes the model (config.json, model.safetensors, tokenizer.json ...) into {@code folder}. */
    void saveModel(Path folder, Checkpoint.Extras extras) throws IOException;

    /** Writes the model files into an existing folder without replacing the folder itself. */
    void writeModelFiles(Path folder) throws IOException;

    /**
     * Called once per update after its gradients are computed and before clipping and the optimizer
     * step: the place for per-parameter learning-rate scales (discriminative fine-tuning) and freezing
     * (a scale of 0, with the frozen gradients zeroed so they do not count in clipping). {@code step} is
     * the number of updates done before this one; {@code dataPosition} the batch stream's position after
     * this update's batches. Must depend only on its arguments, so a resumed run does the same. The
     * default does nothing.
     */
    default void beforeUpdate(long step, long dataPosition, AdamW optimizer) {
    }

    /**
     * Called before each update's forward and backward, with the number of updates done before it (also
     * after a resume). The place to tell the model what the update will not train. The default does
     * nothing.
     */
    default void beforeStep(long step) {
    }

    /**
     * The layer groups below {@code group} ({@link dev.graft.model.LayerGroups}) are frozen in the next
     * update: their gradients will be zeroed, so backward may leave them out. The default computes them
     * anyway.
     */
    default void skipBackwardBelow(int group) {
    }

    /**
     * A reason to end the run before its limits (e.g. "early-stop" when the validation score has
     * stopped improving), checked before each update; null to go on. The default never stops.
     */
    default String stopReason() {
        return null;
    }

    /**
     * The parameters {@link #saveModel} writes, which a resumed run reads back from a checkpoint's weights;
     * the default, all of them. A model that saves only part (a multitask model's task) restores the rest
     * in {@link #restoreTrainingState}.
     */
    default ParameterSet savedParameters() {
        return parameters();
    }

    /**
     * Writes what the model's objective keeps between updates beyond its parameters, the optimizer and
     * the dropout counters (early stopping's best score and model, say) into a checkpoint's
     * {@code training_state/} folder being written, for {@link #restoreTrainingState}. The default writes
     * nothing.
     */
    default void saveTrainingState(Path trainingState) throws IOException {
    }

    /**
     * Reads back what {@link #saveTrainingState} wrote, when a run resumes from a checkpoint (after its
     * parameters are restored). The default reads nothing.
     */
    default void restoreTrainingState(Path trainingState) throws IOException {
    }

    /**
     * The outcome of one update.
     *
     * @param loss   the mean loss over the update's predicted positions or examples
     * @param tokens tokens processed (for throughput)
     * @param parts  named components of the loss (e.g. "task", "lm" in multitask training), may be empty
     */
    record StepResult(double loss, long tokens, Map<String, Double> parts) {
    }
}
