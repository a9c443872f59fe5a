package dev.graft.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Dynamic batching for one model: requests wait in a bounded queue; one thread takes the first,
 * gathers whatever else is queued (waiting for more until the first has waited {@code maxWait}),
 * up to a token budget, runs them as one forward pass ({@link ServedModel#run}, which sorts by
 * length) and hands each request its own results. A request never splits across batches; one
 * that would overflow the budget waits for the next batch; one larger than the budget runs alone.
 *
 * <p>A full queue refuses at once (429); a closed one refuses too (503). {@link #close} lets
 * everything already queued finish. If a batch fails, each of its requests is run again alone so
 * that one bad input fails only its own request. The forward passes of all models take turns on
 * {@code computeLock} (they share one thread pool).
 */
final class Batcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Batcher.class.getName());
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** One request's inputs. */
    static final class Job {
        final List<ServedModel.Input> inputs;
        final long tokens;
        final long enqueuedNanos = System.nanoTime();
        final CompletableFuture<List<Object>> result = new CompletableFuture<>();

        Job(List<ServedModel.Input> inputs) {
            this.inputs = inputs;
            long t = 0;
            for (ServedModel.Input in : inputs) {
                t += in.tokens();
            }
            this.tokens = t;
        }
    }

    private final ServedModel model;
    private final Metrics metrics;
    private final Lock computeLock;
    private final long maxBatchTokens;
    private final long maxWaitNanos;
    private final ArrayBlockingQueue<Job> queue;
    private final Object admission = new Object();
    private final Thread thread;
    private volatile boolean closing;
    private volatile Job carry; // written by the batcher thread only: taken from the queue, waits for the next batch

    Batcher(ServedModel model, ServeSettings settings, Metrics metrics, Lock computeLock) {
        this.model = model;
        this.metrics = metrics;
        this.computeLock = computeLock;
        this.maxBatchTokens = settings.maxBatchTokens();
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(settings.maxWaitMillis());
        this.queue = new ArrayBlockingQueue<>(settings.maxQueue());
        this.thread = Thread.ofPlatform().name("graft-batcher-" + model.name()).daemon(true).unstarted(this::loop);
        thread.start();
    }

    /** Requests waiting (not yet in a running batch). */
    int depth() {
        return queue.size() + (carry != null ? 1 : 0);
    }

    /** Queues a request; refuses at once when the queue is full (429) or closed (503). */
    CompletableFuture<List<Object>> submit(List<ServedModel.Input> inputs) {
        Job job = new Job(inputs);
        synchronized (admission) {
            if (closing) {
                throw new ApiError(503, ApiError.Kind.UNAVAILABLE, "the server is shutting down", null, null);
            }
            if (!queue.offer(job)) {
                throw new ApiError(429, ApiError.Kind.OVERLOADED, "model " + model.name() + " has "
                        + queue.size() + " requests queued, its limit: retry later", null, "queue_full");
            }
        }
        return job.result;
    }

    private void loop() {
        while (true) {
            Job first = carry;
            carry = null;
            if (first == null) {
                try {
                    first = queue.poll(IDLE_POLL_NANOS, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    first = queue.poll();
                }
            }
            if (first == null) {
                if (closing && queue.isEmpty()) {
                    return; // admission is closed: nothing more can arrive
                }
                continue;
            }
            runBatch(gather(first), false);
        }
    }

    /** The first job and what joins it: queued jobs within the budget, until the first has waited maxWait. */
    private List<Job> gather(Job first) {
        List<Job> jobs = new ArrayList<>();
        jobs.add(first);
        long tokens = first.tokens;
        long deadline = first.enqueuedNanos + maxWaitNanos;
        while (tokens < maxBatchTokens) {
            Job next = queue.poll();
            if (next == null) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || closing) {
                    break;
                }
                try {
                    next = queue.poll(remaining, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                if (next == null) {
                    break;
                }
            }
            if (tokens + next.tokens > maxBatchTokens) {
                carry = next;
                break;
            }
            jobs.add(next);
            tokens += next.tokens;
        }
        return jobs;
    }

    private void runBatch(List<Job> jobs, boolean retry) {
        long start = System.nanoTime();
        if (!retry) {
            for (Job j : jobs) {
                metrics.queued(model.name(), start - j.enqueuedNanos);
            }
        }
        List<ServedModel.Input> all = new ArrayList<>();
        long tokens = 0;
        int truncated = 0;
        for (Job j : jobs) {
            all.addAll(j.inputs);
            tokens += j.tokens;
            for (ServedModel.Input in : j.inputs) {
                truncated += in.truncated() ? 1 : 0;
            }
        }
        List<Object> results;
        try {
            results = compute(all);
        } catch (Throwable t) {
            if (jobs.size() > 1) {
                LOG.log(Level.WARNING, "a batch of " + jobs.size() + " requests to model " + model.name()
                        + " failed (" + t + "); running each alone");
                for (Job j : jobs) {
                    runBatch(List.of(j), true);
                }
            } else {
                fail(jobs.get(0), t);
            }
            return;
        }
        metrics.batch(model.name(), all.size(), tokens, System.nanoTime() - start);
        if (truncated > 0) {
            metrics.truncated(model.name(), truncated);
        }
        int at = 0;
        for (Job j : jobs) {
            int n = j.inputs.size();
            j.result.complete(List.copyOf(results.subList(at, at + n)));
            at += n;
        }
    }

    private List<Object> compute(List<ServedModel.Input> inputs) {
        computeLock.lock();
        try {
            List<Object> out = model.run(inputs);
            if (out.size() != inputs.size()) {
                throw new IllegalStateException(model.name() + " gave " + out.size() + " results for "
                        + inputs.size() + " inputs");
            }
            return out;
        } finally {
            computeLock.unlock();
        }
    }

    private void fail(Job job, Throwable t) {
        if (t instanceof IllegalArgumentException) {
            job.result.completeExceptionally(ApiError.badRequest("model " + model.name() + " cannot take this input: "
                    + t.getMessage()));
        } else {
            LOG.log(Level.SEVERE, "model " + model.name() + " failed on a request", t);
            job.result.completeExceptionally(new ApiError(500, ApiError.Kind.BACKEND, "model " + model.name()
                    + " failed: " + t, null, null));
        }
    }

    /** Refuses new requests, lets the queued ones finish, waits for the thread (at most {@code millis}). */
    @Override
    public void close() {
        close(Long.MAX_VALUE / 2);
    }

    boolean close(long millis) {
        synchronized (admission) {
            closing = true;
        }
        try {
            thread.join(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
