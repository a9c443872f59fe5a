package dev.graft.nn;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tensor.kernel.Kernels;

/**
 * The kernels and the thread pool a model computes with, handed to every layer at construction, and the
 * clock its layers report their phases to ({@link PhaseClock#OFF} unless given: {@code graft bench train
 * --phases}).
 */
public record Compute(Kernels kernels, Parallel parallel, PhaseClock clock) {

    public Compute {
        java.util.Objects.requireNonNull(clock, "clock");
    }

    /** Elements per piece of an element-wise pass, at least: 64 KB of floats, so small passes stay on one thread. */
    public static final int ELEMENTWISE_GRAIN = 1 << 14;

    /** Every piece of an element-wise pass but the last starts and ends at a multiple of this many elements. */
    public static final int ELEMENTWISE_ALIGNMENT = 64;

    /**
     * Runs {@code body} over [0, n) in contiguous pieces on the pool's threads (one piece when n is below
     * {@link #ELEMENTWISE_GRAIN} or when already inside a parallel region): for element-wise passes. The
     * pieces' bounds are multiples of {@link #ELEMENTWISE_ALIGNMENT}, a multiple of every vector length, so
     * a kernel computes each element on the same path (vector lanes or scalar tail) as in one call over
     * [0, n): the same bits whatever the split, even where the two paths differ.
     */
    public void elementwise(int n, Parallel.RangeBody body) {
        int a = ELEMENTWISE_ALIGNMENT;
        parallel.forRange((n + a - 1) / a, ELEMENTWISE_GRAIN / a, (s, e) -> body.run(s * a, Math.min(n, e * a)));
    }

    /** Kernels and pool, no phase clock. */
    public Compute(Kernels kernels, Parallel parallel) {
        this(kernels, parallel, PhaseClock.OFF);
    }

    /** Kernels chosen by {@link KernelProvider} over a new pool of {@code threads} threads. */
    public static Compute create(int threads) {
        Parallel p = new Parallel(threads);
        return new Compute(KernelProvider.create(p), p);
    }
}
