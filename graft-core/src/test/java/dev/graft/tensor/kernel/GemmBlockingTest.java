package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The GEMM blocking as a value passed to {@link VectorKernels}: odd block sizes (k blocks of 5,
 * one-sliver row blocks, one-panel column blocks, ...) still give the scalar reference's results
 * within float rounding, at 1 and 2 threads bit for bit; blockings that differ only in what is not kc
 * give the same bits; a weight packed under one blocking is refused by kernels with another. And
 * {@link VectorKernels} declares every {@link Kernels} method itself (no inherited scalar code).
 */
class GemmBlockingTest {
    private static final ScalarKernels SCALAR = new ScalarKernels();

    /** Blockings far from the defaults: every block boundary falls inside the test shapes. */
    private static final GemmBlocking[] ODD = {
        new GemmBlocking(5, 1, 1, 1, 1, false),
        new GemmBlocking(7, 2, 3, 2, 3, true),
        new GemmBlocking(13, 3, 2, 100, 1, true),
        new GemmBlocking(64, 1, 5, 3, 2, false),
    };

    /** Shapes (m, n, k) that take the packed path in every form, with edge slivers and panels. */
    private static final int[][] SHAPES = {
        {37, 99, 13}, {61, 99, 37}, {70, 131, 40}, {9, 200, 64}, {100, 37, 300}, {48, 96, 30},
    };

    private static Parallel one;
    private static Parallel two;

    @BeforeAll
    static void setUp() {
        one = new Parallel(1);
        two = new Parallel(2);
    }

    @AfterAll
    static void tearDown() {
        one.close();
        two.close();
    }

    private static float[] random(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    private static float maxAbs(float[] x) {
        float m = 0f;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(actual[i]) || Math.abs(expected[i] - actual[i]) > tol) {
                fail("%s: index %d expected %s but was %s (tolerance %s)", what, i, expected[i], actual[i], tol);
            }
        }
    }

    private static void assertSameBits(String what, float[] expected, float[] actual) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail("%s: index %d is %s, expected %s bit for bit", what, i, actual[i], expected[i]);
            }
        }
    }

    /** The three GEMM forms of {@code k} on one problem, C padded and offset, accumulating or not. */
    private static float[] gemm(Kernels k, int form, int m, int n, int kk, float[] a, float[] b, float[] c0,
                                boolean accumulate) {
        float[] c = c0.clone();
        int ldc = n + 2;
        switch (form) {
            case 0 -> k.matmul(m, n, kk, a, 3, kk + 1, b, 1, n + 3, c, 5, ldc, accumulate);
            case 1 -> k.matmulTransB(m, n, kk, a, 3, kk + 1, b, 1, kk + 3, c, 5, ldc, accumulate);
            default -> k.matmulTransA(m, n, kk, a, 3, m + 1, b, 1, n + 3, c, 5, ldc, accumulate);
        }
        return c;
    }

    @Test
    void oddBlockingsMatchTheScalarReferenceAndAreBitIdenticalForOneAndTwoThreads() {
        SplittableRandom r = new SplittableRandom(37);
        for (GemmBlocking blocking : ODD) {
            VectorKernels single = new VectorKernels(one, blocking);
            VectorKernels dual = new VectorKernels(two, blocking);
            assertThat(single.blocking()).isEqualTo(blocking);
            assertThat(single.gemmDescription()).contains("KC=" + blocking.kc());
            for (int[] s : SHAPES) {
                int m = s[0];
                int n = s[1];
                int kk = s[2];
                int rows = Math.max(m, kk);
                int cols = Math.max(n, kk);
                float[] a = random(r, 3 + rows * (rows + 1), 1.0);
                float[] b = random(r, 1 + cols * (cols + 3), 2.0);
                float[] c0 = random(r, 5 + m * (n + 2) + 3, 1.0);
                double tol = 1e-5 * kk * maxAbs(a) * maxAbs(b) + 1e-6;
                for (int form = 0; form < 3; form++) {
                    for (boolean accumulate : new boolean[] {false, true}) {
                        String what = blocking + " form " + form + " " + Arrays.toString(s)
                                + (accumulate ? " accumulate" : "");
                        float[] expected = gemm(SCALAR, form, m, n, kk, a, b, c0, accumulate);
                        float[] actual = gemm(single, form, m, n, kk, a, b, c0, accumulate);
                        assertClose(what, expected, actual, tol);
                        assertSameBits(what + ", 2 threads", actual, gemm(dual, form, m, n, kk, a, b, c0, accumulate));
                        for (int i = 0; i < 5; i++) {
                            assertThat(actual[i]).as(what + " before C").isEqualTo(c0[i]);
                        }
                    }
                }
            }
        }
    }

    /**
     * Only kc decides the order of the float operations: the row and column blocks, the walk order,
     * the row pieces and the balance of the column blocks do not change a bit.
     */
    @Test
    void blockingsThatDifferOnlyOutsideKcGiveTheSameBits() {
        SplittableRandom r = new SplittableRandom(38);
        GemmBlocking[] sameKc = {
            new GemmBlocking(256, 12, 36, 24, 4, true),
            new GemmBlocking(256, 1, 1, 1, 1, false),
            new GemmBlocking(256, 5, 3, 2, 7, true),
            new GemmBlocking(256, 40, 100, 1000, 2, false),
        };
        int m = 150;
        int n = 1300;
        int kk = 300;
        float[] a = random(r, 3 + kk * (kk + 1) + m * (Math.max(m, kk) + 1), 1.0);
        float[] b = random(r, 1 + n * (n + 3) + kk * (kk + 3), 1.0);
        float[] c0 = random(r, 5 + m * (n + 2) + 3, 1.0);
        for (int form = 0; form < 3; form++) {
            float[] expected = gemm(new VectorKernels(one, sameKc[0]), form, m, n, kk, a, b, c0, true);
            for (GemmBlocking blocking : sameKc) {
                for (Parallel p : new Parallel[] {one, two}) {
                    assertSameBits(blocking + " form " + form + ", " + p.threads() + " thread(s)", expected,
                            gemm(new VectorKernels(p, blocking), form, m, n, kk, a, b, c0, true));
                }
            }
        }
    }

    @Test
    void linearTransBAndAttentionUnderAnOddBlockingAreTheirCompositions() {
        SplittableRandom r = new SplittableRandom(39);
        GemmBlocking blocking = ODD[1];
        VectorKernels k = new VectorKernels(two, blocking);
        int m = 37;
        int n = 99;
        int kk = 13;
        float[] a = random(r, m * kk, 1.0);
        float[] w = random(r, n * kk, 0.5);
        float[] bias = random(r, n, 1.0);
        float[] res = random(r, m * n, 1.0);
        float[] expected = new float[m * n];
        SCALAR.linearTransB(m, n, kk, a, 0, kk, w, 0, kk, bias, 0, GeluForm.TANH, res, 0, n, expected, 0, n);
        float[] unpacked = new float[m * n];
        k.linearTransB(m, n, kk, a, 0, kk, w, 0, kk, bias, 0, GeluForm.TANH, res, 0, n, unpacked, 0, n);
        assertClose("linearTransB " + blocking, expected, unpacked, 1e-4);
        float[] packed = new float[m * n];
        k.linearTransB(m, a, 0, kk, k.packWeight(n, kk, w, 0, kk), bias, 0, GeluForm.TANH, res, 0, n, packed, 0, n);
        assertSameBits("linearTransB with a packed weight, " + blocking, unpacked, packed);

        // attention with the head size and the keys past several k blocks (kc = 7): the bits of its own
        // composition, whose P·V takes the direct path (t = 40, k not split) or the packed one (t = 99)
        for (int t : new int[] {40, 99}) {
            int d = 32;
            int ld = 3 * d;
            float[] x = random(r, t * ld, 1.0);
            float scale = 0.2f;
            float[] fused = new float[t * d];
            k.attention(t, d, scale, x, 0, d, 2 * d, ld, fused, 0, d, new float[k.attentionScratch(t, d)]);
            float[] sc = new float[t * t];
            float[] composed = new float[t * d];
            k.matmulTransB(t, t, d, x, d, ld, x, 0, ld, sc, 0, t, false);
            k.softmaxColumns(t, t, scale, sc, 0, t);
            k.matmulTransA(t, d, t, sc, 0, t, x, 2 * d, ld, composed, 0, d, false);
            assertSameBits("attention t=" + t + ", " + blocking, composed, fused);
            float[] reference = new float[t * d];
            SCALAR.attention(t, d, scale, x, 0, d, 2 * d, ld, reference, 0, d,
                    new float[SCALAR.attentionScratch(t, d)]);
            assertClose("attention t=" + t + " vs scalar, " + blocking, reference, fused, 2e-5);
        }
    }

    @Test
    void aWeightPackedUnderAnotherBlockingIsRefused() {
        float[] w = random(new SplittableRandom(40), 40 * 30, 1.0);
        VectorKernels tuned = new VectorKernels(one);
        VectorKernels odd = new VectorKernels(one, ODD[0]);
        Kernels.PackedWeight packed = odd.packWeight(40, 30, w, 0, 30);
        float[] c = new float[8 * 40];
        assertThatThrownBy(() -> tuned.linearTransB(8, w, 0, 30, packed, null, 0, null, null, 0, 0, c, 0, 40))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("another GEMM blocking").hasMessageContaining("pack it with the kernels");
        // the same blocking by value is accepted
        new VectorKernels(two, ODD[0]).linearTransB(8, w, 0, 30, packed, null, 0, null, null, 0, 0, c, 0, 40);
        assertThat(maxAbs(c)).isPositive();
    }

    @Test
    void blockSizesMustBePositive() {
        assertThatThrownBy(() -> new GemmBlocking(0, 12, 36, 24, 4, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kc = 0");
        assertThatThrownBy(() -> new GemmBlocking(256, 12, -1, 24, 4, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ncPanels = -1");
        assertThatThrownBy(() -> new VectorKernels(one, null)).isInstanceOf(NullPointerException.class);
        assertThat(GemmBlocking.defaults()).isEqualTo(new GemmBlocking(256, 12, 36, 24, 4, true));
        assertThat(new VectorKernels(one).blocking()).isEqualTo(GemmBlocking.defaults());
    }

    @Test
    void systemPropertiesOverrideTheDefaultsOneByOne() {
        String[] names = {"kc", "mcSlivers", "ncPanels", "widePanels", "rowPieces", "balancedColumns"};
        try {
            assertThat(KernelProvider.blockingFromSystemProperties()).isEqualTo(GemmBlocking.defaults());
            System.setProperty("graft.gemm.kc", " 192 ");
            System.setProperty("graft.gemm.balancedColumns", "false");
            assertThat(KernelProvider.blockingFromSystemProperties()).isEqualTo(new GemmBlocking(192, 12, 36, 24, 4, false));
            System.setProperty("graft.gemm.rowPieces", "0");
            assertThatThrownBy(KernelProvider::blockingFromSystemProperties).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("graft.gemm.rowPieces=0").hasMessageContaining("positive integer");
            System.setProperty("graft.gemm.rowPieces", "four");
            assertThatThrownBy(KernelProvider::blockingFromSystemProperties).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("graft.gemm.rowPieces=four");
            System.clearProperty("graft.gemm.rowPieces");
            System.setProperty("graft.gemm.balancedColumns", "no");
            assertThatThrownBy(KernelProvider::blockingFromSystemProperties).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("graft.gemm.balancedColumns=no").hasMessageContaining("true or false");
        } finally {
            for (String name : names) {
                System.clearProperty(KernelProvider.GEMM_PROPERTY_PREFIX + name);
            }
        }
    }

    /**
     * The properties reach the kernels through KernelProvider (what Compute.create and the CLI use), and
     * only there. (On a CPU whose vectors are narrower than 256 bits the provider picks the scalar
     * reference, which has no blocking; a bad property is refused either way.)
     */
    @Test
    void kernelProviderGivesVectorKernelsTheBlockingOfTheSystemProperties() {
        String forced = System.getProperty(KernelProvider.PROPERTY);
        boolean wide = new VectorKernels(one).supported();
        try {
            System.clearProperty(KernelProvider.PROPERTY);
            System.setProperty("graft.gemm.kc", "7");
            System.setProperty("graft.gemm.ncPanels", "2");
            Kernels k = KernelProvider.create(one);
            if (wide) {
                assertThat(k).isInstanceOf(VectorKernels.class);
                assertThat(((VectorKernels) k).blocking()).isEqualTo(new GemmBlocking(7, 12, 2, 24, 4, true));
            } else {
                assertThat(k).isInstanceOf(ScalarKernels.class);
            }
            System.setProperty("graft.gemm.kc", "-3");
            assertThatThrownBy(() -> KernelProvider.create(one)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("graft.gemm.kc=-3");
            System.clearProperty("graft.gemm.kc");
            System.clearProperty("graft.gemm.ncPanels");
            Kernels plain = KernelProvider.create(one);
            if (wide) {
                assertThat(((VectorKernels) plain).blocking()).isEqualTo(GemmBlocking.defaults());
            }
        } finally {
            System.clearProperty("graft.gemm.kc");
            System.clearProperty("graft.gemm.ncPanels");
            if (forced != null) {
                System.setProperty(KernelProvider.PROPERTY, forced);
            }
        }
    }

    /**
     * A kernel VectorKernels did not declare would be a compile error (it implements Kernels, extends
     * nothing); this also keeps it from regaining a superclass that could supply one.
     */
    @Test
    void vectorKernelsDeclaresEveryKernelItself() throws ReflectiveOperationException {
        assertThat(VectorKernels.class.getSuperclass()).isEqualTo(Object.class);
        List<String> missing = new ArrayList<>();
        int kernels = 0;
        for (Method m : Kernels.class.getMethods()) {
            if (!Modifier.isAbstract(m.getModifiers())) {
                continue;
            }
            kernels++;
            try {
                Method own = VectorKernels.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
                assertThat(Modifier.isAbstract(own.getModifiers())).as(m.getName()).isFalse();
            } catch (NoSuchMethodException e) {
                missing.add(m.getName() + Arrays.toString(m.getParameterTypes()));
            }
        }
        assertThat(kernels).isGreaterThan(20);
        assertThat(missing).as("Kernels methods VectorKernels does not declare").isEmpty();
    }
}
