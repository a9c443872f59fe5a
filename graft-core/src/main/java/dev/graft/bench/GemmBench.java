package dev.graft.bench;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tensor.kernel.Kernels;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the GEMM kernels at the shapes a small transformer uses: one attention head's scores
 * (128 x 128 x 64: 128 positions, head size 64), square 256³, 512³, 1024³ and M x N x K =
 * 2048 x 256 x 1024 (a batch of 2048 tokens through a 1024 -> 256 projection), each
 * in the three forms backprop needs: NN (C = A·B, e.g. dX = dY·W), NT (C = A·Bᵀ, the forward
 * pass x·Wᵀ) and TN (C = Aᵀ·B, e.g. dW = dYᵀ·X). Each case is warmed up, then timed over several
 * repetitions; the median is reported as GFLOP/s (2·M·N·K floating-point operations per call).
 *
 * <p>A program, not a test: the figures depend on the machine and its load. Compare them only with
 * another run made side by side (see {@code tools/bench/gemm_compare.sh}).
 */
public final class GemmBench {
    /** The benchmarked shapes, {M, N, K}. */
    public static final List<int[]> SHAPES = List.of(
            new int[] {128, 128, 64},
            new int[] {256, 256, 256},
            new int[] {512, 512, 512},
            new int[] {1024, 1024, 1024},
            new int[] {2048, 256, 1024});

    /** The GEMM forms, as named in the output. */
    public static final List<String> FORMS = List.of("NN", "NT", "TN");

    private static final double WARMUP_SECONDS = 0.4;
    private static final double MEASURE_SECONDS = 0.6;
    private static final int MIN_REPS = 7;
    private static final int MAX_REPS = 60;

    private GemmBench() {
    }

    /** One measured case. */
    public record Result(String form, int m, int n, int k, double medianGflops, double minGflops,
                         double maxGflops, int repetitions) {
    }

    /**
     * Runs every shape and form with the kernels {@link KernelProvider} chooses for a pool of
     * {@code threads} threads and prints a table to {@code out}.
     */
    public static void run(int threads, PrintStream out) {
        measure(threads, out);
    }

    /** As {@link #run}, also returning the results. */
    public static List<Result> measure(int threads, PrintStream out) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        try (Parallel parallel = new Parallel(threads)) {
            Kernels kernels = KernelProvider.create(parallel);
            out.println("GEMM benchmark: kernels " + kernels.name() + ", " + threads + " thread(s), Java "
                    + Runtime.version());
            out.println("  " + describe(kernels));
            out.println("  median of repetitions after warm-up; GFLOP/s = 2·M·N·K / time");
            long warm = System.nanoTime();
            boolean settled = warmUp(kernels);
            out.printf(Locale.ROOT, "  warm-up until the JIT settled: %.1f s%s%n", (System.nanoTime() - warm) / 1e9,
                    settled ? "" : " (still compiling after 30 s: the first rows may be low)");
            out.printf(Locale.ROOT, "%-4s %6s %6s %6s %10s %10s %10s %6s%n",
                    "form", "M", "N", "K", "median", "min", "max", "reps");
            List<Result> results = new ArrayList<>();
            for (int[] shape : SHAPES) {
                for (String form : FORMS) {
                    Result r = time(kernels, form, shape[0], shape[1], shape[2]);
                    results.add(r);
                    out.printf(Locale.ROOT, "%-4s %6d %6d %6d %10.1f %10.1f %10.1f %6d%n",
                            r.form(), r.m(), r.n(), r.k(), r.medianGflops(), r.minGflops(), r.maxGflops(),
                            r.repetitions());
                    out.flush();
                }
            }
            return results;
        }
    }

    private static String describe(Kernels kernels) {
        if (kernels.name().startsWith("vector")) {
            try {
                return (String) kernels.getClass().getMethod("gemmDescription").invoke(kernels);
            } catch (ReflectiveOperationException | LinkageError e) {
                return kernels.name();
            }
        }
        return "scalar reference GEMM (triple loop): expect the large shapes to take minutes";
    }

    /**
     * Runs every form on a few shapes (full and edge tiles, several k blocks, small and direct paths)
     * until the JIT has stopped compiling (its total compilation time unchanged over two rounds;
     * at least 2 s, at most 30 s), so that no measurement runs interpreted or C1-compiled Vector API
     * code, which is orders of magnitude slower. On a loaded machine C2 can take several seconds.
     *
     * @return whether compilation settled before the time limit
     */
    static boolean warmUp(Kernels kernels) {
        int[][] shapes = {{256, 256, 512}, {200, 120, 300}, {128, 128, 64}, {64, 64, 64}};
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        boolean monitored = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long last = -1;
        int quietRounds = 0;
        while (true) {
            for (int[] s : shapes) {
                for (String form : FORMS) {
                    time(kernels, form, s[0], s[1], s[2], 0.0, 0.0, 3, 3);
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long compiled = monitored ? jit.getTotalCompilationTime() : -1;
            quietRounds = compiled == last ? quietRounds + 1 : 0;
            last = compiled;
            if (elapsed >= 2.0 && (quietRounds >= 2 || !monitored)) {
                return true;
            }
            if (elapsed >= 30.0) {
                return false;
            }
        }
    }

    /** Times one form and shape: warm-up, then the median over several repetitions. */
    public static Result time(Kernels kernels, String form, int m, int n, int k) {
        return time(kernels, form, m, n, k, WARMUP_SECONDS, MEASURE_SECONDS, MIN_REPS, MAX_REPS);
    }

    private static Result time(Kernels kernels, String form, int m, int n, int k, double warmupSeconds,
                               double measureSeconds, int minReps, int maxReps) {
        SplittableRandom random = new SplittableRandom(42);
        float[] a = uniform(random, m * k);
        float[] b = uniform(random, k * n);
        float[] c = new float[m * n];
        Runnable call = switch (form) {
            case "NN" -> () -> kernels.matmul(m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
            case "NT" -> () -> kernels.matmulTransB(m, n, k, a, 0, k, b, 0, k, c, 0, n, false);
            case "TN" -> () -> kernels.matmulTransA(m, n, k, a, 0, m, b, 0, n, c, 0, n, false);
            default -> throw new IllegalArgumentException("unknown GEMM form " + form + ": use NN, NT or TN");
        };
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int warm = 0;
        while (warm < 3 || System.nanoTime() < warmEnd) {
            call.run();
            warm++;
        }
        List<Long> times = new ArrayList<>();
        long measureEnd = System.nanoTime() + (long) (measureSeconds * 1e9);
        while (times.size() < minReps || (System.nanoTime() < measureEnd && times.size() < maxReps)) {
            long t0 = System.nanoTime();
            call.run();
            times.add(System.nanoTime() - t0);
        }
        long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
        double flops = 2.0 * m * n * k;
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
        return new Result(form, m, n, k, flops / median, flops / sorted[sorted.length - 1], flops / sorted[0],
                sorted.length);
    }

    /** {@code n} values uniform in [-1, 1). */
    static float[] uniform(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** {@code GemmBench [threads...]}: runs the table for each thread count given (default 1). */
    public static void main(String[] args) {
        int[] threads = args.length == 0 ? new int[] {1} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int t : threads) {
            run(t, System.out);
        }
    }
}
