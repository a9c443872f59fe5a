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

    /**
     * Runs {@code body} over [0, n) in contiguous pieces on the pool's threads (one piece when n is below
     * {@link #ELEMENTWISE_GRAIN} or when already inside a parallel region): for element-wise passes, whose
     * results do not depend on how they are split.
     */
    public void elementwise(int n, Parallel.RangeBody body) {
        parallel.forRange(n, ELEMENTWISE_GRAIN, body);
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
