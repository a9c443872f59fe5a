package dev.graft.finetune;

import dev.graft.data.Dataset;
import dev.graft.data.LabelSet;

/**
 * Labeled data in memory for {@link FineTuning#runClassification} and {@link FineTuning#runTagging}.
 *
 * @param train  training examples (sub-sampled by the spec's maxTrain, dev carved from them when dev is null)
 * @param dev    dev examples, or null to carve them from train
 * @param test   test examples, or null
 * @param labels the label (tag) set, index = class id; null for the training set's sorted labels
 */
public record LabeledSplits<E>(Dataset<E> train, Dataset<E> dev, Dataset<E> test, LabelSet labels) {
    public LabeledSplits {
        if (train == null) {
            throw new IllegalArgumentException("a training set is required");
        }
    }
}
