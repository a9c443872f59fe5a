package dev.graft.api;

import dev.graft.finetune.FineTuneSpec;
import dev.graft.model.HeadConfig;
import dev.graft.train.TrainingListener;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * How {@link dev.graft.Graft#fineTune} trains: immutable, changed with {@code withX} methods. It is a view of
 * {@link FineTuneSpec}: each {@code withX} is a change to the spec's builder, so what is not changed keeps the
 * spec's default ({@code graft finetune}'s: the automatic number of epochs, the recipe's learning rate, the
 * head's batch size, a tenth of the training set carved as dev when the data has no dev part), and the spec
 * checks every value ({@link dev.graft.SpecException}, naming the spec's field). Nothing here repeats a number.
 */
public final class FineTuneOptions {
    private final Path out;
    private final SpecEdits<FineTuneSpec.Builder> edits;
    private final TrainingListener listener;

    private FineTuneOptions(Path out, SpecEdits<FineTuneSpec.Builder> edits, TrainingListener listener) {
        this.out = out;
        this.edits = edits;
        this.listener = listener;
    }

    /** Fine-tuning with every default into {@code out}, the model folder to write (new or empty). */
    public static FineTuneOptions into(Path out) {
        return new FineTuneOptions(out, SpecEdits.none(), null);
    }

    private FineTuneOptions with(UnaryOperator<FineTuneSpec.Builder> edit) {
        return new FineTuneOptions(out, edits.and(edit), listener);
    }

    /** Into another model folder. */
    public FineTuneOptions withOut(Path v) {
        return new FineTuneOptions(v, edits, listener);
    }

    /** Passes over the training data (early stopping may end sooner). */
    public FineTuneOptions withEpochs(double v) {
        return with(b -> b.run(r -> r.withEpochs(v)));
    }

    /** The peak learning rate. */
    public FineTuneOptions withLearningRate(float v) {
        return with(b -> b.learningRate(v));
    }

    /** Examples per update. */
    public FineTuneOptions withBatchSize(int v) {
        return with(b -> b.batchSize(v));
    }

    /** Tokens per input, special tokens included. */
    public FineTuneOptions withMaxLength(int v) {
        return with(b -> b.maxLength(v));
    }

    /** The share of the training set carved as dev when the data has no dev part (0: none). */
    public FineTuneOptions withDevFraction(double v) {
        return with(b -> b.devFraction(v));
    }

    /** Evaluations without dev improvement before stopping (0: never early). */
    public FineTuneOptions withPatience(int v) {
        return with(b -> b.patience(v));
    }

    /** Full fine-tuning or ULMFiT's recipe. */
    public FineTuneOptions withRecipe(FineTuneSpec.Recipe v) {
        return with(b -> b.recipe(v));
    }

    /** Train the head only. */
    public FineTuneOptions withFreezeBackbone(boolean v) {
        return with(b -> b.freezeBackbone(v));
    }

    /** Keep the token embedding table as it starts (pretrained, or from static vectors); the rest trains. */
    public FineTuneOptions withFreezeEmbeddings(boolean v) {
        return with(b -> b.freezeEmbeddings(v));
    }

    /** Seeds the dev carve, the head, dropout and the batch order. */
    public FineTuneOptions withSeed(long v) {
        return with(b -> b.run(r -> r.withSeed(v)));
    }

    /** Replace a non-empty model folder. */
    public FineTuneOptions withOverwrite(boolean v) {
        return with(b -> b.run(r -> r.withOverwrite(v)));
    }

    /** Hears every update and dev evaluation (null: none). */
    public FineTuneOptions withListener(TrainingListener v) {
        return new FineTuneOptions(out, edits, v);
    }

    /** The listener, or null. */
    public TrainingListener listener() {
        return listener;
    }

    /**
     * The core spec: {@link FineTuneSpec}'s defaults with these changes.
     *
     * @param train, dev, test descriptions of the data for the run's record (run.json)
     */
    public FineTuneSpec toSpec(HeadConfig.Task task, Path from, String train, String dev, String test, int threads) {
        if (out == null) {
            throw new IllegalArgumentException("fine-tuning needs an output folder: FineTuneOptions.into(dir)");
        }
        FineTuneSpec.Builder b = FineTuneSpec.builder(task, train, out).from(from).dev(dev).test(test)
                .run(r -> r.withThreads(threads));
        return edits.applyTo(b).build();
    }
}
