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
}
