package dev.graft.spark;

import dev.graft.model.SentenceEmbedder;

import dev.graft.nn.Pooling;
import java.io.Serializable;

/**
 * How {@link GraftSpark#embed} and {@link GraftSpark#predict} run the model in each task.
 *
 * @param pooling        sentence embeddings: MEAN (over the real tokens) or CLS, as {@code graft embed --pooling}
 * @param normalize      sentence embeddings: L2-normalize each vector ({@code graft embed --normalize})
 * @param batchSize      rows per forward pass
 * @param maxLength      sentence embeddings: longest input in tokens, special tokens included; 0 for the model's
 *                       positions ({@code graft embed --max-length})
 * @param threadsPerTask compute threads of each task (Spark runs a task per core: 1 keeps them from competing)
 * @param outputColumn   the column added ("embedding"; predictions add "prediction" and "label")
 */
public record InferenceOptions(Pooling pooling, boolean normalize, int batchSize, int maxLength,
                               int threadsPerTask, String outputColumn) implements Serializable {
    public InferenceOptions {
        if (pooling == null) {
            throw new IllegalArgumentException("pooling is null: give MEAN or CLS");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (maxLength < 0 || maxLength == 1 || maxLength == 2) {
            throw new IllegalArgumentException("max length " + maxLength + " must be 0 (the model's) or at least 3");
        }
        if (threadsPerTask <= 0) {
            throw new IllegalArgumentException("threads per task must be positive, got " + threadsPerTask);
        }
        if (outputColumn == null || outputColumn.isBlank()) {
            throw new IllegalArgumentException("the output column needs a name");
        }
    }

    /** {@code graft embed}'s defaults: mean pooling, not normalized, batches of 32, one thread per task. */
    public static InferenceOptions embeddings() {
        return new InferenceOptions(Pooling.MEAN, false, 32, 0, 1, "embedding");
    }

    /** {@code graft predict}'s defaults: batches of 64, one thread per task. */
    public static InferenceOptions predictions() {
        return new InferenceOptions(Pooling.MEAN, false, 64, 0, 1, "prediction");
    }

    public InferenceOptions withNormalize(boolean n) {
        return new InferenceOptions(pooling, n, batchSize, maxLength, threadsPerTask, outputColumn);
    }

    public InferenceOptions withPooling(Pooling p) {
        return new InferenceOptions(p, normalize, batchSize, maxLength, threadsPerTask, outputColumn);
    }

    public InferenceOptions withBatchSize(int b) {
        return new InferenceOptions(pooling, normalize, b, maxLength, threadsPerTask, outputColumn);
    }

    public InferenceOptions withMaxLength(int m) {
        return new InferenceOptions(pooling, normalize, batchSize, m, threadsPerTask, outputColumn);
    }

    public InferenceOptions withThreadsPerTask(int t) {
        return new InferenceOptions(pooling, normalize, batchSize, maxLength, t, outputColumn);
    }

    public InferenceOptions withOutputColumn(String c) {
        return new InferenceOptions(pooling, normalize, batchSize, maxLength, threadsPerTask, c);
    }
}
