package dev.graft.train;

import java.util.SplittableRandom;

/**
 * A {@link BatchStream} of a fixed number of batches per epoch whose batches are a function of the epoch and
 * their index in it (a seeded permutation, re-planned each epoch), so its only state is the position. A
 * subclass plans an epoch when the stream first reaches it and says what its batches are.
 *
 * @param <B> the batch type
 */
public abstract class EpochStream<B> implements BatchStream<B> {
    private final long perEpoch;
    private long position;
    private long plannedEpoch = -1;

    /** @param perEpoch batches per epoch, at least 1 */
    protected EpochStream(long perEpoch) {
        if (perEpoch < 1) {
            throw new IllegalArgumentException("an epoch needs at least one batch, got " + perEpoch);
        }
        this.perEpoch = perEpoch;
    }

    /** Prepares {@code epoch} (its permutation), before its first batch. */
    protected abstract void plan(long epoch);

    /** Batch {@code index} of {@code epoch}, which {@link #plan} prepared. */
    protected abstract B batch(long epoch, int index);

    @Override
    public final B next() {
        long epoch = position / perEpoch;
        int index = (int) (position % perEpoch);
        if (epoch != plannedEpoch) {
            plan(epoch);
            plannedEpoch = epoch;
        }
        position++;
        return batch(epoch, index);
    }

    @Override
    public final long position() {
        return position;
    }

    @Override
    public final void seek(long newPosition) {
        position = newPosition;
    }

    @Override
    public final long batchesPerEpoch() {
        return perEpoch;
    }

    /** A seeded Fisher-Yates permutation of [0, n). */
    public static int[] shuffled(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
