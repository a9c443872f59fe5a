package dev.graft.task;

import dev.graft.model.TokenBatch;

import java.util.List;

/** One update's worth of multitask input: a task batch and the language-modeling batches mixed into it (maybe none). */
public record MultitaskBatch<B>(B task, List<TokenBatch> lm) {
}
