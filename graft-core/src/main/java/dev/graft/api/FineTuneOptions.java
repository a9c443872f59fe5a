package dev.graft.api;

import dev.graft.finetune.FineTuneSpec;
import dev.graft.model.HeadConfig;
import dev.graft.train.TrainingListener;

import java.nio.file.Path;

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
        return new FineTuneOptions(v, epochs, learningRate, batchSize, maxLength, devFraction, patience, recipe,
                freezeBackbone, seed, overwrite, listener);
    }

    public FineTuneOptions withEpochs(double v) {
        return new FineTuneOptions(out, v, learningRate, batchSize, maxLength, devFraction, patience, recipe,
                freezeBackbone, seed, overwrite, listener);
    }

    public FineTuneOptions withLearningRate(float v) {
        return new FineTuneOptions(out, epochs, v, batchSize, maxLength, devFraction, patience, recipe,
                freezeBackbone, seed, overwrite, listener);
    }

    public FineTuneOptions withBatchSize(int v) {
        return new FineTuneOptions(out, epochs, learningRate, v, maxLength, devFraction, patience, recipe,
                freezeBackbone, seed, overwrite, listener);
    }

    public FineTuneOptions withMaxLength(int v) {
        return new FineTuneOptions(out, epochs, learningRate, batchSize, v, devFraction, patience, recipe,
                freezeBackbone, seed, overwrite, listener);
    }

    public FineTuneOptions withDevFraction(double v) {
        return new FineTuneOptions(out, epochs, learningRate, batchSize, maxLength, v, patience, recipe,
                freezeBackbone, seed, overwrite, listener);
    }

    public FineTuneOptions withPatience(int v) {
        return new FineTuneOptions(out, epochs, learningRate, batchSize, maxLength, devFraction, v, recipe,
                freezeBackbone, seed, overwrite, listener);
    }

    public FineTuneOptions withRecipe(FineTuneSpec.Recipe v) {
        return new FineTuneOptions(out, epochs, learningRate, batchSize, maxLength, devFraction, patience, v,
                freezeBackbone, seed, overwrite, listener);
    }

    public FineTuneOptions withFreezeBackbone(boolean v) {
        return new FineTuneOptions(out, epochs, learningRate, batchSize, maxLength, devFraction, patience, recipe,
                v, seed, overwrite, listener);
    }

    public FineTuneOptions withSeed(long v) {
        return new FineTuneOptions(out, epochs, learningRate, batchSize, maxLength, devFraction, patience, recipe,
                freezeBackbone, v, overwrite, listener);
    }

    public FineTuneOptions withOverwrite(boolean v) {
        return new FineTuneOptions(out, epochs, learningRate, batchSize, maxLength, devFraction, patience, recipe,
                freezeBackbone, seed, v, listener);
    }

    public FineTuneOptions withListener(TrainingListener v) {
        return new FineTuneOptions(out, epochs, learningRate, batchSize, maxLength, devFraction, patience, recipe,
                freezeBackbone, seed, overwrite, v);
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
        if (epochs != null) {
            b.epochs(epochs);
        }
        if (learningRate != null) {
            b.learningRate(learningRate);
        }
        if (batchSize != null) {
            b.batchSize(batchSize);
        }
        if (maxLength != null) {
            b.maxLength(maxLength);
        }
        if (devFraction != null) {
            b.devFraction(devFraction);
        }
        if (patience != null) {
            b.patience(patience);
        }
        if (recipe != null) {
            b.recipe(recipe);
        }
        if (freezeBackbone != null) {
            b.freezeBackbone(freezeBackbone);
        }
        if (seed != null) {
            b.seed(seed);
        }
        return b.build();
    }
}
