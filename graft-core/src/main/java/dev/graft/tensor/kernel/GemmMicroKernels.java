package dev.graft.tensor.kernel;

import static dev.graft.tensor.kernel.Lanes.F;
import static dev.graft.tensor.kernel.Lanes.L;

import jdk.incubator.vector.FloatVector;

/**
 * The register tiles of the vector GEMM: an MR x NR block of C held in vector registers while a k
 * block streams through, one broadcast of A and two vectors of B per step, fused multiply-adds.
 * {@link #kernel8} and {@link #kernel4} read packed operands (the packed GEMM of {@link VectorGemm});
 * {@link #kernel8s} and {@link #kernel8h} read A and B where they lie (the direct path for small
 * products, and {@link VectorKernels#attention}). Every kernel computes each element of C as the same
 * fma chain over k, starting from zero, so a tile gives the same bits whichever kernel computes it.
 *
 * <p>The kernels are written out register by register (the stores too): C2 does not always inline a
 * helper that takes vectors, and one left as a call boxes them.
 */
final class GemmMicroKernels {
    /** Rows of the register tile: 8 with 32 vector registers (AVX-512), 4 with 16 (AVX2). */
    static final int MR = L >= 16 ? 8 : 4;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;

    private GemmMicroKernels() {
    }

    /** The MR x NR tile on packed operands: sliver ap[ai..] (k-major, MR per step), panel bp[bi..] (NR per step). */
    static void microKernel(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                            boolean add) {
        if (MR == 8) {
            kernel8(kc, ap, ai, bp, bi, c, ci, ldc, add);
        } else {
            kernel4(kc, ap, ai, bp, bi, c, ci, ldc, add);
        }
    }

    /** The 8 x 2L register tile: 16 accumulators, two B vectors, one broadcast of A per row. */
    static void kernel8(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                        boolean add) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * 8;
            int bo = bi + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector x = FloatVector.broadcast(F, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, ap[ao + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, ap[ao + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(F, ap[ao + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(F, ap[ao + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // stores written out here: a helper taking vectors that C2 declines to inline boxes them
        if (add) {
            FloatVector.fromArray(F, c, ci).add(c00).intoArray(c, ci);
            FloatVector.fromArray(F, c, ci + L).add(c01).intoArray(c, ci + L);
            FloatVector.fromArray(F, c, ci + ldc).add(c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(F, c, ci + ldc + L).add(c11).intoArray(c, ci + ldc + L);
            FloatVector.fromArray(F, c, ci + 2 * ldc).add(c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(F, c, ci + 2 * ldc + L).add(c21).intoArray(c, ci + 2 * ldc + L);
            FloatVector.fromArray(F, c, ci + 3 * ldc).add(c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(F, c, ci + 3 * ldc + L).add(c31).intoArray(c, ci + 3 * ldc + L);
            FloatVector.fromArray(F, c, ci + 4 * ldc).add(c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(F, c, ci + 4 * ldc + L).add(c41).intoArray(c, ci + 4 * ldc + L);
            FloatVector.fromArray(F, c, ci + 5 * ldc).add(c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(F, c, ci + 5 * ldc + L).add(c51).intoArray(c, ci + 5 * ldc + L);
            FloatVector.fromArray(F, c, ci + 6 * ldc).add(c60).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(F, c, ci + 6 * ldc + L).add(c61).intoArray(c, ci + 6 * ldc + L);
            FloatVector.fromArray(F, c, ci + 7 * ldc).add(c70).intoArray(c, ci + 7 * ldc);
            FloatVector.fromArray(F, c, ci + 7 * ldc + L).add(c71).intoArray(c, ci + 7 * ldc + L);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + L);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + L);
            c60.intoArray(c, ci + 6 * ldc);
            c61.intoArray(c, ci + 6 * ldc + L);
            c70.intoArray(c, ci + 7 * ldc);
            c71.intoArray(c, ci + 7 * ldc + L);
        }
    }

    /**
     * The 8 x 2L register tile of {@link #kernel8} on unpacked operands, for the direct path: row r of
     * the tile takes A(r, p) = a[ar + min(r, rows - 1)·aRowStep + p·aColStep] (rows past {@code rows}
     * repeat the last real row, so nothing outside A is read; the caller keeps only the real rows) and
     * B row p = b[bo + p·ldb ..]. Per element the same fma chain over p as every other path.
     * {@link #kernel8} is this kernel with the packed strides (1, 8, 2L) as constants, kept separate
     * because calling this one with those arguments was measurably slower (docs/PERFORMANCE.md,
     * "Kernel tuning history").
     */
    static void kernel8s(int kc, float[] a, int ar, int aRowStep, int aColStep, int rows, float[] b, int bo,
                         int ldb, float[] c, int ci, int ldc, boolean add) {
        int a0 = ar;
        int a1 = ar + Math.min(1, rows - 1) * aRowStep;
        int a2 = ar + Math.min(2, rows - 1) * aRowStep;
        int a3 = ar + Math.min(3, rows - 1) * aRowStep;
        int a4 = ar + Math.min(4, rows - 1) * aRowStep;
        int a5 = ar + Math.min(5, rows - 1) * aRowStep;
        int a6 = ar + Math.min(6, rows - 1) * aRowStep;
        int a7 = ar + Math.min(7, rows - 1) * aRowStep;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        for (int p = 0; p < kc; p++) {
            int ap = p * aColStep;
            int bp = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[a1 + ap]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[a2 + ap]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[a3 + ap]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[a4 + ap]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[a5 + ap]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(F, a[a6 + ap]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(F, a[a7 + ap]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        if (add) {
            FloatVector.fromArray(F, c, ci).add(c00).intoArray(c, ci);
            FloatVector.fromArray(F, c, ci + L).add(c01).intoArray(c, ci + L);
            FloatVector.fromArray(F, c, ci + ldc).add(c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(F, c, ci + ldc + L).add(c11).intoArray(c, ci + ldc + L);
            FloatVector.fromArray(F, c, ci + 2 * ldc).add(c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(F, c, ci + 2 * ldc + L).add(c21).intoArray(c, ci + 2 * ldc + L);
            FloatVector.fromArray(F, c, ci + 3 * ldc).add(c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(F, c, ci + 3 * ldc + L).add(c31).intoArray(c, ci + 3 * ldc + L);
            FloatVector.fromArray(F, c, ci + 4 * ldc).add(c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(F, c, ci + 4 * ldc + L).add(c41).intoArray(c, ci + 4 * ldc + L);
            FloatVector.fromArray(F, c, ci + 5 * ldc).add(c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(F, c, ci + 5 * ldc + L).add(c51).intoArray(c, ci + 5 * ldc + L);
            FloatVector.fromArray(F, c, ci + 6 * ldc).add(c60).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(F, c, ci + 6 * ldc + L).add(c61).intoArray(c, ci + 6 * ldc + L);
            FloatVector.fromArray(F, c, ci + 7 * ldc).add(c70).intoArray(c, ci + 7 * ldc);
            FloatVector.fromArray(F, c, ci + 7 * ldc + L).add(c71).intoArray(c, ci + 7 * ldc + L);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + L);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + L);
            c60.intoArray(c, ci + 6 * ldc);
            c61.intoArray(c, ci + 6 * ldc + L);
            c70.intoArray(c, ci + 7 * ldc);
            c71.intoArray(c, ci + 7 * ldc + L);
        }
    }

    /**
     * {@link #kernel8s} for one vector of columns (8 x L): the same operands and arguments, the same
     * fma chain per element, for a last L columns that a 2L-wide tile would pass (it would read and
     * write L columns past them). A copy, not a shared helper, for kernel8s's reason: a helper taking
     * vectors that C2 declines to inline boxes them.
     */
    static void kernel8h(int kc, float[] a, int ar, int aRowStep, int aColStep, int rows, float[] b, int bo,
                         int ldb, float[] c, int ci, int ldc, boolean add) {
        int a0 = ar;
        int a1 = ar + Math.min(1, rows - 1) * aRowStep;
        int a2 = ar + Math.min(2, rows - 1) * aRowStep;
        int a3 = ar + Math.min(3, rows - 1) * aRowStep;
        int a4 = ar + Math.min(4, rows - 1) * aRowStep;
        int a5 = ar + Math.min(5, rows - 1) * aRowStep;
        int a6 = ar + Math.min(6, rows - 1) * aRowStep;
        int a7 = ar + Math.min(7, rows - 1) * aRowStep;
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector c4 = c0;
        FloatVector c5 = c0;
        FloatVector c6 = c0;
        FloatVector c7 = c0;
        for (int p = 0; p < kc; p++) {
            int ap = p * aColStep;
            FloatVector b0 = FloatVector.fromArray(F, b, bo + p * ldb);
            c0 = FloatVector.broadcast(F, a[a0 + ap]).fma(b0, c0);
            c1 = FloatVector.broadcast(F, a[a1 + ap]).fma(b0, c1);
            c2 = FloatVector.broadcast(F, a[a2 + ap]).fma(b0, c2);
            c3 = FloatVector.broadcast(F, a[a3 + ap]).fma(b0, c3);
            c4 = FloatVector.broadcast(F, a[a4 + ap]).fma(b0, c4);
            c5 = FloatVector.broadcast(F, a[a5 + ap]).fma(b0, c5);
            c6 = FloatVector.broadcast(F, a[a6 + ap]).fma(b0, c6);
            c7 = FloatVector.broadcast(F, a[a7 + ap]).fma(b0, c7);
        }
        if (add) {
            FloatVector.fromArray(F, c, ci).add(c0).intoArray(c, ci);
            FloatVector.fromArray(F, c, ci + ldc).add(c1).intoArray(c, ci + ldc);
            FloatVector.fromArray(F, c, ci + 2 * ldc).add(c2).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(F, c, ci + 3 * ldc).add(c3).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(F, c, ci + 4 * ldc).add(c4).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(F, c, ci + 5 * ldc).add(c5).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(F, c, ci + 6 * ldc).add(c6).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(F, c, ci + 7 * ldc).add(c7).intoArray(c, ci + 7 * ldc);
        } else {
            c0.intoArray(c, ci);
            c1.intoArray(c, ci + ldc);
            c2.intoArray(c, ci + 2 * ldc);
            c3.intoArray(c, ci + 3 * ldc);
            c4.intoArray(c, ci + 4 * ldc);
            c5.intoArray(c, ci + 5 * ldc);
            c6.intoArray(c, ci + 6 * ldc);
            c7.intoArray(c, ci + 7 * ldc);
        }
    }

    /**
     * The 4 x 2L register tile for 16-register machines (AVX2): 8 accumulators, two B vectors, one
     * broadcast. C2 keeps these in registers; with the 6 x 2L tile's 12 accumulators (BLIS's Haswell
     * shape) it did not, and the kernel ran at 40 GFLOP/s where this one runs at 96 on a Zen 3 core
     * (docs/PERFORMANCE.md, "AVX2").
     */
    static void kernel4(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                        boolean add) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * 4;
            int bo = bi + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector x = FloatVector.broadcast(F, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        // stores written out here: a helper taking vectors that C2 declines to inline boxes them
        if (add) {
            FloatVector.fromArray(F, c, ci).add(c00).intoArray(c, ci);
            FloatVector.fromArray(F, c, ci + L).add(c01).intoArray(c, ci + L);
            FloatVector.fromArray(F, c, ci + ldc).add(c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(F, c, ci + ldc + L).add(c11).intoArray(c, ci + ldc + L);
            FloatVector.fromArray(F, c, ci + 2 * ldc).add(c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(F, c, ci + 2 * ldc + L).add(c21).intoArray(c, ci + 2 * ldc + L);
            FloatVector.fromArray(F, c, ci + 3 * ldc).add(c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(F, c, ci + 3 * ldc + L).add(c31).intoArray(c, ci + 3 * ldc + L);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
        }
    }

    /**
     * {@link #kernel4} on unpacked operands, for the direct path on 16-register machines: the
     * addressing of {@link #kernel8s} (rows past {@code rows} repeat the last real row), the same fma
     * chain per element.
     */
    static void kernel4s(int kc, float[] a, int ar, int aRowStep, int aColStep, int rows, float[] b, int bo,
                         int ldb, float[] c, int ci, int ldc, boolean add) {
        int a0 = ar;
        int a1 = ar + Math.min(1, rows - 1) * aRowStep;
        int a2 = ar + Math.min(2, rows - 1) * aRowStep;
        int a3 = ar + Math.min(3, rows - 1) * aRowStep;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        for (int p = 0; p < kc; p++) {
            int ap = p * aColStep;
            int bp = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[a1 + ap]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[a2 + ap]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[a3 + ap]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        // stores written out here: a helper taking vectors that C2 declines to inline boxes them
        if (add) {
            FloatVector.fromArray(F, c, ci).add(c00).intoArray(c, ci);
            FloatVector.fromArray(F, c, ci + L).add(c01).intoArray(c, ci + L);
            FloatVector.fromArray(F, c, ci + ldc).add(c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(F, c, ci + ldc + L).add(c11).intoArray(c, ci + ldc + L);
            FloatVector.fromArray(F, c, ci + 2 * ldc).add(c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(F, c, ci + 2 * ldc + L).add(c21).intoArray(c, ci + 2 * ldc + L);
            FloatVector.fromArray(F, c, ci + 3 * ldc).add(c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(F, c, ci + 3 * ldc + L).add(c31).intoArray(c, ci + 3 * ldc + L);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
        }
    }
}
