package dev.graft.task;

import dev.graft.train.BatchStream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;

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

    /**
     * Items {@code [0, count)} once each, in batches of up to {@code batchSize} made by {@code batch} from
     * their indices, grouped by {@code length} (less padding; equal lengths keep their order).
     */
    static <B> List<B> byLength(int count, IntUnaryOperator length, int batchSize, Function<int[], B> batch) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, c) -> Integer.compare(length.applyAsInt(a), length.applyAsInt(c)));
        List<B> out = new ArrayList<>();
        for (int s = 0; s < order.length; s += batchSize) {
            int n = Math.min(batchSize, order.length - s);
            int[] ix = new int[n];
            for (int i = 0; i < n; i++) {
                ix[i] = order[s + i];
            }
            out.add(batch.apply(ix));
        }
        return out;
    }
}
