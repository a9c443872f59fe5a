package dev.graft.task;

import dev.graft.train.BatchStream;

import java.util.List;

/**
 * Labeled or unlabeled examples encoded once for a head ({@link ClassificationData}, {@link TaggingData},
 * {@link MultiLabelData}): fixed batches for evaluation and an endless shuffled stream for training.
 *
 * @param <B> the head's batch type
 */
public interface Encoded<B> {
    /** Examples (texts, sentences, pairs) encoded. */
    int size();

    /** Every example once, in batches of up to {@code batchSize}. */
    List<B> batches(int batchSize);

    /** Shuffled training batches, a function of the seed and the epoch. */
    BatchStream<B> stream(int batchSize, long seed);

    /** Texts cut to the maximum length (sequence heads). */
    default int truncated() {
        return 0;
    }

    /** Sentences tagged in several windows (tagging). */
    default int splitSentences() {
        return 0;
    }
}
