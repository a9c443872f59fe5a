package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A check program, run by {@code KernelBoxingTest} in a JVM of its own: the bytes each vector kernel
 * allocates per call once C2 has compiled it, which should be 0. A vector kernel allocates in steady
 * state when C2 leaves a helper that takes or returns vectors as a call: the vectors are then boxed,
 * one object per vector. That is what to look for after restructuring a kernel (sharing a loop,
 * extracting a helper), since the bits stay the same and on a shared machine the slowdown is hard to
 * see in timings; thread allocation counts do not depend on the machine's load. Each kernel is warmed
 * up on BERT-mini-like shapes (several thousand calls), then measured over 50 calls (again, up to three
 * rounds, while it allocates), one kernel after the other in about the order of a training step, or in
 * the reverse order with {@code --reverse}. C2's choices depend on which caller's profile a shared
 * method collects first, so run it both ways. By hand, from the repository root after
 * {@code mvn -o -q test-compile -pl graft-core}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp graft-core/target/classes:graft-core/target/test-classes \
 *     dev.graft.tensor.kernel.KernelBoxingProbe [--reverse]
 * </pre>
 * It prints one line per kernel and exits with status 1 when any kernel still allocates. {@code KernelBoxingTest}
 * runs the training order in every build; the reverse order is for runs by hand (see that test for why).
 */
public final class KernelBoxingProbe {
    private static final int WARMUP_CALLS = 4000;
    private static final int MEASURED_CALLS = 50;
    /**
     * Warm-up and measurement rounds a kernel gets while it still allocates: C2 compiles in the
     * background, so on a loaded machine a kernel may still run interpreted or C1-compiled code after
     * its first warm-up; a kernel whose compiled code boxes allocates in every round.
     */
    private static final int ROUNDS = 3;

    private KernelBoxingProbe() {
    }

    public static void main(String[] args) throws ReflectiveOperationException {
        // com.sun.management.ThreadMXBean, by reflection: graft-core's module does not read jdk.management
        Object threads = ManagementFactory.getThreadMXBean();
        Method allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        for (int i = 0; i < 20_000; i++) {
            allocated.invoke(threads); // past reflection's first calls, which allocate
        }
        SplittableRandom r = new SplittableRandom(5);
        int t = 64;
        int h = 256;
        int ffn = 1024;
        int heads = 4;
        int d = h / heads;
        float[] x = random(r, t * h);
        float[] y = random(r, t * h);
        float[] out = new float[t * ffn];
        float[] w = random(r, ffn * h);
        float[] bias = random(r, ffn);
        float[] res = random(r, t * ffn);
        float[] gamma = random(r, h);
        float[] beta = random(r, h);
        float[] mean = new float[t];
        float[] rstd = new float[t];
        float[] dGamma = new float[h];
        float[] dBeta = new float[h];
        float[] logits = random(r, 30522);
        float[] dLogits = new float[30522];
        float[] m = new float[ffn * h];
        float[] v = new float[ffn * h];
        float[] qkv = random(r, t * 3 * h);
        float[] scores = new float[t * 80];
        try (Parallel one = new Parallel(1)) {
            VectorKernels k = new VectorKernels(one);
            float[] scratch = new float[k.attentionScratch(t, d)];
            Kernels.PackedWeight packed = k.packWeight(ffn, h, w, 0, h);
            Map<String, Runnable> kernels = new LinkedHashMap<>();
            kernels.put("layerNorm", () -> k.layerNorm(t, h, x, 0, gamma, 0, beta, 0, 1e-12f, out, 0, mean, rstd, 0));
            kernels.put("layerNormBackward", () -> k.layerNormBackward(t, h, y, 0, x, 0, gamma, 0, mean, rstd, 0,
                    out, 0, true, dGamma, dBeta, 0));
            kernels.put("softmax", () -> {
                for (int row = 0; row < t; row++) {
                    System.arraycopy(y, row * t, scores, row * t, t);
                    k.softmax(t, scores, row * t);
                }
            });
            kernels.put("crossEntropy", () -> k.crossEntropy(30522, logits, 0, 7, -100, 1f, dLogits, 0));
            kernels.put("softmaxColumns", () -> {
                System.arraycopy(y, 0, scores, 0, t * 80);
                k.softmaxColumns(t, 80, 0.125f, scores, 0, 80);
            });
            kernels.put("attention", () -> k.attention(t, d, 0.125f, qkv, 0, h, 2 * h, 3 * h, out, 0, h, scratch));
            kernels.put("add", () -> k.add(t * h, x, 0, y, 0, out, 0));
            kernels.put("mul", () -> k.mul(t * h, x, 0, y, 0, out, 0));
            kernels.put("dropout", () -> k.dropout(t * h, 12345L, 1_677_722, 1f / 0.9f, x, 0, y, 0, out, 0));
            kernels.put("axpy", () -> k.axpy(t * h, 0.5f, x, 0, out, 0));
            kernels.put("addBiasRows", () -> k.addBiasRows(t, ffn, bias, 0, out, 0));
            kernels.put("sumRowsInto", () -> k.sumRowsInto(t, ffn, res, 0, bias, 0));
            kernels.put("dot", () -> k.dot(t * h, x, 0, y, 0));
            kernels.put("softmaxBackward", () -> k.softmaxBackward(t * h, x, 0, y, 0, out, 0, true));
            for (GeluForm form : GeluForm.values()) {
                kernels.put("gelu " + form, () -> k.gelu(form, t * h, x, 0, out, 0));
                kernels.put("geluBackward " + form, () -> k.geluBackward(form, t * h, x, 0, y, 0, out, 0, true));
            }
            kernels.put("gemm NN small", () -> k.matmul(t, d, t, y, 0, t, x, 0, h, out, 0, d, false));
            kernels.put("gemm NT small", () -> k.matmulTransB(t, t, d, x, 0, h, y, 0, h, out, 0, t, false));
            kernels.put("gemm NN", () -> k.matmul(t, ffn, h, x, 0, h, w, 0, ffn, out, 0, ffn, false));
            kernels.put("gemm TN", () -> k.matmulTransA(h, h, t, x, 0, h, y, 0, h, m, 0, h, true));
            kernels.put("linearTransB bias residual", () -> k.linearTransB(t, ffn, h, x, 0, h, w, 0, h, bias, 0, null,
                    res, 0, ffn, out, 0, ffn));
            kernels.put("linearTransB GELU erf", () -> k.linearTransB(t, ffn, h, x, 0, h, w, 0, h, bias, 0, GeluForm.ERF,
                    null, 0, 0, out, 0, ffn));
            kernels.put("linearTransB packed GELU tanh", () -> k.linearTransB(t, x, 0, h, packed, bias, 0, GeluForm.TANH,
                    res, 0, ffn, out, 0, ffn));
            kernels.put("adamW", () -> k.adamW(ffn * h, w, 0, m, 0, m, v, 0, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.01f,
                    0.5f, 0.3f));
            List<Map.Entry<String, Runnable>> order = new ArrayList<>(kernels.entrySet());
            if (Arrays.asList(args).contains("--reverse")) {
                Collections.reverse(order);
            }
            // a measurement of nothing first, twice: the first one allocates itself
            order.add(0, Map.entry("(nothing)", () -> { }));
            order.add(0, Map.entry("(nothing)", () -> { }));
            boolean allocates = false;
            for (Map.Entry<String, Runnable> e : order) {
                Runnable kernel = e.getValue();
                long perCall = 0;
                for (int round = 0; round < ROUNDS && (round == 0 || perCall > 0); round++) {
                    for (int i = 0; i < WARMUP_CALLS; i++) {
                        kernel.run();
                    }
                    long before = (Long) allocated.invoke(threads);
                    for (int i = 0; i < MEASURED_CALLS; i++) {
                        kernel.run();
                    }
                    perCall = ((Long) allocated.invoke(threads) - before) / MEASURED_CALLS;
                }
                if (e.getKey().equals("(nothing)")) {
                    continue;
                }
                allocates |= perCall > 0;
                System.out.printf("%-32s %8d bytes per call%s%n", e.getKey(), perCall, perCall > 0 ? "  <- allocates" : "");
            }
            if (allocates) {
                System.exit(1);
            }
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
