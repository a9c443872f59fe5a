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
 * Where the server's forward passes run: {@code count} workers, each a thread of its own with its own
 * {@link Compute} of threads / count threads, running one batch at a time. The workers are shared
 * by all models: a model's batcher takes a free worker for each batch it gathers, so with two workers two
 * batches compute at once (of one model or two) while the requests of the next gather.
 *
 * <p>{@code graft serve --workers N} sets them. Why more than one: a forward pass split over all
 * threads (one worker) waits at every layer for its slowest thread, and on a busy machine (HTTP threads, the clients) one thread is often late; and while one
 * batch computes, the requests that arrive meanwhile can only wait. Two one-thread workers have no such
 * barrier and overlap one batch's answers with the next batch's compute. One worker of all threads gives
 * the lowest latency to a lone request. Results do not depend on the workers: graft's kernels give the
 * same bits for any thread count, and each model keeps one set of weights per worker where its forward
 * pass is not safe to share ({@link ServedModel#runners}).
 */
final class Workers implements AutoCloseable {
    /** One worker: its index (which of a model's runners it uses), its compute and its thread. */
    static final class Worker {
        final int index;
        final Compute compute;
        private final ExecutorService thread;

        private Worker(int index, int threads) {
            this.index = index;
            this.compute = Compute.create(threads);
            this.thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("graft-serve-worker-" + index)
                    .daemon(true).unstarted(r));
        }
    }

    private final List<Worker> workers = new ArrayList<>();
    private final ArrayBlockingQueue<Worker> free;
    /** Every batch runs under the read lock; tests take the write lock to hold all workers still. */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);

    /** {@code count} workers sharing {@code threads} compute threads (the first workers take the remainder). */
    Workers(int count, int threads) {
        if (count < 1 || threads < count) {
            throw new IllegalArgumentException(count + " workers need at least as many threads, got " + threads);
        }
        free = new ArrayBlockingQueue<>(count, true);
        for (int i = 0; i < count; i++) {
            Worker worker = new Worker(i, threads / count + (i < threads % count ? 1 : 0));
            workers.add(worker);
            free.add(worker);
        }
    }

    int count() {
        return workers.size();
    }

    /** The compute of worker {@code i}. */
    Compute compute(int i) {
        return workers.get(i).compute;
    }

    /** Waits for a free worker (the longest waiting caller first). */
    Worker acquire() throws InterruptedException {
        return free.take();
    }

    /** Runs {@code batch} on the worker's thread, then frees the worker. */
    void run(Worker worker, Runnable batch) {
        worker.thread.execute(() -> {
            gate.readLock().lock();
            try {
                batch.run();
            } finally {
                gate.readLock().unlock();
                free.add(worker);
            }
        });
    }

    /** Held by tests to keep every batch from running (they then wait on its queued threads). */
    ReentrantReadWriteLock gate() {
        return gate;
    }

    /** Lets the batches already handed to the workers finish (at most {@code millis}), then stops the threads. */
    boolean close(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, millis));
        boolean done = true;
        for (Worker worker : workers) {
            worker.thread.shutdown();
        }
        try {
            for (Worker worker : workers) {
                done &= worker.thread.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        for (Worker worker : workers) {
            worker.compute.parallel().close();
        }
        return done;
    }

    @Override
    public void close() {
        close(TimeUnit.MINUTES.toMillis(1));
    }
}
