package dev.graft.spark.pretrain;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sum of the workers' parameter deltas, added up in one fixed binary tree over the worker indices whatever
 * order Spark delivers the partial sums in: node (level l, index i) is the sum of workers [i 2^l, (i+1) 2^l), made
 * as left child + right child (a child past the last worker is empty). Float addition is commutative but not
 * associative, so fixing the tree is what makes the sum, and the round, the same on every run and retry.
 * Used as the accumulator of {@code treeAggregate}: partial trees merge by inserting their nodes.
 */
final class DeltaSum implements Serializable {
    private final int workers;
    private final TreeMap<Long, float[]> nodes = new TreeMap<>();
    /** Each worker's losses of its inner steps, and its token count, by worker index. */
    private final TreeMap<Integer, double[]> losses = new TreeMap<>();
    private final TreeMap<Integer, Long> tokens = new TreeMap<>();
    /** Each worker's skipped steps and seconds (setup, inner steps, saving), by worker index. */
    private final TreeMap<Integer, Long> skipped = new TreeMap<>();
    private final TreeMap<Integer, double[]> seconds = new TreeMap<>();

    DeltaSum(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        this.workers = workers;
    }

    /** Adds one worker's result (the seqOp of treeAggregate). */
    DeltaSum add(WorkerResult r) {
        if (losses.containsKey(r.worker())) {
            throw new IllegalStateException("worker " + r.worker() + " was added twice");
        }
        losses.put(r.worker(), r.losses());
        tokens.put(r.worker(), r.tokens());
        skipped.put(r.worker(), r.skipped());
        seconds.put(r.worker(), r.seconds());
        insert(0, r.worker(), r.delta());
        return this;
    }

    /** Merges another partial sum into this one (the combOp of treeAggregate). */
    DeltaSum merge(DeltaSum other) {
        if (other.workers != workers) {
            throw new IllegalArgumentException("partial sums over " + workers + " and " + other.workers + " workers");
        }
        for (Map.Entry<Integer, double[]> e : other.losses.entrySet()) {
            if (losses.put(e.getKey(), e.getValue()) != null) {
                throw new IllegalStateException("worker " + e.getKey() + " was added twice");
            }
        }
        tokens.putAll(other.tokens);
        skipped.putAll(other.skipped);
        seconds.putAll(other.seconds);
        for (Map.Entry<Long, float[]> e : other.nodes.entrySet()) {
            insert((int) (e.getKey() >>> 32), (int) (long) e.getKey(), e.getValue());
        }
        return this;
    }

    private int rootLevel() {
        int level = 0;
        while ((1L << level) < workers) {
            level++;
        }
        return level;
    }

    private void insert(int level, int index, float[] value) {
        int root = rootLevel();
        while (level < root) {
            int sibling = index ^ 1;
            float[] combined;
            if ((long) sibling << level >= workers) {
                combined = value; // the sibling covers no worker: the parent is this node
            } else {
                float[] other = nodes.remove(key(level, sibling));
                if (other == null) {
                    nodes.put(key(level, index), value);
                    return;
                }
                float[] left = (index & 1) == 0 ? value : other;
                float[] right = (index & 1) == 0 ? other : value;
                combined = new float[left.length];
                for (int i = 0; i < combined.length; i++) {
                    combined[i] = left[i] + right[i];
                }
            }
            level++;
            index >>= 1;
            value = combined;
        }
        if (nodes.put(key(level, index), value) != null) {
            throw new IllegalStateException("the sum over all workers was made twice");
        }
    }

    private static long key(int level, int index) {
        return ((long) level << 32) | index;
    }

    /** True when every worker's delta is in. */
    boolean complete() {
        return losses.size() == workers && nodes.size() == 1 && nodes.firstKey() == key(rootLevel(), 0);
    }

    /** The sum of all workers' deltas. */
    float[] sum() {
        if (!complete()) {
            throw new IllegalStateException("only workers " + losses.keySet() + " of " + workers + " reported");
        }
        return nodes.firstEntry().getValue();
    }

    /** Worker {@code w}'s losses, one per inner step of the round. */
    double[] losses(int w) {
        return losses.get(w);
    }

    /** Inner steps skipped by all workers for a loss that was not finite. */
    long skipped() {
        long t = 0;
        for (long x : skipped.values()) {
            t += x;
        }
        return t;
    }

    /** Worker {@code w}'s seconds: setting up, inner steps, saving its state. */
    double[] seconds(int w) {
        return seconds.get(w);
    }

    long tokens() {
        long t = 0;
        for (long x : tokens.values()) {
            t += x;
        }
        return t;
    }
}
