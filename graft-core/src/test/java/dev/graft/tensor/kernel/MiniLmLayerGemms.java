package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * The four GEMMs of one all-MiniLM-L6-v2 layer as {@code EncoderInference} runs them (packed weights,
 * fused epilogues: Q|K|V 1152 x 384, attention output 384 x 384 with residual, intermediate 1536 x
 * 384 with GELU, output 384 x 1536 with residual) on one batch of {@code probe.m} (default 1160)
 * tokens, random values. Loaded once per configuration by {@link GemmConfigAB}.
 */
public final class MiniLmLayerGemms implements DoubleSupplier {
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final VectorKernels kern = new VectorKernels(new Parallel(1), KernelProvider.blockingFromSystemProperties());
    private final int m;
    private final int[][] shapes = {{1152, 384}, {384, 384}, {1536, 384}, {384, 1536}};
    private final GeluForm[] acts = {null, null, GeluForm.ERF, null};
    private final float[][] a = new float[4][];
    private final Kernels.PackedWeight[] w = new Kernels.PackedWeight[4];
    private final float[][] bias = new float[4][];
    private final float[][] c = new float[4][];
    private final float[] res;

    public MiniLmLayerGemms() {
        m = Integer.getInteger("probe.m", 1160);
        SplittableRandom rnd = new SplittableRandom(1);
        res = rand(rnd, m * 384);
        for (int i = 0; i < 4; i++) {
            int n = shapes[i][0];
            int k = shapes[i][1];
            a[i] = rand(rnd, m * k);
            w[i] = kern.packWeight(n, k, rand(rnd, n * k), 0, k);
            bias[i] = rand(rnd, n);
            c[i] = new float[m * n];
        }
    }

    /** CPU nanoseconds of one pass over the four GEMMs. */
    @Override
    public double getAsDouble() {
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < 4; i++) {
            int n = shapes[i][0];
            int k = shapes[i][1];
            kern.linearTransB(m, a[i], 0, k, w[i], bias[i], 0, acts[i], i == 1 || i == 3 ? res : null, 0, 384,
                    c[i], 0, n);
        }
        return mx.getCurrentThreadCpuTime() - t0;
    }

    /** n uniform values in [-0.5, 0.5). */
    static float[] rand(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() - 0.5);
        }
        return x;
    }
}
