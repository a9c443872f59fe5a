package dev.graft.tensor.kernel;

import static dev.graft.tensor.kernel.GemmMicroKernels.MR;
import static dev.graft.tensor.kernel.GemmMicroKernels.NR;
import static dev.graft.tensor.kernel.GemmMicroKernels.kernel4s;
import static dev.graft.tensor.kernel.GemmMicroKernels.kernel8s;
import static dev.graft.tensor.kernel.Lanes.F;
import static dev.graft.tensor.kernel.Lanes.L;
import static dev.graft.tensor.kernel.Lanes.sumLanes;
import static dev.graft.tensor.kernel.VectorGemm.NN;
import static dev.graft.tensor.kernel.VectorGemm.NT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The direct path of {@link VectorGemm}: products too small for packing to pay, computed on the
 * operands where they lie. A·Bᵀ takes a dot product per element ({@link #dot4}, {@link #dotF});
 * A·B and Aᵀ·B take the packed path's register tile shape on unpacked operands (8 x 2L with
 * {@link GemmMicroKernels#kernel8s}, 4 x 2L with {@link GemmMicroKernels#kernel4s} on AVX2), then the
 * last columns four rows at a time. Per element of C the same fma chain over k as the packed path's micro-kernel.
 */
final class GemmDirect {
    private GemmDirect() {
    }

    /** Rows [i0, i1) of C (+)= the product of the given form, on the operands as they lie. */
    static void rows(int form, int i0, int i1, int n, int k, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (form == NT) {
            for (int i = i0; i < i1; i++) {
                int ar = aOff + i * lda;
                int cr = cOff + i * ldc;
                int j = 0;
                for (; j + 4 <= n; j += 4) {
                    dot4(k, a, ar, b, bOff + j * ldb, ldb, c, cr + j, accumulate);
                }
                for (; j < n; j++) {
                    float s = dotF(k, a, ar, b, bOff + j * ldb);
                    c[cr + j] = accumulate ? c[cr + j] + s : s;
                }
            }
            return;
        }
        // NN and TN: C row i = Σ_p A(i,p)·B row p
        int aRowStep = form == NN ? lda : 1;
        int aColStep = form == NN ? 1 : lda;
        // MR x 2L register tiles on the operands as they are (a short last row group computed in
        // full into a scratch tile, its real rows kept)
        int n4 = n - n % NR;
        float[] tile = n4 > 0 && (i1 - i0) % MR != 0 ? VectorGemm.SCRATCH.get().tile : null;
        for (int i = i0; i < i1; i += MR) {
            int rows = Math.min(MR, i1 - i);
            int ar = aOff + i * aRowStep;
            for (int j = 0; j < n4; j += NR) {
                int ci = cOff + i * ldc + j;
                if (rows == MR) {
                    tileRows(k, a, ar, aRowStep, aColStep, MR, b, bOff + j, ldb, c, ci, ldc, accumulate);
                } else {
                    tileRows(k, a, ar, aRowStep, aColStep, rows, b, bOff + j, ldb, tile, 0, NR, false);
                    for (int r = 0; r < rows; r++) {
                        for (int q = 0; q < NR; q++) {
                            float v = tile[r * NR + q];
                            c[ci + r * ldc + q] = accumulate ? c[ci + r * ldc + q] + v : v;
                        }
                    }
                }
            }
        }
        int n1 = n - n % L;
        if (n4 == n) {
            return;
        }
        // the columns past n4: four rows at a time (four independent fma chains), then row by row
        int i = i0;
        for (; i + 4 <= i1; i += 4) {
            directColumns4(n4, n1, n, k, a, aOff + i * aRowStep, aRowStep, aColStep, b, bOff, ldb, c,
                    cOff + i * ldc, ldc, accumulate);
        }
        for (; i < i1; i++) {
            int ar = aOff + i * aRowStep;
            int cr = cOff + i * ldc;
            int j = n4;
            for (; j < n1; j += L) {
                FloatVector s0 = FloatVector.zero(F);
                int bo = bOff + j;
                for (int p = 0; p < k; p++, bo += ldb) {
                    s0 = FloatVector.broadcast(F, a[ar + p * aColStep]).fma(FloatVector.fromArray(F, b, bo), s0);
                }
                storeOrAdd(c, cr + j, s0, accumulate);
            }
            if (j < n) {
                // the last columns with a lane mask: the same fma chain per column as above
                VectorMask<Float> mask = F.indexInRange(j, n);
                FloatVector s0 = FloatVector.zero(F);
                int bo = bOff + j;
                for (int p = 0; p < k; p++, bo += ldb) {
                    s0 = FloatVector.broadcast(F, a[ar + p * aColStep]).fma(FloatVector.fromArray(F, b, bo, mask), s0);
                }
                if (accumulate) {
                    FloatVector.fromArray(F, c, cr + j, mask).add(s0).intoArray(c, cr + j, mask);
                } else {
                    s0.intoArray(c, cr + j, mask);
                }
            }
        }
    }

    /** The MR x 2L tile of the direct path: {@link GemmMicroKernels#kernel8s} or, on AVX2, {@code kernel4s}. */
    private static void tileRows(int k, float[] a, int ar, int aRowStep, int aColStep, int rows, float[] b, int bo,
                                 int ldb, float[] c, int ci, int ldc, boolean add) {
        if (MR == 8) {
            kernel8s(k, a, ar, aRowStep, aColStep, rows, b, bo, ldb, c, ci, ldc, add);
        } else {
            kernel4s(k, a, ar, aRowStep, aColStep, rows, b, bo, ldb, c, ci, ldc, add);
        }
    }

    /**
     * Columns [n4, n) of C rows r..r+3 (row r of A at a[ar], of C at c[cr]) for the NN and TN direct
     * path: per column vector the same fma chain over p as the one-row loops, four rows at a time.
     */
    private static void directColumns4(int n4, int n1, int n, int k, float[] a, int ar, int aRowStep, int aColStep,
                                       float[] b, int bOff, int ldb, float[] c, int cr, int ldc, boolean accumulate) {
        int ar1 = ar + aRowStep;
        int ar2 = ar1 + aRowStep;
        int ar3 = ar2 + aRowStep;
        int j = n4;
        for (; j < n1; j += L) {
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            int bo = bOff + j;
            for (int p = 0; p < k; p++, bo += ldb) {
                FloatVector bv = FloatVector.fromArray(F, b, bo);
                int ap = p * aColStep;
                s0 = FloatVector.broadcast(F, a[ar + ap]).fma(bv, s0);
                s1 = FloatVector.broadcast(F, a[ar1 + ap]).fma(bv, s1);
                s2 = FloatVector.broadcast(F, a[ar2 + ap]).fma(bv, s2);
                s3 = FloatVector.broadcast(F, a[ar3 + ap]).fma(bv, s3);
            }
            storeOrAdd(c, cr + j, s0, accumulate);
            storeOrAdd(c, cr + ldc + j, s1, accumulate);
            storeOrAdd(c, cr + 2 * ldc + j, s2, accumulate);
            storeOrAdd(c, cr + 3 * ldc + j, s3, accumulate);
        }
        if (j < n) {
            VectorMask<Float> mask = F.indexInRange(j, n);
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            int bo = bOff + j;
            for (int p = 0; p < k; p++, bo += ldb) {
                FloatVector bv = FloatVector.fromArray(F, b, bo, mask);
                int ap = p * aColStep;
                s0 = FloatVector.broadcast(F, a[ar + ap]).fma(bv, s0);
                s1 = FloatVector.broadcast(F, a[ar1 + ap]).fma(bv, s1);
                s2 = FloatVector.broadcast(F, a[ar2 + ap]).fma(bv, s2);
                s3 = FloatVector.broadcast(F, a[ar3 + ap]).fma(bv, s3);
            }
            storeOrAdd(c, cr + j, s0, mask, accumulate);
            storeOrAdd(c, cr + ldc + j, s1, mask, accumulate);
            storeOrAdd(c, cr + 2 * ldc + j, s2, mask, accumulate);
            storeOrAdd(c, cr + 3 * ldc + j, s3, mask, accumulate);
        }
    }

    private static void storeOrAdd(float[] c, int ci, FloatVector v, VectorMask<Float> mask, boolean add) {
        if (add) {
            FloatVector.fromArray(F, c, ci, mask).add(v).intoArray(c, ci, mask);
        } else {
            v.intoArray(c, ci, mask);
        }
    }

    private static void storeOrAdd(float[] c, int ci, FloatVector v, boolean add) {
        if (add) {
            FloatVector.fromArray(F, c, ci).add(v).intoArray(c, ci);
        } else {
            v.intoArray(c, ci);
        }
    }

    /**
     * Four dot products of x with rows y, y + ldy, y + 2·ldy, y + 3·ldy, computed exactly as
     * {@link #dotF} computes each (one accumulator per row, then the lanes, then the tail), into
     * c[ci..ci+4).
     */
    private static void dot4(int n, float[] x, int xOff, float[] y, int yOff, int ldy, float[] c, int ci,
                             boolean accumulate) {
        int y1 = yOff + ldy;
        int y2 = y1 + ldy;
        int y3 = y2 + ldy;
        int bound = F.loopBound(n);
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        if (bound > 0) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
                a0 = xv.fma(FloatVector.fromArray(F, y, yOff + i), a0);
                a1 = xv.fma(FloatVector.fromArray(F, y, y1 + i), a1);
                a2 = xv.fma(FloatVector.fromArray(F, y, y2 + i), a2);
                a3 = xv.fma(FloatVector.fromArray(F, y, y3 + i), a3);
            }
            s0 = sumLanes(a0);
            s1 = sumLanes(a1);
            s2 = sumLanes(a2);
            s3 = sumLanes(a3);
        }
        for (; i < n; i++) {
            float xi = x[xOff + i];
            s0 = Math.fma(xi, y[yOff + i], s0);
            s1 = Math.fma(xi, y[y1 + i], s1);
            s2 = Math.fma(xi, y[y2 + i], s2);
            s3 = Math.fma(xi, y[y3 + i], s3);
        }
        if (accumulate) {
            c[ci] += s0;
            c[ci + 1] += s1;
            c[ci + 2] += s2;
            c[ci + 3] += s3;
        } else {
            c[ci] = s0;
            c[ci + 1] = s1;
            c[ci + 2] = s2;
            c[ci + 3] = s3;
        }
    }

    /** Σ x·y in float: one accumulator of per-lane sums, its lanes in a fixed order, then the tail. */
    private static float dotF(int n, float[] x, int xOff, float[] y, int yOff) {
        int bound = F.loopBound(n);
        float s = 0f;
        int i = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (; i < bound; i += L) {
                acc = FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.fromArray(F, y, yOff + i), acc);
            }
            s = sumLanes(acc);
        }
        for (; i < n; i++) {
            s = Math.fma(x[xOff + i], y[yOff + i], s);
        }
        return s;
    }
}
