package dev.graft.serve;

import dev.graft.nn.Compute;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Where the server's forward passes run: {@code count} lanes, each a thread of its own with its own
 * {@link Compute} of {@code threadsPerLane} threads, running one batch at a time. The lanes are shared
 * by all models: a model's batcher takes a free lane for each batch it gathers, so with two lanes two
 * batches compute at once (of one model or two) while the requests of the next gather.
 *
 * <p>{@code graft serve --workers N} sets the lanes. Why lanes: a forward pass split over all threads (one lane) waits at every layer for its slowest
 * thread, and on a busy machine (HTTP threads, the clients) one thread is often late; and while one
 * batch computes, the requests that arrive meanwhile can only wait. Two one-thread lanes have no such
 * barrier and overlap one batch's answers with the next batch's compute. One lane of all threads gives
 * the lowest latency to a lone request. Results do not depend on the lanes: graft's kernels give the
 * same bits for any thread count, and each model keeps one set of weights per lane where its forward
 * pass is not safe to share ({@link ServedModel#runners}).
 */
final class Lanes implements AutoCloseable {
    /** One lane: its index (which of a model's runners it uses), its compute and its thread. */
    static final class Lane {
        final int index;
        final Compute compute;
        private final ExecutorService thread;

        private Lane(int index, int threads) {
            this.index = index;
            this.compute = Compute.create(threads);
            this.thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("graft-lane-" + index)
                    .daemon(true).unstarted(r));
        }
    }

    private final List<Lane> lanes = new ArrayList<>();
    private final ArrayBlockingQueue<Lane> free;
    /** Every batch runs under the read lock; tests take the write lock to hold all lanes still. */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);

    /** {@code count} lanes sharing {@code threads} compute threads (the first lanes take the remainder). */
    Lanes(int count, int threads) {
        if (count < 1 || threads < count) {
            throw new IllegalArgumentException(count + " workers need at least as many threads, got " + threads);
        }
        free = new ArrayBlockingQueue<>(count, true);
        for (int i = 0; i < count; i++) {
            Lane lane = new Lane(i, threads / count + (i < threads % count ? 1 : 0));
            lanes.add(lane);
            free.add(lane);
        }
    }

    int count() {
        return lanes.size();
    }

    /** The compute of lane {@code i}. */
    Compute compute(int i) {
        return lanes.get(i).compute;
    }

    /** Waits for a free lane (the longest waiting caller first). */
    Lane acquire() throws InterruptedException {
        return free.take();
    }

    /** Runs {@code batch} on the lane's thread, then frees the lane. */
    void run(Lane lane, Runnable batch) {
        lane.thread.execute(() -> {
            gate.readLock().lock();
            try {
                batch.run();
            } finally {
                gate.readLock().unlock();
                free.add(lane);
            }
        });
    }

    /** Held by tests to keep every batch from running (they then wait on its queued threads). */
    ReentrantReadWriteLock gate() {
        return gate;
    }

    /** Lets the batches already handed to the lanes finish (at most {@code millis}), then stops the threads. */
    boolean close(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, millis));
        boolean done = true;
        for (Lane lane : lanes) {
            lane.thread.shutdown();
        }
        try {
            for (Lane lane : lanes) {
                done &= lane.thread.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        for (Lane lane : lanes) {
            lane.compute.parallel().close();
        }
        return done;
    }

    @Override
    public void close() {
        close(TimeUnit.MINUTES.toMillis(1));
    }
}
