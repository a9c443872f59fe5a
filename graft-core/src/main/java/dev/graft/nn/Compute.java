package dev.graft.nn;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tensor.kernel.Kernels;

/** The kernels and the thread pool a model computes with, handed to every layer at construction. */
public record Compute(Kernels kernels, Parallel parallel) {

    /** Kernels chosen by {@link KernelProvider} over a new pool of {@code threads} threads. */
    public static Compute create(int threads) {
        Parallel p = new Parallel(threads);
        return new Compute(KernelProvider.create(p), p);
    }
}
