package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every {@link VectorKernels} method against the {@link ScalarKernels} reference at sizes that are
 * not multiples of the vector length, with offsets and padded leading dimensions, and with a
 * tolerance scaled by the size of the reduction (as Lucene tests its vectorized utilities).
 */
class VectorKernelsTest {
    private static final int[] SIZES = {1, 3, 17, 33, 129, 257, 1000};

    private static Parallel one;
    private static Parallel two;
    private static VectorKernels vector;
    private static VectorKernels vectorTwoThreads;
    private static final ScalarKernels SCALAR = new ScalarKernels();

    @BeforeAll
    static void setUp() {
        one = new Parallel(1);
        two = new Parallel(2);
        vector = new VectorKernels(one);
        vectorTwoThreads = new VectorKernels(two);
        // the kernels are exact for any vector width; supported() only says whether they pay
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

    private static void assertClose(String what, float[] expected, float[] actual, double absTol, double relTol) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            if (Double.isNaN(e) || Double.isNaN(a) || Math.abs(e - a) > absTol + relTol * Math.abs(e)) {
                fail("%s: index %d expected %s but was %s (|diff| %s > %s)", what, i, e, a, Math.abs(e - a),
                        absTol + relTol * Math.abs(e));
            }
        }
    }

    // ================================================================= GEMM

    private enum Form { NN, NT, TN }

    private static final int[][] GEMM_SHAPES = {
            {1, 1, 1}, {1, 3, 17}, {3, 17, 1}, {17, 33, 3}, {33, 17, 129}, {129, 33, 17}, {17, 129, 33},
            {33, 129, 257}, {129, 129, 129}, {257, 33, 65}, {65, 257, 300}, {100, 1000, 20}, {1000, 3, 50},
            {128, 128, 64}, {11, 11, 8}, {64, 96, 600}, {40, 70, 513}, {8, 4200, 16}, {300, 40, 30},
            {5, 64, 1000}, {2, 300, 64},
            // edge panels of 16 to 31 columns (a 16-column group transposed in registers, the rest by element)
            {45, 59, 300}, {70, 48, 77}, {9, 50, 333}, {37, 37, 32},
            // wide C (at least WIDE_PANELS panels: walked sliver by sliver), partial last panel and sliver
            {37, 790, 300},
            // direct NN/TN path in 8 x 32 tiles: one attention head's P·V, a short last row group and
            // leftover columns, fewer than 8 rows
            {37, 32, 37}, {13, 70, 50}, {8, 64, 9}, {3, 40, 40}, {21, 96, 5}
    };

    /** Runs one GEMM form through the given kernels. */
    private static void gemm(Kernels k, Form form, int m, int n, int kk, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
        switch (form) {
            case NN -> k.matmul(m, n, kk, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, acc);
            case NT -> k.matmulTransB(m, n, kk, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, acc);
            case TN -> k.matmulTransA(m, n, kk, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, acc);
        }
    }

    /** A GEMM problem with its storage laid out for one form, optionally padded and offset. */
    private record Problem(Form form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                           int ldb, float[] c, int cOff, int ldc) {
        static Problem of(SplittableRandom r, Form form, int m, int n, int k, boolean padded) {
            int aRows = form == Form.TN ? k : m;
            int aCols = form == Form.TN ? m : k;
            int bRows = form == Form.NT ? n : k;
            int bCols = form == Form.NT ? k : n;
            int lda = aCols + (padded ? 3 : 0);
            int ldb = bCols + (padded ? 5 : 0);
            int ldc = n + (padded ? 2 : 0);
            int aOff = padded ? 7 : 0;
            int bOff = padded ? 11 : 0;
            int cOff = padded ? 5 : 0;
            float[] a = random(r, aOff + (aRows - 1) * lda + aCols + (padded ? 4 : 0), 1.0);
            float[] b = random(r, bOff + (bRows - 1) * ldb + bCols + (padded ? 4 : 0), 2.0);
            float[] c = random(r, cOff + (m - 1) * ldc + n + (padded ? 3 : 0), 1.0);
            return new Problem(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        }

        float[] run(Kernels kernels, boolean accumulate) {
            float[] out = c.clone();
            gemm(kernels, form, m, n, k, a, aOff, lda, b, bOff, ldb, out, cOff, ldc, accumulate);
            return out;
        }

        boolean inC(int index) {
            int rel = index - cOff;
            return rel >= 0 && rel / ldc < m && rel % ldc < n;
        }
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void gemmMatchesScalarAtOddSizesOffsetsAndLeadingDimensions(Form form) {
        SplittableRandom r = new SplittableRandom(1234 + form.ordinal());
        for (int[] s : GEMM_SHAPES) {
            for (boolean padded : new boolean[] {false, true}) {
                Problem p = Problem.of(r, form, s[0], s[1], s[2], padded);
                double tol = 1e-5 * p.k() * maxAbs(p.a()) * maxAbs(p.b()) + 1e-6;
                for (boolean accumulate : new boolean[] {false, true}) {
                    String what = form + " " + Arrays.toString(s) + (padded ? " padded" : "")
                            + (accumulate ? " accumulate" : "");
                    float[] expected = p.run(SCALAR, accumulate);
                    float[] actual = p.run(vector, accumulate);
                    assertClose(what, expected, actual, tol, 0);
                    for (int i = 0; i < actual.length; i++) {
                        if (!p.inC(i) && Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(p.c()[i])) {
                            fail("%s wrote outside C at index %d", what, i);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void gemmIsBitIdenticalForOneAndTwoThreads(Form form) {
        SplittableRandom r = new SplittableRandom(99 + form.ordinal());
        // row split, column split (few rows), direct path split by rows, k spanning several blocks
        int[][] shapes = {{200, 300, 129}, {16, 1000, 70}, {1000, 10, 200}, {96, 64, 700}, {257, 257, 257},
                {200, 800, 300}};
        for (int[] s : shapes) {
            Problem p = Problem.of(r, form, s[0], s[1], s[2], true);
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] single = p.run(vector, accumulate);
                float[] dual = p.run(vectorTwoThreads, accumulate);
                for (int i = 0; i < single.length; i++) {
                    if (Float.floatToRawIntBits(single[i]) != Float.floatToRawIntBits(dual[i])) {
                        fail("%s %s accumulate=%s: 1 thread gives %s, 2 threads %s at index %d", form,
                                Arrays.toString(s), accumulate, single[i], dual[i], i);
                    }
                }
                // and both agree with the reference
                assertClose(form + " " + Arrays.toString(s), p.run(SCALAR, accumulate), dual,
                        1e-5 * p.k() * maxAbs(p.a()) * maxAbs(p.b()), 0);
            }
        }
    }

    @Test
    void gemmWithZeroKClearsOrKeepsC() {
        float[] c = {1f, 2f, 3f, 4f};
        vector.matmul(2, 2, 0, new float[0], 0, 0, new float[0], 0, 2, c, 0, 2, true);
        assertThat(c).containsExactly(1f, 2f, 3f, 4f);
        vector.matmul(2, 2, 0, new float[0], 0, 0, new float[0], 0, 2, c, 0, 2, false);
        assertThat(c).containsExactly(0f, 0f, 0f, 0f);
    }

    @Test
    void gemmOnHandWorkedExample() {
        // [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = new float[4];
        vector.matmul(2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false);
        assertThat(c).containsExactly(19f, 22f, 43f, 50f);
        vector.matmulTransB(2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false); // A·Bᵀ = [17 23; 39 53]
        assertThat(c).containsExactly(17f, 23f, 39f, 53f);
        vector.matmulTransA(2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, true); // + Aᵀ·B = [26 30; 38 44]
        assertThat(c).containsExactly(43f, 53f, 77f, 97f);
    }

    @Test
    void gemmFormsOnHandWorkedExampleForBothKernels() {
        // A = [1 2; 3 4], B = [5 6; 7 8]: A·B = [19 22; 43 50], A·Bᵀ = [17 23; 39 53], Aᵀ·B = [26 30; 38 44]
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        for (Kernels k : new Kernels[] {SCALAR, vector}) {
            float[] c = new float[4];
            k.gemm(Kernels.GemmForm.NN, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false);
            assertThat(c).as(k.name()).containsExactly(19f, 22f, 43f, 50f);
            k.gemm(Kernels.GemmForm.NT, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false);
            assertThat(c).as(k.name()).containsExactly(17f, 23f, 39f, 53f);
            k.gemm(Kernels.GemmForm.TN, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, true);
            assertThat(c).as(k.name()).containsExactly(43f, 53f, 77f, 97f);
        }
    }

    // ================================================================= fused linear forward

    /**
     * Shapes for linearTransB, {m, n, k}: direct path, partial 8x32 tiles, several k blocks, one row,
     * wide C (walked sliver by sliver).
     */
    private static final int[][] LINEAR_SHAPES = {
            {1, 1, 1}, {3, 17, 5}, {1, 37, 99}, {37, 99, 1}, {37, 99, 33}, {99, 37, 300}, {33, 64, 257},
            {37, 99, 513}, {8, 32, 48}, {16, 64, 200}, {129, 70, 65}, {200, 384, 40}, {37, 790, 300}
    };

    /**
     * The unfused composition of linearTransB with the given kernels: GEMM, bias rows, GELU, residual.
     * The vector kernels' fused erf GELU is their division-free one ({@link VectorKernels#fusedGeluErfRows}),
     * not {@link Kernels#gelu}'s (see {@link #fusedGeluErfIsAccurate}).
     */
    private static void linearUnfused(Kernels k, int m, int n, int kk, float[] a, int aOff, int lda, float[] w,
                                      int wOff, int ldw, float[] bias, int biasOff, GeluForm act, float[] res,
                                      int resOff, int ldr, float[] c, int cOff, int ldc) {
        k.matmulTransB(m, n, kk, a, aOff, lda, w, wOff, ldw, c, cOff, ldc, false);
        for (int r = 0; r < m; r++) {
            if (bias != null) {
                k.addBiasRows(1, n, bias, biasOff, c, cOff + r * ldc);
            }
        }
        if (act != null) {
            for (int r = 0; r < m; r++) {
                if (act == GeluForm.ERF && k instanceof VectorKernels) {
                    VectorMath.fusedGeluErfRows(1, n, c, cOff + r * ldc, 0, null, 0, c, cOff + r * ldc, 0);
                } else {
                    k.gelu(act, n, c, cOff + r * ldc, c, cOff + r * ldc);
                }
            }
        }
        if (res != null) {
            for (int r = 0; r < m; r++) {
                k.add(n, c, cOff + r * ldc, res, resOff + r * ldr, c, cOff + r * ldc);
            }
        }
    }

    /** Each combination of bias, activation and residual: {bias?, act (0 none, 1 erf, 2 tanh), residual?}. */
    private static int[][] epilogueCombinations() {
        int[][] out = new int[12][];
        int i = 0;
        for (int bias = 0; bias < 2; bias++) {
            for (int act = 0; act < 3; act++) {
                for (int res = 0; res < 2; res++) {
                    out[i++] = new int[] {bias, act, res};
                }
            }
        }
        return out;
    }

    private static GeluForm act(int code) {
        return code == 0 ? null : code == 1 ? GeluForm.ERF : GeluForm.TANH;
    }

    @Test
    void linearTransBMatchesTheScalarCompositionAndTheVectorCompositionBitForBit() {
        SplittableRandom r = new SplittableRandom(77);
        for (int[] s : LINEAR_SHAPES) {
            int m = s[0];
            int n = s[1];
            int kk = s[2];
            for (boolean padded : new boolean[] {false, true}) {
                int lda = kk + (padded ? 3 : 0);
                int ldw = kk + (padded ? 5 : 0);
                int ldc = n + (padded ? 2 : 0);
                int ldr = n + (padded ? 7 : 0);
                int aOff = padded ? 7 : 0;
                int wOff = padded ? 11 : 0;
                int cOff = padded ? 5 : 0;
                int biasOff = padded ? 3 : 0;
                int resOff = padded ? 9 : 0;
                float[] a = random(r, aOff + (m - 1) * lda + kk + 4, 1.0);
                float[] w = random(r, wOff + (n - 1) * ldw + kk + 4, 1.5 / Math.sqrt(kk));
                float[] bias = random(r, biasOff + n + 2, 1.0);
                float[] res = random(r, resOff + (m - 1) * ldr + n + 3, 1.0);
                float[] c0 = random(r, cOff + (m - 1) * ldc + n + 3, 1.0);
                double tol = 1e-5 * kk * maxAbs(a) * maxAbs(w) + 1e-5;
                for (int[] e : epilogueCombinations()) {
                    float[] b = e[0] == 1 ? bias : null;
                    GeluForm act = act(e[1]);
                    float[] rr = e[2] == 1 ? res : null;
                    String what = "linearTransB " + Arrays.toString(s) + (padded ? " padded" : "") + " bias="
                            + (b != null) + " act=" + act + " residual=" + (rr != null);
                    float[] expected = c0.clone();
                    SCALAR.linearTransB(m, n, kk, a, aOff, lda, w, wOff, ldw, b, biasOff, act, rr, resOff, ldr,
                            expected, cOff, ldc);
                    float[] unfused = c0.clone();
                    linearUnfused(vector, m, n, kk, a, aOff, lda, w, wOff, ldw, b, biasOff, act, rr, resOff, ldr,
                            unfused, cOff, ldc);
                    for (VectorKernels k : new VectorKernels[] {vector, vectorTwoThreads}) {
                        float[] fused = c0.clone();
                        k.linearTransB(m, n, kk, a, aOff, lda, w, wOff, ldw, b, biasOff, act, rr, resOff, ldr,
                                fused, cOff, ldc);
                        assertClose(what, expected, fused, tol, 1e-5);
                        for (int i = 0; i < fused.length; i++) {
                            if (Float.floatToRawIntBits(fused[i]) != Float.floatToRawIntBits(unfused[i])) {
                                fail("%s (%s): fused %s but the unfused vector kernels give %s at index %d", what,
                                        k == vector ? "1 thread" : "2 threads", fused[i], unfused[i], i);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * A weight packed once gives what the unpacked call gives: bit for bit where that call takes the
     * packed GEMM path too, within the scalar tolerance everywhere (small shapes, where the unpacked
     * call takes the direct path), at 1 and 2 threads; more than one column block of B (n > NC) and
     * several k blocks; the packed weight is a snapshot of the array.
     */
    @Test
    void linearTransBWithAPackedWeightMatchesTheUnpackedCall() {
        SplittableRandom r = new SplittableRandom(78);
        int[][] shapes = Arrays.copyOf(LINEAR_SHAPES, LINEAR_SHAPES.length + 2);
        shapes[LINEAR_SHAPES.length] = new int[] {9, GemmMicroKernels.NR * GemmBlocking.defaults().ncPanels() + 37, 20};
        shapes[LINEAR_SHAPES.length + 1] = new int[] {70, 200, 2 * GemmBlocking.defaults().kc() + 3};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int kk = s[2];
            for (boolean padded : new boolean[] {false, true}) {
                int lda = kk + (padded ? 3 : 0);
                int ldw = kk + (padded ? 5 : 0);
                int ldc = n + (padded ? 2 : 0);
                int aOff = padded ? 7 : 0;
                int wOff = padded ? 11 : 0;
                int cOff = padded ? 5 : 0;
                float[] a = random(r, aOff + (m - 1) * lda + kk + 4, 1.0);
                float[] w = random(r, wOff + (n - 1) * ldw + kk + 4, 1.5 / Math.sqrt(kk));
                float[] bias = random(r, n, 1.0);
                float[] res = random(r, m * n, 1.0);
                float[] c0 = random(r, cOff + (m - 1) * ldc + n + 3, 1.0);
                double tol = 1e-5 * kk * maxAbs(a) * maxAbs(w) + 1e-5;
                String what = "packed linearTransB " + Arrays.toString(s) + (padded ? " padded" : "");
                float[] expected = c0.clone();
                SCALAR.linearTransB(m, n, kk, a, aOff, lda, w, wOff, ldw, bias, 0, GeluForm.ERF, res, 0, n, expected,
                        cOff, ldc);
                Kernels.PackedWeight scalarPacked = SCALAR.packWeight(n, kk, w, wOff, ldw);
                float[] scalarOut = c0.clone();
                SCALAR.linearTransB(m, a, aOff, lda, scalarPacked, bias, 0, GeluForm.ERF, res, 0, n, scalarOut, cOff,
                        ldc);
                assertThat(scalarOut).as(what + ", scalar").isEqualTo(expected);
                for (VectorKernels k : new VectorKernels[] {vector, vectorTwoThreads}) {
                    Kernels.PackedWeight packed = k.packWeight(n, kk, w, wOff, ldw);
                    assertThat(packed.outputs()).isEqualTo(n);
                    assertThat(packed.inputs()).isEqualTo(kk);
                    float[] unpacked = c0.clone();
                    k.linearTransB(m, n, kk, a, aOff, lda, w, wOff, ldw, bias, 0, GeluForm.ERF, res, 0, n, unpacked,
                            cOff, ldc);
                    float[] fromPacked = c0.clone();
                    k.linearTransB(m, a, aOff, lda, packed, bias, 0, GeluForm.ERF, res, 0, n, fromPacked, cOff, ldc);
                    assertClose(what, expected, fromPacked, tol, 1e-5);
                    boolean unpackedIsPacked = (long) m * n * kk >= VectorGemm.SMALL_NT_MACS && m >= 4
                            && n >= Lanes.L && kk >= 4;
                    if (unpackedIsPacked) {
                        for (int i = 0; i < fromPacked.length; i++) {
                            if (Float.floatToRawIntBits(fromPacked[i]) != Float.floatToRawIntBits(unpacked[i])) {
                                fail("%s (%s): packed weight gives %s, unpacked %s at index %d", what,
                                        k == vector ? "1 thread" : "2 threads", fromPacked[i], unpacked[i], i);
                            }
                        }
                    }
                    // a snapshot: changing the source array does not change the packed weight
                    float[] changed = w.clone();
                    java.util.Arrays.fill(changed, 0f);
                    Kernels.PackedWeight fromChanged = k.packWeight(n, kk, changed, wOff, ldw);
                    float[] again = c0.clone();
                    k.linearTransB(m, a, aOff, lda, packed, bias, 0, GeluForm.ERF, res, 0, n, again, cOff, ldc);
                    assertThat(again).as(what + " again").isEqualTo(fromPacked);
                    float[] zero = c0.clone();
                    k.linearTransB(m, a, aOff, lda, fromChanged, null, 0, null, null, 0, 0, zero, cOff, ldc);
                    assertThat(zero[cOff]).isEqualTo(0f);
                }
            }
        }
    }

    @Test
    void aPackedWeightIsRefusedByOtherKernels() {
        float[] w = {1, 2, 3, 4};
        float[] c = new float[2];
        Kernels.PackedWeight scalarPacked = SCALAR.packWeight(2, 2, w, 0, 2);
        Kernels.PackedWeight vectorPacked = vector.packWeight(2, 2, w, 0, 2);
        assertThatThrownBy(() -> vector.linearTransB(1, w, 0, 2, scalarPacked, null, 0, null, null, 0, 0, c, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("packed by other kernels");
        assertThatThrownBy(() -> SCALAR.linearTransB(1, w, 0, 2, vectorPacked, null, 0, null, null, 0, 0, c, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("packed by other kernels");
    }

    @Test
    void linearTransBOnAHandWorkedExample() {
        // x = [1 2], W = [[1 0] [0 1] [1 1]] (out, in), b = [0.5 -3 0], residual [10 20 30]
        float[] x = {1, 2};
        float[] w = {1, 0, 0, 1, 1, 1};
        float[] b = {0.5f, -3f, 0f};
        float[] res = {10, 20, 30};
        float[] c = new float[3];
        for (Kernels k : new Kernels[] {SCALAR, vector}) {
            k.linearTransB(1, 3, 2, x, 0, 2, w, 0, 2, b, 0, null, res, 0, 3, c, 0, 3);
            assertThat(c).containsExactly(11.5f, 19f, 33f);
            k.linearTransB(1, 3, 2, x, 0, 2, w, 0, 2, null, 0, null, null, 0, 0, c, 0, 3);
            assertThat(c).containsExactly(1f, 2f, 3f);
            // gelu(-1) = -0.158655..., gelu(0) = 0, gelu(3) = 2.99595...
            k.linearTransB(1, 3, 2, x, 0, 2, w, 0, 2, new float[] {-2f, -2f, 0f}, 0, GeluForm.ERF, null, 0, 0, c, 0, 3);
            assertThat(c[0]).isCloseTo(-0.15865525f, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(c[1]).isEqualTo(0f);
            assertThat(c[2]).isCloseTo(2.9959502f, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    // ================================================================= reductions

    @Test
    void dotAndSumOfSquaresMatchScalar() {
        SplittableRandom r = new SplittableRandom(7);
        for (int n : SIZES) {
            float[] x = random(r, n + 5, 1.0);
            float[] y = random(r, n + 9, 1.0);
            double bound = 0;
            for (int i = 0; i < n; i++) {
                bound += Math.abs((double) x[3 + i] * y[8 + i]);
            }
            assertThat((double) vector.dot(n, x, 3, y, 8))
                    .as("dot n=%d", n).isCloseTo(SCALAR.dot(n, x, 3, y, 8), org.assertj.core.data.Offset.offset(1e-6 * bound + 1e-7));
            double ss = SCALAR.sumOfSquares(n, x, 2);
            assertThat(vector.sumOfSquares(n, x, 2)).as("sumOfSquares n=%d", n)
                    .isCloseTo(ss, org.assertj.core.data.Offset.offset(1e-6 * ss + 1e-12));
        }
        assertThat(vector.dot(0, new float[0], 0, new float[0], 0)).isZero();
        assertThat(vector.sumOfSquares(0, new float[0], 0)).isZero();
    }

    @Test
    void dotIsReproducibleAcrossRepeatedCallsAndJitTiers() {
        // the first calls run interpreted, later ones compiled: a lane reduction in an unspecified
        // order (reduceLanes) can change the last bits between them
        SplittableRandom r = new SplittableRandom(11);
        float[] x = random(r, 1003, 1.0);
        float[] y = random(r, 1003, 1.0);
        int dotBits = Float.floatToRawIntBits(vector.dot(1001, x, 1, y, 2));
        long ssBits = Double.doubleToRawLongBits(vector.sumOfSquares(1001, x, 1));
        float[] row = random(r, 777, 4.0);
        float[] first = row.clone();
        vector.softmax(777, first, 0);
        for (int i = 0; i < 20_000; i++) {
            assertThat(Float.floatToRawIntBits(vector.dot(1001, x, 1, y, 2))).isEqualTo(dotBits);
            assertThat(Double.doubleToRawLongBits(vector.sumOfSquares(1001, x, 1))).isEqualTo(ssBits);
            if (i % 100 == 0) {
                float[] again = row.clone();
                vector.softmax(777, again, 0);
                assertThat(again).containsExactly(first);
            }
        }
    }

    @Test
    void sumRowsIntoAndAddBiasRowsMatchScalar() {
        SplittableRandom r = new SplittableRandom(3);
        for (int n : SIZES) {
            for (int rows : new int[] {1, 3, 40}) {
                float[] dy = random(r, 4 + rows * n, 1.0);
                float[] expected = random(r, n + 2, 1.0);
                float[] actual = expected.clone();
                SCALAR.sumRowsInto(rows, n, dy, 4, expected, 2);
                vector.sumRowsInto(rows, n, dy, 4, actual, 2);
                assertClose("sumRowsInto rows=" + rows + " n=" + n, expected, actual, 1e-6 * rows, 1e-6);

                float[] out = random(r, 3 + rows * n, 1.0);
                float[] outV = out.clone();
                float[] bias = random(r, n + 1, 1.0);
                SCALAR.addBiasRows(rows, n, bias, 1, out, 3);
                vector.addBiasRows(rows, n, bias, 1, outV, 3);
                assertThat(outV).as("addBiasRows rows=%d n=%d", rows, n).containsExactly(out);
            }
        }
    }

    // ================================================================= element-wise

    @Test
    void elementWiseKernelsMatchScalar() {
        SplittableRandom r = new SplittableRandom(5);
        for (int n : SIZES) {
            float[] x = random(r, n + 3, 2.0);
            float[] y = random(r, n + 6, 2.0);

            float[] ys = y.clone();
            float[] yv = y.clone();
            SCALAR.axpy(n, 0.37f, x, 3, ys, 6);
            vector.axpy(n, 0.37f, x, 3, yv, 6);
            assertClose("axpy n=" + n, ys, yv, 1e-6, 1e-6);

            float[] outS = new float[n + 1];
            float[] outV = new float[n + 1];
            SCALAR.add(n, x, 3, y, 6, outS, 1);
            vector.add(n, x, 3, y, 6, outV, 1);
            assertThat(outV).as("add n=%d", n).containsExactly(outS);

            SCALAR.mul(n, x, 3, y, 6, outS, 1);
            vector.mul(n, x, 3, y, 6, outV, 1);
            assertThat(outV).as("mul n=%d", n).containsExactly(outS);

            // aliasing: out is a
            float[] aliasS = x.clone();
            float[] aliasV = x.clone();
            SCALAR.add(n, aliasS, 3, y, 6, aliasS, 3);
            vector.add(n, aliasV, 3, y, 6, aliasV, 3);
            assertThat(aliasV).as("add in place n=%d", n).containsExactly(aliasS);

            // dropout: the same mask bits and products (the vector hash on 512-bit machines)
            float[] maskS = new float[n + 2];
            float[] maskV = new float[n + 2];
            long key = 0x9E3779B97F4A7C15L * (n + 1);
            SCALAR.dropout(n, key, 1_677_722, 1f / 0.9f, x, 3, maskS, 2, outS, 1);
            vector.dropout(n, key, 1_677_722, 1f / 0.9f, x, 3, maskV, 2, outV, 1);
            assertThat(maskV).as("dropout mask n=%d", n).containsExactly(maskS);
            assertThat(outV).as("dropout n=%d", n).containsExactly(outS);

            float[] xs = x.clone();
            float[] xv = x.clone();
            SCALAR.scale(n, -1.5f, xs, 2);
            vector.scale(n, -1.5f, xv, 2);
            assertThat(xv).as("scale n=%d", n).containsExactly(xs);
        }
    }

    // ================================================================= softmax

    @Test
    void softmaxMatchesScalar() {
        SplittableRandom r = new SplittableRandom(13);
        for (int n : SIZES) {
            float[] x = random(r, n + 4, 8.0);
            float[] s = x.clone();
            float[] v = x.clone();
            SCALAR.softmax(n, s, 4);
            vector.softmax(n, v, 4);
            assertClose("softmax n=" + n, s, v, 1e-7, 2e-6);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += v[4 + i];
            }
            assertThat(sum).as("softmax sums to one, n=%d", n).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void softmaxHandlesNegativeInfinityAndFullyMaskedRows() {
        float ninf = Float.NEGATIVE_INFINITY;
        float[] x = new float[37];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 3 == 0) ? ninf : (float) Math.sin(i);
        }
        float[] s = x.clone();
        float[] v = x.clone();
        SCALAR.softmax(37, s, 0);
        vector.softmax(37, v, 0);
        assertClose("softmax with -inf", s, v, 1e-7, 2e-6);
        for (int i = 0; i < 37; i += 3) {
            assertThat(v[i]).isZero();
        }
        float[] masked = new float[19];
        Arrays.fill(masked, ninf);
        vector.softmax(19, masked, 0);
        assertThat(masked).containsOnly(0f);
        // a single huge negative next to zero: exp underflows to 0, no NaN
        float[] extreme = {0f, -1e30f, -100f, 5f};
        vector.softmax(4, extreme, 0);
        assertThat(extreme[1]).isZero();
        assertThat(extreme[0] + extreme[2] + extreme[3]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    /**
     * softmaxColumns against the scalar reference at odd shapes with an offset and a padded leading
     * dimension (entries outside the block untouched), columns that are partly and wholly -inf; and
     * the scalar reference against the row softmax of the scaled, transposed block.
     */
    @Test
    void softmaxColumnsMatchesScalarAndTheRowSoftmax() {
        SplittableRandom r = new SplittableRandom(19);
        float ninf = Float.NEGATIVE_INFINITY;
        for (int rows : new int[] {1, 3, 17, 33, 37, 129}) {
            for (int cols : new int[] {1, 3, 16, 17, 33, 48, 129}) {
                int ld = cols + 5;
                int off = 3;
                float[] x = random(r, off + rows * ld + 2, 8.0);
                for (int i = 0; i < rows; i++) {
                    if (cols > 2) {
                        x[off + i * ld + 2] = ninf; // column 2 wholly -inf
                    }
                    if (i % 4 == 1) {
                        x[off + i * ld] = ninf; // column 0 partly -inf
                    }
                }
                float scale = 0.17677669f;
                float[] s = x.clone();
                float[] v = x.clone();
                SCALAR.softmaxColumns(rows, cols, scale, s, off, ld);
                vector.softmaxColumns(rows, cols, scale, v, off, ld);
                String what = "softmaxColumns " + rows + " x " + cols;
                assertClose(what, s, v, 1e-7, 2e-6);
                for (int i = 0; i < x.length; i++) {
                    int j = (i - off) % ld;
                    if (i < off || i >= off + rows * ld || j >= cols) {
                        assertThat(v[i]).as(what + " outside the block at " + i).isEqualTo(x[i]);
                    }
                }
                for (int j = 0; j < cols; j++) {
                    double sum = 0;
                    float[] row = new float[rows];
                    for (int i = 0; i < rows; i++) {
                        sum += v[off + i * ld + j];
                        row[i] = (float) (x[off + i * ld + j] * (double) scale);
                    }
                    boolean empty = j == 2;
                    assertThat(sum).as(what + " column " + j + " sums").isCloseTo(empty ? 0.0 : 1.0,
                            org.assertj.core.data.Offset.offset(1e-5));
                    SCALAR.softmax(rows, row, 0);
                    for (int i = 0; i < rows; i++) {
                        assertThat((double) s[off + i * ld + j]).as(what + " scalar vs row softmax")
                                .isCloseTo(row[i], org.assertj.core.data.Offset.offset(1e-6 + 1e-5 * row[i]));
                    }
                }
            }
        }
    }

    /**
     * attention (one head, one sequence) against the composition it is defined as, on the same
     * kernels: bit for bit where the composition's products run on the register tiles, within
     * rounding where its small Sᵀ takes the dot-product path; at sequence lengths around the tile sizes (8 keys, 16 and 32 queries) and
     * past one k block of P·V (300 > KC), head sizes 16, 32 (MiniLM), 48 (a last 16-wide tile) and 24
     * (not a multiple of the vector: the composition itself), Q, K, V interleaved in rows of an odd
     * width at an offset, the output at an offset in wider rows (entries around it untouched); and
     * against the scalar reference within float rounding. The scratch is filled with garbage first.
     */
    @Test
    void attentionIsItsCompositionBitForBit() {
        SplittableRandom r = new SplittableRandom(23);
        for (int d : new int[] {16, 24, 32, 48}) {
            for (int t : new int[] {1, 5, 8, 13, 16, 17, 31, 37, 64, 99, 300}) {
                int ld = 3 * d + 7;
                int off = 5;
                float[] x = random(r, off + t * ld + 3, 1.5);
                int q = off;
                int k = off + d + 2;
                int v = off + 2 * d + 4;
                float scale = (float) (1 / Math.sqrt(d));
                int ldo = d + 9;
                int outOff = 4;
                float[] init = random(r, outOff + t * ldo + 2, 1.0);
                String what = "attention t=" + t + " d=" + d;

                float[] fused = init.clone();
                float[] scratch = random(r, vector.attentionScratch(t, d), 1e6);
                vector.attention(t, d, scale, x, q, k, v, ld, fused, outOff, ldo, scratch);

                float[] composed = init.clone();
                int lds = t + 3;
                float[] sc = new float[t * lds];
                vector.matmulTransB(t, t, d, x, k, ld, x, q, ld, sc, 0, lds, false);
                vector.softmaxColumns(t, t, scale, sc, 0, lds);
                vector.matmulTransA(t, d, t, sc, 0, lds, x, v, ld, composed, outOff, ldo, false);
                // the composition's Sᵀ takes the register tiles (the packed path) from 13,824 multiply-adds
                // and 16 queries; below that, lane-summed dot products: the same values up to rounding
                if ((long) t * t * d >= 24 * 24 * 24 && t >= 16) {
                    for (int i = 0; i < fused.length; i++) {
                        if (Float.floatToRawIntBits(fused[i]) != Float.floatToRawIntBits(composed[i])) {
                            fail("%s: index %d is %s, the composition gives %s", what, i, fused[i], composed[i]);
                        }
                    }
                } else {
                    assertClose(what + " vs the composition", composed, fused, 1e-6, 1e-5);
                }
                for (int i = 0; i < fused.length; i++) {
                    int j = (i - outOff) % ldo;
                    if (i < outOff || i >= outOff + t * ldo || j >= d) {
                        assertThat(fused[i]).as(what + " outside the output at " + i).isEqualTo(init[i]);
                    }
                }

                float[] reference = init.clone();
                SCALAR.attention(t, d, scale, x, q, k, v, ld, reference, outOff, ldo,
                        new float[SCALAR.attentionScratch(t, d)]);
                assertClose(what + " vs scalar", reference, fused, 2e-6, 2e-5);
            }
        }
    }

    @Test
    void softmaxBackwardMatchesScalar() {
        SplittableRandom r = new SplittableRandom(17);
        for (int n : SIZES) {
            float[] y = random(r, n + 1, 4.0);
            SCALAR.softmax(n, y, 1);
            float[] dy = random(r, n + 2, 1.0);
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] dx = random(r, n + 3, 1.0);
                float[] s = dx.clone();
                float[] v = dx.clone();
                SCALAR.softmaxBackward(n, y, 1, dy, 2, s, 3, accumulate);
                vector.softmaxBackward(n, y, 1, dy, 2, v, 3, accumulate);
                assertClose("softmaxBackward n=" + n, s, v, 1e-6, 1e-5);
            }
            // dx aliasing dy
            float[] s = dy.clone();
            float[] v = dy.clone();
            SCALAR.softmaxBackward(n, y, 1, s, 2, s, 2, false);
            vector.softmaxBackward(n, y, 1, v, 2, v, 2, false);
            assertClose("softmaxBackward in place n=" + n, s, v, 1e-6, 1e-5);
        }
    }

    // ================================================================= layer norm

    @Test
    void layerNormForwardAndBackwardMatchScalar() {
        SplittableRandom r = new SplittableRandom(19);
        for (int n : SIZES) {
            int rows = 3;
            float[] x = random(r, 2 + rows * n, 3.0);
            for (int i = 0; i < x.length; i++) {
                x[i] += 1.5f; // a nonzero mean
            }
            float[] gamma = random(r, n + 1, 1.0);
            float[] beta = random(r, n + 2, 1.0);
            float[] outS = new float[rows * n + 1];
            float[] outV = new float[rows * n + 1];
            float[] meanS = new float[rows + 1];
            float[] meanV = new float[rows + 1];
            float[] rstdS = new float[rows + 1];
            float[] rstdV = new float[rows + 1];
            SCALAR.layerNorm(rows, n, x, 2, gamma, 1, beta, 2, 1e-5f, outS, 1, meanS, rstdS, 1);
            vector.layerNorm(rows, n, x, 2, gamma, 1, beta, 2, 1e-5f, outV, 1, meanV, rstdV, 1);
            assertClose("layerNorm out n=" + n, outS, outV, 2e-5, 2e-5);
            assertClose("layerNorm mean n=" + n, meanS, meanV, 1e-6, 1e-5);
            assertClose("layerNorm rstd n=" + n, rstdS, rstdV, 0, 2e-5);

            float[] dy = random(r, rows * n + 5, 1.0);
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] dx = random(r, rows * n + 2, 1.0);
                float[] dxS = dx.clone();
                float[] dxV = dx.clone();
                float[] dg = random(r, n + 3, 1.0);
                float[] dgS = dg.clone();
                float[] dgV = dg.clone();
                float[] db = random(r, n + 3, 1.0);
                float[] dbS = db.clone();
                float[] dbV = db.clone();
                SCALAR.layerNormBackward(rows, n, dy, 5, x, 2, gamma, 1, meanS, rstdS, 1, dxS, 2, accumulate,
                        dgS, dbS, 3);
                vector.layerNormBackward(rows, n, dy, 5, x, 2, gamma, 1, meanS, rstdS, 1, dxV, 2, accumulate,
                        dgV, dbV, 3);
                assertClose("layerNormBackward dx n=" + n, dxS, dxV, 5e-5, 5e-5);
                assertClose("layerNormBackward dGamma n=" + n, dgS, dgV, 1e-5, 1e-5);
                assertClose("layerNormBackward dBeta n=" + n, dbS, dbV, 1e-6, 1e-6);
            }
        }
    }

    // ================================================================= GELU

    @ParameterizedTest
    @EnumSource(GeluForm.class)
    void geluAndItsDerivativeMatchScalar(GeluForm form) {
        SplittableRandom r = new SplittableRandom(23 + form.ordinal());
        for (int n : SIZES) {
            float[] x = random(r, n + 2, 6.0);
            float[] s = new float[n + 1];
            float[] v = new float[n + 1];
            SCALAR.gelu(form, n, x, 2, s, 1);
            vector.gelu(form, n, x, 2, v, 1);
            assertClose("gelu " + form + " n=" + n, s, v, 1e-6, 1e-5);

            float[] dy = random(r, n + 3, 1.0);
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] dx = random(r, n, 1.0);
                float[] ds = dx.clone();
                float[] dv = dx.clone();
                SCALAR.geluBackward(form, n, x, 2, dy, 3, ds, 0, accumulate);
                vector.geluBackward(form, n, x, 2, dy, 3, dv, 0, accumulate);
                assertClose("geluBackward " + form + " n=" + n, ds, dv, 2e-6, 1e-5);
            }
            // in place
            float[] inPlace = x.clone();
            vector.gelu(form, n, inPlace, 2, inPlace, 2);
            assertClose("gelu in place " + form, Arrays.copyOfRange(s, 1, n + 1), Arrays.copyOfRange(inPlace, 2, n + 2),
                    1e-6, 1e-5);
        }
    }

    @ParameterizedTest
    @EnumSource(GeluForm.class)
    void geluOverAWideRangeOfInputs(GeluForm form) {
        // a dense sweep including the tails where erfc and tanh saturate
        int n = 4001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -20f + 40f * i / (n - 1);
        }
        float[] s = new float[n];
        float[] v = new float[n];
        SCALAR.gelu(form, n, x, 0, s, 0);
        vector.gelu(form, n, x, 0, v, 0);
        assertClose("gelu sweep " + form, s, v, 1e-6, 1e-5);
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        SCALAR.geluBackward(form, n, x, 0, ones, 0, s, 0, false);
        vector.geluBackward(form, n, x, 0, ones, 0, v, 0, false);
        assertClose("gelu' sweep " + form, s, v, 2e-6, 1e-5);
    }

    @ParameterizedTest
    @EnumSource(GeluForm.class)
    void geluVectorLanesGiveTheSameBitsAsTheScalarTwin(GeluForm form) {
        // the vector loops write erfc/tanh/exp out by hand: they must match the scalar twin exactly
        int n = 16 * 250;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -12f + 24f * i / n + 1e-3f * (i % 7);
        }
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        float[] v = new float[n];
        float[] d = new float[n];
        vector.gelu(form, n, x, 0, v, 0);
        vector.geluBackward(form, n, x, 0, ones, 0, d, 0, false);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(v[i])).as("gelu %s(%s)", form, x[i])
                    .isEqualTo(Float.floatToRawIntBits(VectorMath.geluS(form, x[i])));
            assertThat(Float.floatToRawIntBits(d[i])).as("gelu' %s(%s)", form, x[i])
                    .isEqualTo(Float.floatToRawIntBits(VectorMath.geluDerivativeS(form, x[i])));
        }
    }

    /** Φ(x) = (1 + erf(x/√2))/2 in double, from erf's everywhere-positive series (no cancellation; |x| <= 12). */
    private static double phiExact(double x) {
        double t = Math.abs(x) / Math.sqrt(2);
        if (t > 8) {
            return x > 0 ? 1 : 0; // erfc(8) = 1.1e-29
        }
        // erf(t) = 2/√π·exp(-t²)·Σ_n (2t²)^n·t / (1·3·...·(2n+1))
        double term = t;
        double sum = t;
        for (int n = 1; n < 400 && term > 1e-17 * sum; n++) {
            term *= 2 * t * t / (2 * n + 1);
            sum += term;
        }
        double erf = 2 / Math.sqrt(Math.PI) * Math.exp(-t * t) * sum;
        return 0.5 * (1 + (x < 0 ? -erf : erf));
    }

    /**
     * The fused epilogue's division-free erf GELU against Φ from erf's series: |Φ - Φ_exact| <= 2e-7
     * (plus the product's rounding) on a dense sweep, at random points, tiny and huge |x|; the special
     * values as geluS gives them; vector lanes bit for bit equal to the scalar twin, with and without
     * bias, at odd widths.
     */
    @Test
    void fusedGeluErfIsAccurate() {
        SplittableRandom r = new SplittableRandom(41);
        float[] x = new float[40_000];
        for (int i = 0; i < 20_001; i++) {
            x[i] = -10f + 20f * i / 20_000;
        }
        for (int i = 20_001; i < x.length; i++) {
            // log-uniform magnitudes from 1e-38 to 1e6, both signs
            x[i] = (float) (Math.pow(10, -38 + 44 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1));
        }
        double worstPhi = 0;
        for (float xi : x) {
            float g = VectorMath.fusedGeluErfS(xi);
            double exact = xi * phiExact(xi);
            double tol = 2e-7 * Math.abs(xi) + Math.ulp((float) exact);
            if (!(Math.abs(g - exact) <= tol)) {
                fail("fused gelu(%s) = %s, exact %s (|diff| %s > %s)", xi, g, exact, Math.abs(g - exact), tol);
            }
            if (xi != 0f && Math.abs(xi) < 20f) {
                worstPhi = Math.max(worstPhi, Math.abs((double) g / xi - phiExact(xi)) - Math.ulp((float) exact) / Math.abs(xi));
            }
        }
        assertThat(worstPhi).as("max |Φ - Φ_exact|").isLessThanOrEqualTo(2e-7);
        // special values as the erfcc form gives them
        assertThat(Float.floatToRawIntBits(VectorMath.fusedGeluErfS(0f))).isEqualTo(Float.floatToRawIntBits(0f));
        assertThat(Float.floatToRawIntBits(VectorMath.fusedGeluErfS(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(VectorMath.fusedGeluErfS(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(VectorMath.fusedGeluErfS(Float.NEGATIVE_INFINITY)).isNaN();
        assertThat(VectorMath.geluS(GeluForm.ERF, Float.NEGATIVE_INFINITY)).isNaN();
        assertThat(VectorMath.fusedGeluErfS(Float.NaN)).isNaN();
        assertThat(VectorMath.fusedGeluErfS(Float.MAX_VALUE)).isEqualTo(Float.MAX_VALUE);
        assertThat(VectorMath.fusedGeluErfS(-Float.MAX_VALUE)).isEqualTo(-0f);
        assertThat(VectorMath.fusedGeluErfS(Float.MIN_VALUE)).isEqualTo(0f); // half the smallest subnormal
        assertThat(VectorMath.fusedGeluErfS(1e-30f)).isEqualTo(5e-31f);
        // within the erfcc reference's tolerance of the training GELU everywhere
        for (float xi : x) {
            float ref = ScalarKernels.geluValue(GeluForm.ERF, xi);
            assertThat((double) VectorMath.fusedGeluErfS(xi)).as("gelu(%s)", xi)
                    .isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-6 + 1e-6 * Math.abs(ref)));
        }
        // vector lanes = the scalar twin, bit for bit, with specials in the lanes
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 5.5f, -5.5f,
                5.6f, -5.6f, -5.5508f, 1e-40f, -1e-40f, 3e38f, -3e38f};
        System.arraycopy(specials, 0, x, 100, specials.length);
        for (int n : new int[] {1, 17, 33, 129, 1000}) {
            for (boolean withBias : new boolean[] {false, true}) {
                int rows = 3;
                int ld = n + 5;
                float[] bias = withBias ? random(r, n + 2, 2.0) : null;
                float[] out = new float[rows * ld + 3];
                int xOff = 90;
                VectorMath.fusedGeluErfRows(rows, n, x, xOff, ld, bias, 1, out, 2, ld);
                for (int row = 0; row < rows; row++) {
                    for (int j = 0; j < n; j++) {
                        float in = withBias ? x[xOff + row * ld + j] + bias[1 + j] : x[xOff + row * ld + j];
                        assertThat(Float.floatToRawIntBits(out[2 + row * ld + j])).as("fused gelu lane (%s)", in)
                                .isEqualTo(Float.floatToRawIntBits(VectorMath.fusedGeluErfS(in)));
                    }
                }
            }
        }
    }

    @Test
    void expPolynomialIsAccurateAndScalarTwinGivesTheSameBits() {
        float[] x = new float[16 * 200];
        for (int i = 0; i < x.length; i++) {
            x[i] = -90f + 180f * i / x.length;
        }
        float[] v = new float[x.length];
        for (int i = 0; i < x.length; i += Lanes.L) {
            VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(Lanes.F, x, i)).intoArray(v, i);
        }
        for (int i = 0; i < x.length; i++) {
            float s = VectorMath.exp(x[i]);
            assertThat(Float.floatToRawIntBits(v[i])).as("exp(%s) vector vs scalar twin", x[i])
                    .isEqualTo(Float.floatToRawIntBits(s));
            if (x[i] > -87f && x[i] < 88f) {
                double e = Math.exp(x[i]);
                assertThat(Math.abs(v[i] - e)).as("exp(%s)", x[i]).isLessThanOrEqualTo(3e-7 * e);
            }
        }
        assertThat(VectorMath.exp(Float.NEGATIVE_INFINITY)).isZero();
        assertThat(VectorMath.exp(0f)).isEqualTo(1f);
    }

    // ================================================================= cross-entropy

    @Test
    void crossEntropyMatchesScalar() {
        SplittableRandom r = new SplittableRandom(29);
        for (int n : SIZES) {
            float[] logits = random(r, n + 2, 10.0);
            int target = r.nextInt(n);
            float[] ds = new float[n + 1];
            float[] dv = new float[n + 1];
            float ls = SCALAR.crossEntropy(n, logits, 2, target, -100, 0.25f, ds, 1);
            float lv = vector.crossEntropy(n, logits, 2, target, -100, 0.25f, dv, 1);
            assertThat(lv).as("loss n=%d", n).isCloseTo(ls, org.assertj.core.data.Offset.offset(1e-5f * Math.max(1f, ls)));
            assertClose("dLogits n=" + n, ds, dv, 1e-7, 1e-5);

            // dLogits aliasing logits
            float[] inPlace = logits.clone();
            float li = vector.crossEntropy(n, inPlace, 2, target, -100, 0.25f, inPlace, 2);
            assertThat(li).isEqualTo(lv);
            assertClose("dLogits in place n=" + n, Arrays.copyOfRange(ds, 1, n + 1),
                    Arrays.copyOfRange(inPlace, 2, n + 2), 1e-7, 1e-5);
        }
    }

    @Test
    void crossEntropyWithIgnoreIndexWritesZerosAndReturnsZero() {
        float[] logits = {1f, 2f, 3f, 4f, 5f};
        float[] d = {9f, 9f, 9f, 9f, 9f, 9f, 9f};
        float loss = vector.crossEntropy(5, logits, 0, -100, -100, 1f, d, 1);
        assertThat(loss).isZero();
        assertThat(d).containsExactly(9f, 0f, 0f, 0f, 0f, 0f, 9f);
        assertThatThrownBy(() -> vector.crossEntropy(5, logits, 0, 5, -100, 1f, d, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void crossEntropyOfAHandWorkedRow() {
        // logits (0, ln 3): softmax = (1/4, 3/4); target 1 -> loss ln(4/3), grad (1/4, -1/4)
        float[] logits = {0f, (float) Math.log(3)};
        float[] d = new float[2];
        float loss = vector.crossEntropy(2, logits, 0, 1, -1, 1f, d, 0);
        assertThat((double) loss).isCloseTo(Math.log(4.0 / 3.0), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(d[0]).isCloseTo(0.25f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(d[1]).isCloseTo(-0.25f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    // ================================================================= AdamW

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 129, 1000})
    void adamWGivesTheSameBitsAsScalar(int n) {
        SplittableRandom r = new SplittableRandom(31 + n);
        float[] p = random(r, n + 1, 1.0);
        float[] g = random(r, n + 2, 0.1);
        float[] m = random(r, n + 3, 0.01);
        float[] v = random(r, n + 3, 0.001);
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        float[] ps = p.clone();
        float[] ms = m.clone();
        float[] vs = v.clone();
        float[] pv = p.clone();
        float[] mv = m.clone();
        float[] vv = v.clone();
        for (int step = 1; step <= 3; step++) {
            float bc1 = (float) (1 - Math.pow(0.9, step));
            float bc2 = (float) (1 - Math.pow(0.999, step));
            SCALAR.adamW(n, ps, 1, g, 2, ms, vs, 3, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, bc1, bc2);
            vector.adamW(n, pv, 1, g, 2, mv, vv, 3, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, bc1, bc2);
        }
        assertThat(pv).containsExactly(ps);
        assertThat(mv).containsExactly(ms);
        assertThat(vv).containsExactly(vs);
    }

    @Test
    void nameReportsTheVectorWidth() {
        assertThat(vector.name()).isEqualTo("vector-" + Lanes.F.vectorBitSize());
        assertThat(vector.supported()).isEqualTo(Lanes.F.vectorBitSize() >= 256);
        assertThat(vector.gemmDescription()).contains("register tile");
    }
}
