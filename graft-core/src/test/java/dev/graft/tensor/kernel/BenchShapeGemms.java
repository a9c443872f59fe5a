package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * The training-side GEMMs of {@code graft bench gemm} at two of its shapes, 1024³ and M x N x K =
 * 2048 x 256 x 1024, in the three forms backprop uses (NN, NT, TN; B packed on every call), random
 * values. Loaded once per configuration by {@link GemmConfigAB} ({@code -Dprobe.runner=} this class).
 */
public final class BenchShapeGemms implements DoubleSupplier {
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final VectorKernels kern = new VectorKernels(new Parallel(1), KernelProvider.blockingFromSystemProperties());
    private final int[][] shapes = {{1024, 1024, 1024}, {2048, 256, 1024}};
    private final float[][] a = new float[2][];
    private final float[][] b = new float[2][];
    private final float[][] c = new float[2][];

    public BenchShapeGemms() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int i = 0; i < 2; i++) {
            int m = shapes[i][0];
            int n = shapes[i][1];
            int k = shapes[i][2];
            a[i] = MiniLmLayerGemms.rand(rnd, Math.max(m, k) * Math.max(m, k));
            b[i] = MiniLmLayerGemms.rand(rnd, Math.max(n, k) * Math.max(n, k));
            c[i] = new float[m * n];
        }
    }

    /** CPU nanoseconds of one pass: each shape in each form. */
    @Override
    public double getAsDouble() {
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < 2; i++) {
            int m = shapes[i][0];
            int n = shapes[i][1];
            int k = shapes[i][2];
            kern.matmul(m, n, k, a[i], 0, k, b[i], 0, n, c[i], 0, n, false);
            kern.matmulTransB(m, n, k, a[i], 0, k, b[i], 0, k, c[i], 0, n, false);
            kern.matmulTransA(m, n, k, a[i], 0, m, b[i], 0, n, c[i], 0, n, false);
        }
        return mx.getCurrentThreadCpuTime() - t0;
    }
}
