package dev.graft.bench;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tensor.kernel.Kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How each GEMM of a training step scales from 1 thread to N: the forward product, the input gradient and
 * the weight gradient of each of a transformer layer's linears (bert-mini's by default: Q/K/V fused 256 -> 768,
 * attention output 256 -> 256, feed-forward 256 -> 1024 and 1024 -> 256), at a batch of {@code rows} tokens.
 * Each case alternates bursts of calls at the two pools, eight rounds, and reports the median milliseconds at
 * each and their ratio.
 *
 * <pre>{@code java --add-modules jdk.incubator.vector -cp graft-core/target/classes dev.graft.bench.GemmScaling [rows] [threads]}</pre>
 *
 * A program, not a test: the figures depend on the machine and its load.
 */
public final class GemmScaling {
    /** {in, out} of the linears of one bert-mini layer. */
    static final int[][] LINEARS = {{256, 768}, {256, 256}, {256, 1024}, {1024, 256}};
    static final String[] NAMES = {"Q, K, V (256 -> 768)", "attention output (256 -> 256)",
            "feed-forward up (256 -> 1024)", "feed-forward down (1024 -> 256)"};

    private GemmScaling() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        try (Parallel one = new Parallel(1); Parallel many = new Parallel(threads)) {
            Kernels k1 = KernelProvider.create(one);
            Kernels kn = KernelProvider.create(many);
            GemmBench.warmUp(k1);
            GemmBench.warmUp(kn);
            System.out.printf(Locale.ROOT, "GEMMs of a training step, %d rows; median ms per call at 1 and %d "
                    + "threads (alternating bursts)%n", rows, threads);
            System.out.printf(Locale.ROOT, "| linear | GEMM | M x N x K | 1 thread | %d threads | speed-up |%n",
                    threads);
            System.out.println("|---|---|---|---:|---:|---:|");
            double sum1 = 0;
            double sumN = 0;
            for (int l = 0; l < LINEARS.length; l++) {
                int in = LINEARS[l][0];
                int out = LINEARS[l][1];
                // forward y = x·Wᵀ (NT); dx = dy·W (NN); dW = dyᵀ·x (TN)
                int[][] cases = {{0, rows, out, in}, {1, rows, in, out}, {2, out, in, rows}};
                String[] what = {"forward (NT)", "input gradient (NN)", "weight gradient (TN)"};
                for (int c = 0; c < cases.length; c++) {
                    double[] ms = time(k1, kn, cases[c][0], cases[c][1], cases[c][2], cases[c][3]);
                    sum1 += ms[0];
                    sumN += ms[1];
                    System.out.printf(Locale.ROOT, "| %s | %s | %d x %d x %d | %.3f | %.3f | %.2fx |%n", NAMES[l],
                            what[c], cases[c][1], cases[c][2], cases[c][3], ms[0], ms[1], ms[0] / ms[1]);
                }
            }
            System.out.printf(Locale.ROOT, "| **all** | | | %.3f | %.3f | **%.2fx** |%n", sum1, sumN, sum1 / sumN);
        }
    }

    /** Median ms of one call at each pool, in alternating bursts. */
    static double[] time(Kernels k1, Kernels kn, int form, int m, int n, int k) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        float[] a = GemmBench.uniform(random, m * k);
        float[] b = GemmBench.uniform(random, k * n);
        float[] c = new float[m * n];
        List<Long> t1 = new ArrayList<>();
        List<Long> tn = new ArrayList<>();
        // rounds of a burst at each pool in turn: a noisy neighbour slows both alike, and within a burst the
        // pool's threads are awake as they are in a training step
        for (int round = 0; round < 8; round++) {
            for (int p = 0; p < 2; p++) {
                Kernels kern = p == 0 ? k1 : kn;
                for (int rep = 0; rep < 12; rep++) {
                    long t0 = System.nanoTime();
                    switch (form) {
                        case 0 -> kern.matmulTransB(m, n, k, a, 0, k, b, 0, k, c, 0, n, false);
                        case 1 -> kern.matmul(m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
                        default -> kern.matmulTransA(m, n, k, a, 0, m, b, 0, n, c, 0, n, true);
                    }
                    long dt = System.nanoTime() - t0;
                    if (rep >= 2) {
                        (p == 0 ? t1 : tn).add(dt);
                    }
                }
            }
        }
        return new double[] {median(t1) / 1e6, median(tn) / 1e6};
    }

    private static double median(List<Long> xs) {
        long[] s = xs.stream().mapToLong(Long::longValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
