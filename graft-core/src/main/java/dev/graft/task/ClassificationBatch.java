package dev.graft.task;

import dev.graft.model.TokenBatch;

/**
 * A batch of texts to classify: the token batch, the label of each row (null when predicting) and
 * which example of its data set each row is.
 */
public record ClassificationBatch(TokenBatch tokens, int[] labels, int[] examples) {
}
