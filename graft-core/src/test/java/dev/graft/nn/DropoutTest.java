package dev.graft.nn;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tensor.kernel.ScalarKernels;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dropout's masks: the documented counter-based stream (so a resumed run, or a run after the kernels
 * change, draws the masks an earlier run drew), the rate, and the same masks for any thread count
 * and for the scalar and vector kernels.
 */
class DropoutTest {
    private static final int N = 40_009; // several 4,096-element pieces and an odd tail

    /** The mask element i of call c, written out from the class comment, independently of the kernels. */
    private static boolean kept(long seed, long call, int i, float p) {
        long key = splitMix(seed ^ (call * 0x9E3779B97F4A7C15L));
        int top24 = (int) (splitMix(key + i) >>> 40);
        return top24 >= (int) Math.ceil(p * (1 << 24));
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static float[] input() {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) {
            x[i] = (float) Math.sin(0.37 * i) + 0.01f;
        }
        return x;
    }

    private static float[][] twoCalls(Compute compute, long seed, float p) {
        Dropout d = new Dropout(compute, p, seed);
        float[] x = input();
        float[] first = d.forward(x, N).clone();
        float[] second = d.forward(x, N).clone();
        return new float[][] {first, second};
    }

    @Test
    void masksFollowTheDocumentedStreamAtTheRate() {
        float p = 0.1f;
        long seed = 4011;
        float[] x = input();
        float[][] y;
        try (Parallel two = new Parallel(2)) {
            y = twoCalls(new Compute(KernelProvider.create(two), two), seed, p);
        }
        for (int call = 0; call < 2; call++) {
            int dropped = 0;
            for (int i = 0; i < N; i++) {
                float expected = kept(seed, call, i, p) ? x[i] * (1f / (1f - p)) : 0f;
                assertThat(y[call][i]).as("call %d element %d", call, i).isEqualTo(expected);
                dropped += y[call][i] == 0f ? 1 : 0;
            }
            // binomial(N, 0.1): standard deviation 60; 5 of them either side
            assertThat(dropped).as("call %d", call).isBetween(4001 - 300, 4001 + 300);
        }
        assertThat(y[0]).as("each call draws a new mask").isNotEqualTo(y[1]);
    }

    @Test
    void theSameMasksForAnyThreadCountAndForTheScalarKernels() {
        float[][] reference;
        try (Parallel one = new Parallel(1)) {
            reference = twoCalls(new Compute(new ScalarKernels(), one), 77, 0.25f);
        }
        for (int threads : new int[] {1, 2, 3}) {
            try (Parallel pool = new Parallel(threads)) {
                float[][] y = twoCalls(new Compute(KernelProvider.create(pool), pool), 77, 0.25f);
                assertThat(y[0]).as("%d threads, call 0", threads).containsExactly(reference[0]);
                assertThat(y[1]).as("%d threads, call 1", threads).containsExactly(reference[1]);
            }
        }
    }

    @Test
    void backwardMultipliesByTheLastMask() {
        try (Parallel two = new Parallel(2)) {
            Compute compute = new Compute(KernelProvider.create(two), two);
            Dropout d = new Dropout(compute, 0.3f, 5);
            float[] x = input();
            float[] y = d.forward(x, N).clone();
            float[] ones = new float[N];
            java.util.Arrays.fill(ones, 1f);
            float[] dx = d.backward(ones, N);
            for (int i = 0; i < N; i++) {
                assertThat(dx[i]).as("element %d", i).isEqualTo(y[i] == 0f ? 0f : 1f / 0.7f);
            }
        }
    }
}
