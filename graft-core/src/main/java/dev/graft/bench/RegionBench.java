package dev.graft.bench;

import dev.graft.tensor.Parallel;

import java.util.Arrays;
import java.util.Locale;

/**
 * What one parallel region costs beyond its work: the same two chunks of a fixed amount of arithmetic run
 * as one {@link Parallel#forRange} region on a pool of 2, and one after the other on the calling thread;
 * 20,000 regions a round, nine rounds, the median microseconds per region of each and their ratio. A
 * training step runs hundreds of regions; the ratio at small chunks is what each region's start and end cost.
 *
 * <pre>{@code java --add-modules jdk.incubator.vector -cp graft-core/target/classes dev.graft.bench.RegionBench [floats per chunk...]}</pre>
 *
 * A program, not a test: the figures depend on the machine and its load.
 */
public final class RegionBench {
    private static volatile float sink;

    private RegionBench() {
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {2_000, 20_000}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.println("| floats per chunk | 1 thread, µs per region | 2 threads (min-max) | speed-up |");
        System.out.println("|---:|---:|---:|---:|");
        try (Parallel pool = new Parallel(2)) {
            for (int work : sizes) {
                float[] x = new float[work * 2];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i % 7;
                }
                Parallel.RangeBody body = (s, e) -> {
                    float acc = 0;
                    for (int i = s * work; i < e * work; i++) {
                        acc += x[i] * 1.0001f;
                    }
                    sink = acc;
                };
                int rounds = 9;
                int regions = 20_000;
                double[] two = new double[rounds];
                double[] one = new double[rounds];
                for (int round = 0; round < rounds + 2; round++) {
                    long t0 = System.nanoTime();
                    for (int r = 0; r < regions; r++) {
                        pool.forRange(2, 1, body);
                    }
                    long t1 = System.nanoTime();
                    for (int r = 0; r < regions; r++) {
                        body.run(0, 1);
                        body.run(1, 2);
                    }
                    long t2 = System.nanoTime();
                    if (round >= 2) { // the first two rounds warm the JIT up
                        two[round - 2] = (t1 - t0) / 1e3 / regions;
                        one[round - 2] = (t2 - t1) / 1e3 / regions;
                    }
                }
                Arrays.sort(two);
                Arrays.sort(one);
                System.out.printf(Locale.ROOT, "| %,d | %.2f | %.2f (%.2f-%.2f) | %.2fx |%n", work, one[rounds / 2],
                        two[rounds / 2], two[0], two[rounds - 1], one[rounds / 2] / two[rounds / 2]);
            }
        }
    }
}
