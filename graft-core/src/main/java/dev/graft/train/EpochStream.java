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

    /** Batches per pool when {@link #bucketedByLength} sorts by length (Hugging Face's {@code group_by_length}: 50). */
    public static final int POOL_BATCHES = 50;

    /**
     * One epoch of n items in batches of {@code batchSize}, bucketed by length to waste little on padding: the
     * epoch's seeded permutation is cut into pools of {@link #POOL_BATCHES} batches, each pool sorted by length
     * (ties in permutation order) and cut into batches, and the batches of the epoch are shuffled again
     * (fairseq's and AllenNLP's bucketing, Hugging Face's {@code group_by_length}). A function of seed and
     * epoch, so a resumed run sees the same batches.
     *
     * @param dropLast leave out the last partial batch (the permutation's last {@code n mod batchSize} items), as
     *                 {@code DataLoader(drop_last=True)}; otherwise it is the smallest batch, and every item is in
     *                 one. With fewer than {@code batchSize} items the one partial batch is kept either way.
     */
    public static int[][] bucketedByLength(int n, int batchSize, boolean dropLast, long seed, long epoch,
                                           java.util.function.IntUnaryOperator length) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        int[] permutation = shuffled(n, seed * 31 + epoch);
        int batches = dropLast && n >= batchSize ? n / batchSize : (n + batchSize - 1) / batchSize;
        int used = Math.min(n, dropLast && n >= batchSize ? batches * batchSize : n);
        int pool = batchSize * POOL_BATCHES;
        Integer[] boxed = new Integer[used];
        for (int i = 0; i < used; i++) {
            boxed[i] = permutation[i];
        }
        for (int s = 0; s < used; s += pool) {
            java.util.Arrays.sort(boxed, s, Math.min(used, s + pool),
                    (a, b) -> Integer.compare(length.applyAsInt(a), length.applyAsInt(b)));
        }
        int[][] cut = new int[batches][];
        for (int b = 0; b < batches; b++) {
            int start = b * batchSize;
            int count = Math.min(batchSize, used - start);
            cut[b] = new int[count];
            for (int i = 0; i < count; i++) {
                cut[b][i] = boxed[start + i];
            }
        }
        int[] order = shuffled(batches, seed * 31 + epoch + 0x5A17L);
        int[][] shuffledBatches = new int[batches][];
        for (int b = 0; b < batches; b++) {
            shuffledBatches[b] = cut[order[b]];
        }
        return shuffledBatches;
    }
}
