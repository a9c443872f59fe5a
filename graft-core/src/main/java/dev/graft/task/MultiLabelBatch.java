package dev.graft.task;

import dev.graft.model.TokenBatch;

/**
 * A batch of texts for multi-label classification: the token batch, the 0/1 targets (B·K, row-major; null
 * when predicting) and which example of its data set each row is.
 */
public record MultiLabelBatch(TokenBatch tokens, float[] targets, int[] examples) {
}
