package dev.graft.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Dynamic batching for one model: requests wait in a bounded queue; the batcher's thread takes the
 * first, waits for a free {@link Workers worker}, gathers whatever else is queued (waiting for more until
 * the first has waited {@code maxWait}), up to a token budget, and hands the batch to the worker, which
 * runs it in forward passes of about {@link #ANSWER_CHUNK_TOKENS} tokens ({@link ServedModel#run}, which
 * sorts by length), handing each request its own results as soon as its piece is done; meanwhile the
 * batcher gathers the next batch for the next free worker. A request
 * never splits across batches; one that would overflow the budget waits for the next batch; one larger
 * than the budget runs alone.
 *
 * <p>A full queue refuses at once (429); a closed one refuses too (503). The queue counts the requests
 * not yet handed to a worker. {@link #close} lets everything already queued finish. If a batch fails,
 * each of its requests is run again alone so that one bad input fails only its own request.
 */
final class Batcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Batcher.class.getName());
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** One forward pass over a batch's inputs, on one worker's weights and compute. */
    @FunctionalInterface
    interface Runner {
        List<Object> run(List<ServedModel.Input> inputs);
    }

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
    private final List<Runner> runners;
    private final Metrics metrics;
    private final Workers workers;
    private final long maxBatchTokens;
    private final long maxWaitNanos;
    private final int maxQueue;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    /** Requests accepted and not yet handed to a worker (in the queue, or held by the batcher's thread). */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Batches handed to a worker and not finished. */
    private final AtomicInteger running = new AtomicInteger();
    private final Object admission = new Object();
    private final Thread thread;
    private volatile boolean closing;
    private Job carry; // the batcher thread's only: taken from the queue, waits for the next batch

    /**
     * @param runners the model's forward pass per worker ({@link ServedModel#runners})
     */
    Batcher(ServedModel model, List<Runner> runners, ServeSettings settings, Metrics metrics, Workers workers) {
        if (runners.size() != workers.count()) {
            throw new IllegalArgumentException(runners.size() + " runners for " + workers.count() + " workers");
        }
        this.model = model;
        this.runners = List.copyOf(runners);
        this.metrics = metrics;
        this.workers = workers;
        this.maxBatchTokens = settings.maxBatchTokens();
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(settings.maxWaitMillis());
        this.maxQueue = settings.maxQueue();
        this.thread = Thread.ofPlatform().name("graft-batcher-" + model.name()).daemon(true).unstarted(this::loop);
        thread.start();
    }

    /** Requests waiting (not yet in a running batch). */
    int depth() {
        return waiting.get();
    }

    /** Queues a request; refuses at once when the queue is full (429) or closed (503). */
    CompletableFuture<List<Object>> submit(List<ServedModel.Input> inputs) {
        Job job = new Job(inputs);
        synchronized (admission) {
            if (closing) {
                throw new ApiError(503, ApiError.Kind.UNAVAILABLE, "the server is shutting down", null, null);
            }
            if (waiting.get() >= maxQueue) {
                throw new ApiError(429, ApiError.Kind.OVERLOADED, "model " + model.name() + " has "
                        + waiting.get() + " requests queued, its limit: retry later", null, "queue_full");
            }
            waiting.incrementAndGet();
            queue.add(job);
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
            Workers.Worker worker;
            try {
                worker = workers.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(first, e);
                waiting.decrementAndGet();
                continue;
            }
            List<Job> jobs = gather(first);
            waiting.addAndGet(-jobs.size());
            running.incrementAndGet();
            Runner runner = runners.get(worker.index);
            workers.run(worker, () -> {
                try {
                    runBatch(runner, jobs, false);
                } finally {
                    running.decrementAndGet();
                }
            });
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

    /**
     * A batch is computed and answered in pieces of about this many tokens (at least one request each), in
     * arrival order: the requests answered first are sent again by their clients while the rest of the batch
     * computes, so that under load the next batch is queued when the worker is free, where a worker that
     * answered its whole batch at the end would wait for it. Measured with all-MiniLM-L6-v2 at 32 clients and
     * 2 workers: +8% requests/s (median of five alternating pairs) against answering whole batches; 128
     * tokens was slower, 384 and 512 no better (docs/PERFORMANCE.md, session 11). A request is never split.
     */
    static final long ANSWER_CHUNK_TOKENS = 256;

    private void runBatch(Runner runner, List<Job> jobs, boolean retry) {
        if (retry || jobs.size() == 1) {
            runChunk(runner, jobs, retry);
            return;
        }
        long now = System.nanoTime();
        for (Job j : jobs) {
            metrics.queued(model.name(), now - j.enqueuedNanos);
        }
        int from = 0;
        while (from < jobs.size()) {
            long tokens = 0;
            int to = from;
            while (to < jobs.size() && (to == from || tokens + jobs.get(to).tokens <= ANSWER_CHUNK_TOKENS)) {
                tokens += jobs.get(to).tokens;
                to++;
            }
            runChunk(runner, jobs.subList(from, to), true);
            from = to;
        }
    }

    private void runChunk(Runner runner, List<Job> jobs, boolean retry) {
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
            results = runner.run(all);
            if (results.size() != all.size()) {
                throw new IllegalStateException(model.name() + " gave " + results.size() + " results for "
                        + all.size() + " inputs");
            }
        } catch (Throwable t) {
            if (jobs.size() > 1) {
                LOG.log(Level.WARNING, "a batch of " + jobs.size() + " requests to model " + model.name()
                        + " failed (" + t + "); running each alone");
                for (Job j : jobs) {
                    runChunk(runner, List.of(j), true);
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
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, millis));
        synchronized (admission) {
            closing = true;
        }
        try {
            thread.join(Math.max(1, millis));
            while (running.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive() && running.get() == 0;
    }
}
