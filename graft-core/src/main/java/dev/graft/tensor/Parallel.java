package dev.graft.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * A small fixed pool that splits index ranges across threads. The calling thread takes the
 * first chunk itself. A call made from inside a worker (nested parallelism) runs inline, so
 * kernels may call {@link #forRange} without knowing whether they are already parallel.
 *
 * <p>Work is split into contiguous chunks by index, so which thread computes an element never
 * changes how it is computed: results do not depend on the thread count as long as kernels do
 * not split reductions.
 */
public final class Parallel implements AutoCloseable {
    /** A body over a half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final int threads;
    private final Worker[] workers;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("graft-worker-" + (i + 1));
            workers[i].start();
        }
    }

    /** A pool with one thread per available processor. */
    public static Parallel defaultPool() {
        return new Parallel(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) split into at most {@code threads} contiguous chunks; chunks are never
     * smaller than {@code grain} items (so tiny loops stay on one thread).
     */
    public void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks == 1 || INSIDE.get()) {
            body.run(0, n);
            return;
        }
        runOnAll(chunks, c -> body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    /**
     * Runs body over [0, n) cut into about {@code threads · piecesPerThread} contiguous pieces (never
     * smaller than {@code grain} items), handed out one at a time to whichever thread is free: when
     * one thread is slowed down (another process on its core), the others take more pieces instead
     * of waiting for it. Which thread runs a piece varies from call to call, so the body must not
     * depend on it (per-thread partial results need {@link #forEachChunk}).
     */
    public void forRangeDynamic(int n, int grain, int piecesPerThread, RangeBody body) {
        forRangeDynamic(n, grain, piecesPerThread, (participant, start, end) -> body.run(start, end));
    }

    /**
     * As {@link #forRangeDynamic(int, int, int, RangeBody)}, telling the body which participant runs
     * each piece: an index in [0, threads) that one thread keeps for the whole call, so a body may
     * use it to pick per-thread scratch space (never for results that must not depend on the split).
     */
    public void forRangeDynamic(int n, int grain, int piecesPerThread, ChunkBody body) {
        if (n <= 0) {
            return;
        }
        int pieces = (int) Math.min((long) threads * Math.max(1, piecesPerThread), Math.max(1, n / Math.max(1, grain)));
        if (pieces == 1 || threads == 1 || INSIDE.get()) {
            body.run(0, 0, n);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        runOnAll(Math.min(threads, pieces), c -> {
            for (int p = next.getAndIncrement(); p < pieces; p = next.getAndIncrement()) {
                body.run(c, (int) ((long) n * p / pieces), (int) ((long) n * (p + 1) / pieces));
            }
        });
    }

    /**
     * Runs task(0) on the calling thread and task(1) .. task(participants - 1) on the workers, waits
     * for all of them, then rethrows the first failure.
     */
    private void runOnAll(int participants, IntConsumer task) {
        Latch done = new Latch(participants - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int c = 1; c < participants; c++) {
            int id = c;
            workers[c - 1].submit(() -> {
                try {
                    task.accept(id);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        INSIDE.set(Boolean.TRUE);
        try {
            task.accept(0);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            INSIDE.set(Boolean.FALSE);
        }
        done.await();
        Throwable t = failure.get();
        if (t != null) {
            throw rethrow(t);
        }
    }

    /**
     * The end of a parallel region: the calling thread, done with its own chunk, spins a little (about
     * {@link #WAIT_SPINS} pauses, tens of microseconds) for the workers' chunks before it parks. The
     * chunks of a region end within microseconds of each other, and a parked thread costs a wake-up
     * (a system call, and on a virtual machine whose vCPU halted while idle, tens of microseconds more)
     * in every region: a CountDownLatch parked the caller at once.
     */
    static final class Latch {
        private final AtomicInteger pending;
        private volatile Thread waiter;

        Latch(int count) {
            pending = new AtomicInteger(count);
        }

        void countDown() {
            if (pending.decrementAndGet() == 0) {
                Thread w = waiter;
                if (w != null) {
                    java.util.concurrent.locks.LockSupport.unpark(w);
                }
            }
        }

        void await() {
            for (int i = 0; i < WAIT_SPINS; i++) {
                if (pending.get() == 0) {
                    return;
                }
                Thread.onSpinWait();
            }
            // waiter is set before pending is read again, and countDown reads waiter after its decrement
            // (both volatile): either this thread sees 0 or countDown sees the waiter and unparks it
            waiter = Thread.currentThread();
            while (pending.get() != 0) {
                java.util.concurrent.locks.LockSupport.park(this);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for workers");
                }
            }
        }
    }

    /** Pauses the calling thread spins at a region's end before it parks (a pause is 10-140 cycles). */
    static final int WAIT_SPINS = 2_000;

    /**
     * Throws a worker thread's failure {@code t} in the calling thread: a {@link RuntimeException} or
     * {@link Error} as it is, anything else wrapped in an {@link IllegalStateException}. Declared to
     * return one so callers can write {@code throw Parallel.rethrow(t)}.
     */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        throw new IllegalStateException(t);
    }

    /** Runs body for each chunk index in [0, chunks) with one chunk per call; used for per-thread partials. */
    public void forEachChunk(int n, int grain, ChunkBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (INSIDE.get()) {
            chunks = 1;
        }
        final int k = chunks;
        forRange(k, 1, (s, e) -> {
            for (int c = s; c < e; c++) {
                body.run(c, (int) ((long) n * c / k), (int) ((long) n * (c + 1) / k));
            }
        });
    }

    /** A body over chunk {@code chunk}, covering [start, end). */
    @FunctionalInterface
    public interface ChunkBody {
        void run(int chunk, int start, int end);
    }

    @Override
    public void close() {
        for (Worker w : workers) {
            w.shutdown();
        }
    }

    /** A daemon thread that spins briefly, then parks, waiting for one task at a time. */
    private static final class Worker extends Thread {
        private volatile Runnable task;
        private volatile boolean stopped;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        void submit(Runnable r) {
            task = r;
            java.util.concurrent.locks.LockSupport.unpark(this);
        }

        void shutdown() {
            stopped = true;
            java.util.concurrent.locks.LockSupport.unpark(this);
        }

        @Override
        public void run() {
            INSIDE.set(Boolean.TRUE);
            int idle = 0;
            while (!stopped) {
                Runnable r = task;
                if (r != null) {
                    task = null;
                    r.run();
                    idle = 0;
                } else if (idle < 20_000) {
                    idle++;
                    Thread.onSpinWait();
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(this, 200_000L);
                }
            }
        }
    }
}
