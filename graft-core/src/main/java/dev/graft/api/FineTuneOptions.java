package dev.graft.api;

import dev.graft.finetune.FineTuneSpec;
import dev.graft.model.HeadConfig;
import dev.graft.train.TrainingListener;

import java.nio.file.Path;
import java.util.function.Consumer;

import static dev.graft.api.Overrides.ifGiven;

/**
 * How {@link dev.graft.Graft#fineTune} trains: an immutable record, changed with {@code withX} methods.
 * A null field means "the default", which is {@link FineTuneSpec}'s ({@code graft finetune}'s): the
 * automatic number of epochs, the recipe's learning rate, the head's batch size, a tenth of the training
 * set carved as dev when the data has no dev part; nothing here repeats a number.
 *
 * @param out            the model folder to write (new or empty, unless {@code overwrite})
 * @param epochs         passes over the training data (early stopping may end sooner)
 * @param learningRate   peak learning rate
 * @param batchSize      examples per update
 * @param maxLength      tokens per input, special tokens included
 * @param devFraction    share of the training set carved as dev when the data has no dev part (0: none)
 * @param patience       evaluations without dev improvement before stopping (0: never early)
 * @param recipe         full fine-tuning or ULMFiT's
 * @param freezeBackbone train the head only
 * @param seed           seeds the dev carve, the head, dropout and the batch order
 * @param overwrite      replace a non-empty {@code out}
 * @param listener       hears every update and dev evaluation, or null
 */
public record FineTuneOptions(Path out, Double epochs, Float learningRate, Integer batchSize, Integer maxLength,
                              Double devFraction, Integer patience, FineTuneSpec.Recipe recipe,
                              Boolean freezeBackbone, Long seed, boolean overwrite, TrainingListener listener) {

    /** Fine-tuning with every default into {@code out}. */
    public static FineTuneOptions into(Path out) {
        return new FineTuneOptions(out, null, null, null, null, null, null, null, null, null, false, null);
    }

    public FineTuneOptions withOut(Path v) {
        return edit(d -> d.out = v);
    }

    public FineTuneOptions withEpochs(double v) {
        return edit(d -> d.epochs = v);
    }

    public FineTuneOptions withLearningRate(float v) {
        return edit(d -> d.learningRate = v);
    }

    public FineTuneOptions withBatchSize(int v) {
        return edit(d -> d.batchSize = v);
    }

    public FineTuneOptions withMaxLength(int v) {
        return edit(d -> d.maxLength = v);
    }

    public FineTuneOptions withDevFraction(double v) {
        return edit(d -> d.devFraction = v);
    }

    public FineTuneOptions withPatience(int v) {
        return edit(d -> d.patience = v);
    }

    public FineTuneOptions withRecipe(FineTuneSpec.Recipe v) {
        return edit(d -> d.recipe = v);
    }

    public FineTuneOptions withFreezeBackbone(boolean v) {
        return edit(d -> d.freezeBackbone = v);
    }

    public FineTuneOptions withSeed(long v) {
        return edit(d -> d.seed = v);
    }

    public FineTuneOptions withOverwrite(boolean v) {
        return edit(d -> d.overwrite = v);
    }

    public FineTuneOptions withListener(TrainingListener v) {
        return edit(d -> d.listener = v);
    }

    /**
     * The core spec: {@link FineTuneSpec}'s defaults with this record's non-null fields over them.
     *
     * @param train, dev, test descriptions of the data for the run's record (run.json)
     */
    public FineTuneSpec toSpec(HeadConfig.Task task, Path from, String train, String dev, String test, int threads) {
        if (out == null) {
            throw new IllegalArgumentException("fine-tuning needs an output folder: FineTuneOptions.into(dir)");
        }
        FineTuneSpec.Builder b = FineTuneSpec.builder(task, train, out).from(from).dev(dev).test(test)
                .threads(threads).overwrite(overwrite);
        ifGiven(epochs, b::epochs);
        ifGiven(learningRate, b::learningRate);
        ifGiven(batchSize, b::batchSize);
        ifGiven(maxLength, b::maxLength);
        ifGiven(devFraction, b::devFraction);
        ifGiven(patience, b::patience);
        ifGiven(recipe, b::recipe);
        ifGiven(freezeBackbone, b::freezeBackbone);
        ifGiven(seed, b::seed);
        return b.build();
    }

    /** A copy with one change: {@code change} sets fields of a {@link Draft} of this record. */
    private FineTuneOptions edit(Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return d.options();
    }

    /** The record's fields as variables, for the {@code withX} methods: the one place that copies them all. */
    private static final class Draft {
        Path out;
        Double epochs;
        Float learningRate;
        Integer batchSize;
        Integer maxLength;
        Double devFraction;
        Integer patience;
        FineTuneSpec.Recipe recipe;
        Boolean freezeBackbone;
        Long seed;
        boolean overwrite;
        TrainingListener listener;

        Draft(FineTuneOptions o) {
            out = o.out;
            epochs = o.epochs;
            learningRate = o.learningRate;
            batchSize = o.batchSize;
            maxLength = o.maxLength;
            devFraction = o.devFraction;
            patience = o.patience;
            recipe = o.recipe;
            freezeBackbone = o.freezeBackbone;
            seed = o.seed;
            overwrite = o.overwrite;
            listener = o.listener;
        }

        FineTuneOptions options() {
            return new FineTuneOptions(out, epochs, learningRate, batchSize, maxLength, devFraction, patience, recipe,
                    freezeBackbone, seed, overwrite, listener);
        }
    }
}
