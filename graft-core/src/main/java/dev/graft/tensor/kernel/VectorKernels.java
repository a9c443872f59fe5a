package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Kernels on the JDK Vector API. (Work in progress: methods not overridden fall back to the reference.) */
public class VectorKernels extends ScalarKernels implements KernelProvider.VectorCapable {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final Parallel parallel;

    public VectorKernels(Parallel parallel) {
        this.parallel = parallel;
    }

    @Override
    public String name() {
        return "vector-" + F.vectorBitSize();
    }

    @Override
    public boolean supported() {
        return F.vectorBitSize() >= 256;
    }
}
