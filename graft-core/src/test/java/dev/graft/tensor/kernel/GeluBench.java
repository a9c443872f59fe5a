package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A benchmark program (not a test): the erfcc GELU ({@link Kernels#gelu}, training) against the fused
 * epilogue's division-free GELU ({@link VectorMath#fusedGeluErfRows}, inference) on 1160 x 1536
 * values (one MiniLM batch's intermediate activations), alternating rep by rep, median thread CPU
 * time. Run from the repository root after {@code mvn -o -q test-compile -pl graft-core}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp graft-core/target/classes:graft-core/target/test-classes \
 *     dev.graft.tensor.kernel.GeluBench
 * </pre>
 */
public final class GeluBench {
    private GeluBench() {
    }

    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int n = 1160 * 1536;
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 2);
        }
        float[] out = new float[n];
        int reps = 41;
        double[] erfcc = new double[reps];
        double[] fused = new double[reps];
        try (Parallel one = new Parallel(1)) {
            VectorKernels k = new VectorKernels(one);
            for (int rep = -10; rep < reps; rep++) {
                for (int j = 0; j < 2; j++) {
                    boolean f = (rep + j) % 2 == 0;
                    long t0 = mx.getCurrentThreadCpuTime();
                    if (f) {
                        VectorMath.fusedGeluErfRows(1, n, x, 0, 0, null, 0, out, 0, 0);
                    } else {
                        k.gelu(GeluForm.ERF, n, x, 0, out, 0);
                    }
                    long dt = mx.getCurrentThreadCpuTime() - t0;
                    if (rep >= 0) {
                        (f ? fused : erfcc)[rep] = dt;
                    }
                }
            }
        }
        Arrays.sort(erfcc);
        Arrays.sort(fused);
        double a = erfcc[reps / 2];
        double b = fused[reps / 2];
        System.out.printf(java.util.Locale.ROOT, "erfcc gelu %.2f ns/value, fused (division-free) %.2f ns/value: %.2fx%n",
                a / n, b / n, a / b);
    }
}
