package dev.graft.train;

/**
 * An endless, deterministic sequence of training batches. Its state is one number, the position,
 * so that a resumed run continues with exactly the batches the interrupted one would have seen.
 */
public interface BatchStream<B> {

    /** The next batch (the stream wraps around at the end of an epoch, reshuffled by epoch). */
    B next();

    /** Batches handed out so far (across epochs). */
    long position();

    /** Continues as if {@code position} batches had been handed out. */
    void seek(long position);

    /** Batches per epoch. */
    long batchesPerEpoch();

    /**
     * The mean tokens of a batch over an epoch, when batches differ so much in size that a few of them say
     * little about the rest (batches grouped by length); NaN otherwise. The trainer then plans a time budget
     * from the time per token of its timing steps rather than from their time per step.
     */
    default double meanTokensPerBatch() {
        return Double.NaN;
    }
}
