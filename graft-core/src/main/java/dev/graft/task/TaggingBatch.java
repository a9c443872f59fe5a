package dev.graft.task;

import dev.graft.model.TokenBatch;

/** A batch of sentence windows to tag: the token batch (targets on first sub-words, or null) and its windows. */
public record TaggingBatch(TokenBatch tokens, int[] windows) {
}
