package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Where a MiniLM-sized GEMM loses against its micro-kernel: a benchmark program (not a test) that
 * times, interleaved pass by pass (thread CPU time), {@link GemmMicroKernels#kernel8} on operands that
 * stay in L1, then the same k block of the GEMM built up step by step: the sliver order over B panels
 * streamed from L2 into one fixed C tile, the same into the real C, the panel order (one B panel in
 * L1, the A slivers streamed from L2) into the real C, and the whole {@code linearTransB} with a
 * packed weight (packing A, both k blocks). Prints each one's GFLOP/s and its ratio to the L1 kernel
 * in the same pass (median and quartiles over the passes after the first five). From the repository
 * root, after {@code mvn -o -q -pl graft-core test-compile}:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx2g \
 *     -cp graft-core/target/classes:graft-core/target/test-classes \
 *     dev.graft.tensor.kernel.GemmLossBreakdown 30 1536
 * </pre>
 * Arguments: passes (default 30) and the GEMM's columns n (default 1536, MiniLM's intermediate
 * projection; 1152 for Q|K|V); rows 1160 (one batch of EmbedBench's), k 384. Needs 16-lane vectors.
 */
public final class GemmLossBreakdown {
    private GemmLossBreakdown() {
    }

    public static void main(String[] args) {
        int passes = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1536;
        int m = 1160;
        int k = 384;
        GemmBlocking blocking = KernelProvider.blockingFromSystemProperties();
        int kc = blocking.kc();
        int nr = GemmMicroKernels.NR;
        if (GemmMicroKernels.MR != 8 || n % nr != 0 || passes < 6) {
            throw new IllegalArgumentException("GemmLossBreakdown: got " + GemmMicroKernels.MR + "-row tiles, n = " + n
                    + ", " + passes + " passes; it needs the 8-row tile (a CPU with 16-lane vectors), n a multiple of "
                    + nr + " and at least 6 passes (5 are warm-up): arguments PASSES N, e.g. 30 1536");
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        VectorKernels kern = new VectorKernels(new Parallel(1), blocking);
        SplittableRandom rnd = new SplittableRandom(1);
        float[] a = MiniLmLayerGemms.rand(rnd, m * k);
        Kernels.PackedWeight w = kern.packWeight(n, k, MiniLmLayerGemms.rand(rnd, n * k), 0, k);
        float[] c = new float[m * n];
        int panels = n / nr;
        int slivers = m / 8;
        int aStride = VectorGemm.GemmTask.aStride(kc);
        int bStride = VectorGemm.GemmTask.bStride(kc);
        int mcSlivers = blocking.mcSlivers();
        float[] ap = MiniLmLayerGemms.rand(rnd, mcSlivers * aStride);
        float[] bp = MiniLmLayerGemms.rand(rnd, panels * bStride);
        float[] tile = new float[8 * nr];
        String[] names = {
            "kernel8, operands in L1",
            "sliver order, B from L2, one C tile",
            "sliver order, B from L2, real C",
            "panel order, A from L2, real C",
            "linearTransB, packed weight (k " + k + ")",
        };
        double[][] gflops = new double[names.length][passes];
        for (int pass = 0; pass < passes; pass++) {
            for (int j = 0; j < names.length; j++) {
                int which = (j + pass) % names.length;
                long t0 = mx.getCurrentThreadCpuTime();
                double flops = 2.0 * slivers * 8 * n * kc;
                switch (which) {
                    case 0 -> {
                        for (int r = 0; r < slivers * panels; r++) {
                            GemmMicroKernels.kernel8(kc, ap, 0, bp, 0, tile, 0, nr, false);
                        }
                    }
                    case 1, 2 -> {
                        for (int s = 0; s < slivers; s++) {
                            int ai = (s % mcSlivers) * aStride;
                            for (int q = 0; q < panels; q++) {
                                if (which == 1) {
                                    GemmMicroKernels.kernel8(kc, ap, ai, bp, q * bStride, tile, 0, nr, false);
                                } else {
                                    GemmMicroKernels.kernel8(kc, ap, ai, bp, q * bStride, c, s * 8 * n + q * nr, n, false);
                                }
                            }
                        }
                    }
                    case 3 -> {
                        for (int s0 = 0; s0 < slivers; s0 += mcSlivers) {
                            int s1 = Math.min(slivers, s0 + mcSlivers);
                            for (int q = 0; q < panels; q++) {
                                for (int s = s0; s < s1; s++) {
                                    GemmMicroKernels.kernel8(kc, ap, (s - s0) * aStride, bp, q * bStride, c,
                                            s * 8 * n + q * nr, n, false);
                                }
                            }
                        }
                    }
                    default -> {
                        kern.linearTransB(m, a, 0, k, w, null, 0, null, null, 0, 0, c, 0, n);
                        flops = 2.0 * m * n * k;
                    }
                }
                gflops[which][pass] = flops / (mx.getCurrentThreadCpuTime() - t0);
            }
        }
        System.out.printf(Locale.ROOT, "%d x %d x %d (%s), %d passes after 5 of warm-up%n", m, n, k,
                kern.gemmDescription(), passes - 5);
        for (int i = 0; i < names.length; i++) {
            double[] rate = Arrays.copyOfRange(gflops[i], 5, passes);
            double[] ratio = new double[passes - 5];
            for (int p = 5; p < passes; p++) {
                ratio[p - 5] = gflops[i][p] / gflops[0][p];
            }
            Arrays.sort(rate);
            Arrays.sort(ratio);
            int h = ratio.length;
            System.out.printf(Locale.ROOT, "%-42s %6.1f GFLOP/s   / L1 kernel %.3f (IQR %.3f-%.3f)%n", names[i],
                    rate[h / 2], ratio[h / 2], ratio[h / 4], ratio[3 * h / 4]);
        }
    }
}
