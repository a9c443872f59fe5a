package dev.graft.tensor.kernel;

import static dev.graft.tensor.kernel.GemmMicroKernels.MR;
import static dev.graft.tensor.kernel.GemmMicroKernels.NR;
import static dev.graft.tensor.kernel.GemmMicroKernels.kernel8h;
import static dev.graft.tensor.kernel.GemmMicroKernels.kernel8s;
import static dev.graft.tensor.kernel.Lanes.CHUNK;
import static dev.graft.tensor.kernel.Lanes.F;
import static dev.graft.tensor.kernel.Lanes.L;
import static dev.graft.tensor.kernel.Lanes.dotD;
import static dev.graft.tensor.kernel.Lanes.max;
import static dev.graft.tensor.kernel.Lanes.sumD;
import static dev.graft.tensor.kernel.Lanes.sumLanes;
import static dev.graft.tensor.kernel.Lanes.sumSquaredDeviations;
import static dev.graft.tensor.kernel.Lanes.transpose16;
import static dev.graft.tensor.kernel.VectorGemm.NN;
import static dev.graft.tensor.kernel.VectorGemm.NT;
import static dev.graft.tensor.kernel.VectorGemm.TN;
import static dev.graft.tensor.kernel.VectorGemm.TRANSPOSE16;
import static dev.graft.tensor.kernel.VectorMath.EXP_LO;
import static dev.graft.tensor.kernel.VectorMath.LN2_HI;
import static dev.graft.tensor.kernel.VectorMath.LN2_LO;
import static dev.graft.tensor.kernel.VectorMath.LOG2E;
import static dev.graft.tensor.kernel.VectorMath.P0;
import static dev.graft.tensor.kernel.VectorMath.P1;
import static dev.graft.tensor.kernel.VectorMath.P2;
import static dev.graft.tensor.kernel.VectorMath.P3;
import static dev.graft.tensor.kernel.VectorMath.P4;
import static dev.graft.tensor.kernel.VectorMath.P5;
import static dev.graft.tensor.kernel.VectorMath.ROUND_MAGIC;
import static dev.graft.tensor.kernel.VectorMath.exp;

import dev.graft.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API ({@code jdk.incubator.vector}), with {@link ScalarKernels} as the
 * reference semantics. It implements every {@link Kernels} method itself (it is not a subclass of the
 * reference, so a kernel it lacked would not compile); the work is spread over package-private
 * classes:
 * <ul>
 *   <li>{@link VectorGemm}, the GEMM engine (packing, blocking, threads, packed weights), blocked by a
 *       {@link GemmBlocking}, with {@link GemmDirect} for small products and the register tiles of
 *       {@link GemmMicroKernels};
 *   <li>{@link VectorMath}, exp, erfc, tanh and GELU as polynomials, in vectors and scalar twins;
 *   <li>{@link Lanes}, the vector species, fixed-order lane sums and reductions, in-register transposes;
 *   <li>this class: element-wise kernels, softmax, attention, layer norm, cross-entropy and AdamW.
 * </ul>
 * Reductions add in a fixed order (see {@link Lanes}), so results are reproducible across runs and JIT
 * tiers; GEMMs split only their output across threads, so results do not depend on the thread count.
 */
public final class VectorKernels implements Kernels, KernelProvider.VectorCapable {
    private final VectorGemm gemm;

    /** Vector kernels over the given pool, with the GEMM blocking tuned for this machine ({@link GemmBlocking#defaults()}). */
    public VectorKernels(Parallel parallel) {
        this(parallel, GemmBlocking.defaults());
    }

    /** Vector kernels over the given pool, with the given GEMM blocking. */
    public VectorKernels(Parallel parallel, GemmBlocking blocking) {
        this.gemm = new VectorGemm(parallel, java.util.Objects.requireNonNull(blocking, "blocking"));
    }

    @Override
    public String name() {
        return "vector-" + F.vectorBitSize();
    }

    @Override
    public boolean supported() {
        return F.vectorBitSize() >= 256;
    }

    /** The GEMM blocking these kernels use. */
    public GemmBlocking blocking() {
        return gemm.blocking();
    }

    /** A description of the GEMM micro-kernel and blocking, for benchmarks and logs. */
    public String gemmDescription() {
        return gemm.description();
    }

    // ================================================================= GEMM (VectorGemm)

    @Override
    public void gemm(GemmForm form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        int f = switch (form) {
            case NN -> NN;
            case NT -> NT;
            case TN -> TN;
        };
        gemm.gemm(f, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void linearTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] w, int wOff, int ldw,
                             float[] bias, int biasOff, GeluForm act, float[] residual, int residualOff, int ldr,
                             float[] c, int cOff, int ldc) {
        gemm.linearTransB(m, n, k, a, aOff, lda, w, wOff, ldw, bias, biasOff, act, residual, residualOff, ldr,
                c, cOff, ldc);
    }

    @Override
    public PackedWeight packWeight(int n, int k, float[] w, int wOff, int ldw) {
        return gemm.packWeight(n, k, w, wOff, ldw);
    }

    @Override
    public void linearTransB(int m, float[] a, int aOff, int lda, PackedWeight w, float[] bias, int biasOff,
                             GeluForm act, float[] residual, int residualOff, int ldr, float[] c, int cOff, int ldc) {
        if (!(w instanceof VectorGemm.Panels panels)) {
            throw PackedWeight.foreign(w, name());
        }
        if (!panels.blocking().equals(gemm.blocking())) {
            throw new IllegalArgumentException("this weight was packed by vector kernels with another GEMM blocking ("
                    + panels.blocking() + ", these kernels use " + gemm.blocking()
                    + "): pack it with the kernels that use it");
        }
        gemm.linearTransB(m, a, aOff, lda, panels, bias, biasOff, act, residual, residualOff, ldr, c, cOff, ldc);
    }

    // ================================================================= reductions (Lanes)

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        return (float) dotD(n, x, xOff, y, yOff);
    }

    @Override
    public double sumOfSquares(int n, float[] x, int xOff) {
        return dotD(n, x, xOff, x, xOff); // x·x: the same fma chains, the same bits
    }

    // ================================================================= element-wise

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    @Override
    public void add(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        addOrMul(false, n, a, aOff, b, bOff, out, outOff);
    }

    @Override
    public void mul(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        addOrMul(true, n, a, aOff, b, bOff, out, outOff);
    }

    /**
     * out = a + b, or a·b when {@code product}, element by element (out may be a or b): the add and mul
     * kernels, and the bias and residual sums of {@link VectorGemm#epilogue}. The flag is a constant at
     * every call site, folded where C2 inlines this small method and a loop-invariant test where it
     * compiles it alone; each branch stores its own result, and nothing here takes or returns a
     * vector, so no vector is boxed either way ({@code KernelBoxingProbe} checks).
     */
    static void addOrMul(boolean product, int n, float[] a, int aOff, float[] b, int bOff, float[] out,
                                 int outOff) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(F, a, aOff + i);
            FloatVector y = FloatVector.fromArray(F, b, bOff + i);
            if (product) {
                x.mul(y).intoArray(out, outOff + i);
            } else {
                x.add(y).intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = product ? a[aOff + i] * b[bOff + i] : a[aOff + i] + b[bOff + i];
        }
    }

    /*
     * dropout: SplitMix64 on 64-bit lanes (AVX-512 DQ multiplies 64-bit lanes in one instruction); on AMD
     * Zen 5 a bert-mini step's dropout went from 24-29 ms to 5.1-5.5 ms at 1 thread. Two long vectors hash
     * the even and the odd elements of a block of L floats (2 · HASH_LANES); each lane becomes the float bits of its mask value (scale or 0) in the low half of a
     * long, the odd one shifted into the high half, so the longs reinterpreted as floats are the block's
     * masks in order, in the kernels' own float species. (A second float species, 256 bits for the 8 hashes
     * of one vector, made FloatVector's call sites polymorphic: C2 then boxed vectors in other kernels,
     * gelu and mul among them, which KernelBoxingProbe showed.) On 256-bit vectors C2 emulates the 64-bit
     * multiply and a vector hash ran at 0.4x the scalar loop (-XX:UseAVX=2 on that machine), so there the
     * hashes stay scalar and only the product is a vector loop. Either way each lane is the scalar's
     * integer arithmetic, so the masks are the same bits.
     */
    private static final VectorSpecies<Long> HASH_LANES = LongVector.SPECIES_PREFERRED;
    private static final boolean VECTOR_HASH = HASH_LANES.length() >= 8 && 2 * HASH_LANES.length() == L;
    private static final LongVector HASH_EVEN = LongVector.zero(HASH_LANES).addIndex(2);

    @Override
    public void dropout(int n, long key, int threshold, float scale, float[] x, int xOff, float[] mask, int maskOff,
                        float[] y, int yOff) {
        int i = 0;
        if (VECTOR_HASH) {
            int bound = F.loopBound(n);
            LongVector keep = LongVector.broadcast(HASH_LANES, Float.floatToRawIntBits(scale) & 0xFFFF_FFFFL);
            LongVector drop = LongVector.zero(HASH_LANES);
            for (; i < bound; i += L) {
                LongVector even = HASH_EVEN.add(key + i);
                LongVector odd = HASH_EVEN.add(key + i + 1);
                even = even.lanewise(VectorOperators.XOR, even.lanewise(VectorOperators.LSHR, 30))
                        .mul(0xBF58476D1CE4E5B9L);
                odd = odd.lanewise(VectorOperators.XOR, odd.lanewise(VectorOperators.LSHR, 30))
                        .mul(0xBF58476D1CE4E5B9L);
                even = even.lanewise(VectorOperators.XOR, even.lanewise(VectorOperators.LSHR, 27))
                        .mul(0x94D049BB133111EBL);
                odd = odd.lanewise(VectorOperators.XOR, odd.lanewise(VectorOperators.LSHR, 27))
                        .mul(0x94D049BB133111EBL);
                even = even.lanewise(VectorOperators.XOR, even.lanewise(VectorOperators.LSHR, 31));
                odd = odd.lanewise(VectorOperators.XOR, odd.lanewise(VectorOperators.LSHR, 31));
                LongVector evenMask = drop.blend(keep,
                        even.lanewise(VectorOperators.LSHR, 40).compare(VectorOperators.GE, threshold));
                LongVector oddMask = drop.blend(keep,
                        odd.lanewise(VectorOperators.LSHR, 40).compare(VectorOperators.GE, threshold));
                FloatVector m = evenMask.or(oddMask.lanewise(VectorOperators.LSHL, 32)).reinterpretAsFloats();
                m.intoArray(mask, maskOff + i);
                FloatVector.fromArray(F, x, xOff + i).mul(m).intoArray(y, yOff + i);
            }
        }
        // the tail, or everything on 256-bit machines: the scalar hash, then the product as a vector loop
        ScalarKernels.dropoutMask(n - i, key + i, threshold, scale, mask, maskOff + i);
        addOrMul(true, n - i, x, xOff + i, mask, maskOff + i, y, yOff + i);
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
        }
        for (; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public void addBiasRows(int rows, int n, float[] bias, int biasOff, float[] out, int outOff) {
        int bound = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
            int o = outOff + r * n;
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(F, out, o + j).add(FloatVector.fromArray(F, bias, biasOff + j)).intoArray(out, o + j);
            }
            for (; j < n; j++) {
                out[o + j] += bias[biasOff + j];
            }
        }
    }

    @Override
    public void sumRowsInto(int rows, int n, float[] dy, int dyOff, float[] dBias, int dBiasOff) {
        // per column, over rows, with Kahan's compensated summation in float lanes (about as exact as
        // the reference's double sum, without widening), two vectors of columns at a time
        int bound2 = n - n % (2 * L);
        int j = 0;
        for (; j < bound2; j += 2 * L) {
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            FloatVector c0 = s0;
            FloatVector c1 = s0;
            int o = dyOff + j;
            for (int r = 0; r < rows; r++, o += n) {
                FloatVector y0 = FloatVector.fromArray(F, dy, o).sub(c0);
                FloatVector y1 = FloatVector.fromArray(F, dy, o + L).sub(c1);
                FloatVector t0 = s0.add(y0);
                FloatVector t1 = s1.add(y1);
                c0 = t0.sub(s0).sub(y0);
                c1 = t1.sub(s1).sub(y1);
                s0 = t0;
                s1 = t1;
            }
            FloatVector.fromArray(F, dBias, dBiasOff + j).add(s0.sub(c0)).intoArray(dBias, dBiasOff + j);
            FloatVector.fromArray(F, dBias, dBiasOff + j + L).add(s1.sub(c1)).intoArray(dBias, dBiasOff + j + L);
        }
        ScalarKernels.sumRowsInto(rows, n, j, dy, dyOff, dBias, dBiasOff);
    }

    // ================================================================= softmax

    @Override
    public void softmax(int n, float[] x, int xOff) {
        if (n == 0) {
            return;
        }
        float max = max(n, x, xOff);
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(x, xOff, xOff + n, 0f);
            return;
        }
        double sum = expMinusMax(n, x, xOff, max, x, xOff);
        scale(n, (float) (1.0 / sum), x, xOff);
    }

    /**
     * out[i] = exp(x[i] - max) for i in [0, n) (out may be x), returning Σ out summed like sumD:
     * softmax's and cross-entropy's first pass.
     */
    private static double expMinusMax(int n, float[] x, int xOff, float max, float[] out, int outOff) {
        FloatVector vmax = FloatVector.broadcast(F, max);
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc = FloatVector.zero(F);
            for (; i < end; i += L) {
                FloatVector e = exp(FloatVector.fromArray(F, x, xOff + i).sub(vmax));
                e.intoArray(out, outOff + i);
                acc = acc.add(e);
            }
            chunkSums += sumLanes(acc);
        }
        double sum = chunkSums;
        for (; i < n; i++) {
            float e = exp(x[xOff + i] - max);
            out[outOff + i] = e;
            sum += e;
        }
        return sum;
    }

    /** Rows of a column block summed in float before the running total (a compensated sum) takes them. */
    private static final int COLUMN_CHUNK = 32;

    /**
     * Columns L at a time: the max, exp and sum run down the columns with vertical operations only
     * (no lane reductions, no scalar exp tails when cols is a multiple of L); per lane, rows are
     * summed in float over chunks of {@link #COLUMN_CHUNK}, the chunks added with Kahan's
     * compensation. The last cols mod L columns go through {@link #softmaxColumnsScalar}. exp is
     * written out in the loop (the operations of {@link VectorMath#exp(FloatVector)}): called as a
     * helper, C2 sometimes leaves it as a call that boxes its vectors.
     */
    @Override
    public void softmaxColumns(int rows, int cols, float scale, float[] x, int xOff, int ld) {
        if (rows <= 0) {
            return;
        }
        FloatVector negInf = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        int bound = F.loopBound(cols);
        int j = 0;
        for (; j < bound; j += L) {
            int o = xOff + j;
            FloatVector vmax = negInf;
            for (int i = 0; i < rows; i++) {
                // compare and blend: two instructions, where max's Java semantics (NaN, -0) cost six;
                // a NaN is not taken here but still makes its column NaN through exp below
                FloatVector v = FloatVector.fromArray(F, x, o + i * ld);
                vmax = vmax.blend(v, v.compare(VectorOperators.GT, vmax));
            }
            // a column of -inf: subtract -MAX_VALUE instead (exp(-inf) = 0, no NaN); its sum is then
            // 0 and 1/max(sum, MIN_NORMAL) times 0 gives zeros (a real column's sum is at least 1)
            vmax = vmax.max(-Float.MAX_VALUE);
            FloatVector total = FloatVector.zero(F);
            FloatVector comp = total;
            for (int i0 = 0; i0 < rows; i0 += COLUMN_CHUNK) {
                int i1 = Math.min(rows, i0 + COLUMN_CHUNK);
                FloatVector acc = FloatVector.zero(F);
                for (int i = i0; i < i1; i++) {
                    // v <= 0 (x <= max, scale > 0); below EXP_LO the lane is garbage until the blend
                    // to 0 at the end, so exp's clamp to [EXP_LO, EXP_HI] is left out (same bits)
                    FloatVector v = FloatVector.fromArray(F, x, o + i * ld).sub(vmax).mul(scale);
                    FloatVector vc = v;
                    FloatVector vt = vc.fma(LOG2E, ROUND_MAGIC);
                    FloatVector vf = vt.sub(ROUND_MAGIC);
                    FloatVector vr = vf.fma(negLn2Hi, vc);
                    vr = vf.fma(negLn2Lo, vr);
                    FloatVector vp = vr.fma(P0, P1);
                    vp = vp.fma(vr, p2);
                    vp = vp.fma(vr, p3);
                    vp = vp.fma(vr, p4);
                    vp = vp.fma(vr, p5);
                    FloatVector e = vp.fma(vr.mul(vr), vr).add(1f)
                            .mul(vt.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23)
                                    .reinterpretAsFloats())
                            .blend(0f, v.lt(EXP_LO));
                    e.intoArray(x, o + i * ld);
                    acc = acc.add(e);
                }
                FloatVector y = acc.sub(comp);
                FloatVector t = total.add(y);
                comp = t.sub(total).sub(y);
                total = t;
            }
            FloatVector inv = FloatVector.broadcast(F, 1f).div(total.max(Float.MIN_NORMAL));
            for (int i = 0; i < rows; i++) {
                FloatVector.fromArray(F, x, o + i * ld).mul(inv).intoArray(x, o + i * ld);
            }
        }
        for (; j < cols; j++) {
            softmaxColumnsScalar(rows, scale, x, xOff + j, ld);
        }
    }

    /** One column of {@link #softmaxColumns}, with the same float operations as one lane there. */
    private static void softmaxColumnsScalar(int rows, float scale, float[] x, int o, int ld) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < rows; i++) {
            max = Math.max(max, x[o + i * ld]);
        }
        max = Math.max(max, -Float.MAX_VALUE);
        float total = 0f;
        float comp = 0f;
        for (int i0 = 0; i0 < rows; i0 += COLUMN_CHUNK) {
            int i1 = Math.min(rows, i0 + COLUMN_CHUNK);
            float acc = 0f;
            for (int i = i0; i < i1; i++) {
                float e = exp((x[o + i * ld] - max) * scale);
                x[o + i * ld] = e;
                acc += e;
            }
            float y = acc - comp;
            float t = total + y;
            comp = (t - total) - y;
            total = t;
        }
        float inv = 1f / Math.max(total, Float.MIN_NORMAL);
        for (int i = 0; i < rows; i++) {
            x[o + i * ld] *= inv;
        }
    }

    // ================================================================= attention of one head

    /**
     * The composition, run directly on the register tiles: Q's head slice is transposed into the
     * scratch (Qᵀ, d x tp, columns past t zero), Sᵀ = K·Qᵀ is computed in 8 x 2L tiles
     * ({@link GemmMicroKernels#kernel8s}; a last L-wide tile with {@link GemmMicroKernels#kernel8h}),
     * softmaxColumns normalises it, and (P'ᵀ)ᵀ·V runs in 8 x 2L tiles; both products run over k blocks
     * of the blocking's {@link GemmBlocking#kc kc} (head dimensions, then keys) where the composition's
     * GEMMs take the packed path, which splits them so. Each element is the fma chain the composition's GEMMs compute (they take the packed path or the
     * direct one by size, with the same chains), so the bits are the composition's; what is saved is
     * the packing of both operands of both products per head, and the edge tiles' copies (for t = 37,
     * two GEMMs of 44K multiply-adds each). Machines without 16-lane vectors, head sizes that are
     * not a multiple of L and sequences shorter than {@link #ATTENTION_TILES_FROM} run the composition.
     */
    @Override
    public void attention(int t, int d, float scale, float[] x, int qOff, int kOff, int vOff, int ld, float[] out,
                          int outOff, int ldo, float[] scratch) {
        if (t <= 0) {
            return;
        }
        int tp = (t + L - 1) / L * L;
        if (!TRANSPOSE16 || d % L != 0 || t < ATTENTION_TILES_FROM) {
            matmulTransB(t, t, d, x, kOff, ld, x, qOff, ld, scratch, 0, tp, false);
            softmaxColumns(t, tp, scale, scratch, 0, tp);
            matmulTransA(t, d, t, scratch, 0, tp, x, vOff, ld, out, outOff, ldo, false);
            return;
        }
        int sc = d * tp; // Sᵀ: (t rounded up to 8) x tp, after Qᵀ
        int tile = sc + ((t + MR - 1) / MR * MR) * tp; // MR x d, for a last group of fewer than 8 queries
        // Qᵀ[p, i] = Q[i, p]: 16 x 16 blocks in registers, then the last t mod 16 queries and zeros
        int t16 = t & ~15;
        for (int i0 = 0; i0 < t16; i0 += 16) {
            for (int p0 = 0; p0 < d; p0 += 16) {
                transpose16(x, qOff + i0 * ld + p0, ld, scratch, p0 * tp + i0, tp);
            }
        }
        for (int p = 0; p < d; p++) {
            for (int i = t16; i < tp; i++) {
                scratch[p * tp + i] = i < t ? x[qOff + i * ld + p] : 0f;
            }
        }
        // Sᵀ = K·Qᵀ, 8 keys at a time (rows past t of the last group are scratch), over k blocks of KC
        // head dimensions as the packed GEMM splits them (one block unless d > KC)
        int kcBlock = gemm.kcBlock;
        for (int j0 = 0; j0 < t; j0 += MR) {
            int rows = Math.min(MR, t - j0);
            for (int pc = 0; pc < d; pc += kcBlock) {
                int kc = Math.min(kcBlock, d - pc);
                int ar = kOff + j0 * ld + pc;
                int i0 = 0;
                for (; i0 + NR <= tp; i0 += NR) {
                    kernel8s(kc, x, ar, ld, 1, rows, scratch, pc * tp + i0, tp, scratch, sc + j0 * tp + i0, tp,
                            pc > 0);
                }
                if (i0 < tp) {
                    kernel8h(kc, x, ar, ld, 1, rows, scratch, pc * tp + i0, tp, scratch, sc + j0 * tp + i0, tp,
                            pc > 0);
                }
            }
        }
        softmaxColumns(t, tp, scale, scratch, sc, tp);
        // out = (P'ᵀ)ᵀ·V, 8 queries at a time: A[i, j] = P'[j, i], k blocks of KC keys (one block where the
        // composition's GEMM takes the direct path, which does not split k)
        int pvBlock = VectorGemm.direct(TN, t, d, t) ? t : kcBlock;
        for (int i0 = 0; i0 < t; i0 += MR) {
            int rows = Math.min(MR, t - i0);
            boolean full = rows == MR;
            for (int c0 = 0; c0 < d; c0 += NR) {
                boolean wide = c0 + NR <= d;
                float[] dst = full ? out : scratch;
                int ci = full ? outOff + i0 * ldo + c0 : tile + c0;
                int ldc = full ? ldo : d;
                for (int pc = 0; pc < t; pc += pvBlock) {
                    int kc = Math.min(pvBlock, t - pc);
                    if (wide) {
                        kernel8s(kc, scratch, sc + pc * tp + i0, 1, tp, rows, x, vOff + pc * ld + c0, ld, dst, ci, ldc,
                                pc > 0);
                    } else {
                        kernel8h(kc, scratch, sc + pc * tp + i0, 1, tp, rows, x, vOff + pc * ld + c0, ld, dst, ci,
                                ldc, pc > 0);
                    }
                }
            }
            if (!full) {
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(scratch, tile + r * d, out, outOff + (i0 + r) * ldo, d);
                }
            }
        }
    }

    /**
     * Sequences shorter than this run the composition: below it the transposes and the partly empty
     * tiles cost more than the packing they save.
     */
    static final int ATTENTION_TILES_FROM = 32;

    @Override
    public int attentionScratch(int t, int d) {
        int tp = (t + L - 1) / L * L;
        return d * tp + ((t + MR - 1) / MR * MR) * tp + MR * d;
    }

    @Override
    public void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                boolean accumulate) {
        float s = (float) dotD(n, y, yOff, dy, dyOff);
        FloatVector vs = FloatVector.broadcast(F, s);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, y, yOff + i).mul(FloatVector.fromArray(F, dy, dyOff + i).sub(vs));
            if (accumulate) {
                g = FloatVector.fromArray(F, dx, dxOff + i).add(g);
            }
            g.intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float g = y[yOff + i] * (dy[dyOff + i] - s);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }

    // ================================================================= layer norm

    @Override
    public void layerNorm(int rows, int n, float[] x, int xOff, float[] gamma, int gOff, float[] beta, int bOff,
                          float eps, float[] out, int outOff, float[] mean, float[] rstd, int statsOff) {
        int bound = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * n;
            float mu = (float) (sumD(n, x, xo) / n);
            double var = sumSquaredDeviations(n, x, xo, mu);
            float rs = (float) (1.0 / Math.sqrt(var / n + eps));
            int oo = outOff + r * n;
            FloatVector vmu = FloatVector.broadcast(F, mu);
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(F, x, xo + j).sub(vmu).mul(rs)
                        .mul(FloatVector.fromArray(F, gamma, gOff + j))
                        .add(FloatVector.fromArray(F, beta, bOff + j))
                        .intoArray(out, oo + j);
            }
            ScalarKernels.normalizeRow(j, n, x, xo, mu, rs, gamma, gOff, beta, bOff, out, oo);
            mean[statsOff + r] = mu;
            rstd[statsOff + r] = rs;
        }
    }

    @Override
    public void layerNormBackward(int rows, int n, float[] dy, int dyOff, float[] x, int xOff,
                                  float[] gamma, int gOff, float[] mean, float[] rstd, int statsOff,
                                  float[] dx, int dxOff, boolean accumulate,
                                  float[] dGamma, float[] dBeta, int dgOff) {
        int bound = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * n;
            int go = dyOff + r * n;
            float mu = mean[statsOff + r];
            float rs = rstd[statsOff + r];
            FloatVector vmu = FloatVector.broadcast(F, mu);
            // pass 1: Σ g, Σ g·x̂ (g = dy·γ) and the parameter gradients
            double sumG = 0;
            double sumGX = 0;
            int j = 0;
            while (j < bound) {
                int end = Math.min(bound, j + CHUNK);
                FloatVector accG = FloatVector.zero(F);
                FloatVector accGX = accG;
                for (; j < end; j += L) {
                    FloatVector xhat = FloatVector.fromArray(F, x, xo + j).sub(vmu).mul(rs);
                    FloatVector d = FloatVector.fromArray(F, dy, go + j);
                    FloatVector g = d.mul(FloatVector.fromArray(F, gamma, gOff + j));
                    accG = accG.add(g);
                    accGX = g.fma(xhat, accGX);
                    d.fma(xhat, FloatVector.fromArray(F, dGamma, dgOff + j)).intoArray(dGamma, dgOff + j);
                    FloatVector.fromArray(F, dBeta, dgOff + j).add(d).intoArray(dBeta, dgOff + j);
                }
                sumG += sumLanes(accG);
                sumGX += sumLanes(accGX);
            }
            sumG = ScalarKernels.layerNormSumG(j, n, dy, go, gamma, gOff, sumG);
            sumGX = ScalarKernels.layerNormSumGXAndParameterGrads(j, n, dy, go, x, xo, mu, rs, gamma, gOff,
                    dGamma, dBeta, dgOff, sumGX);
            float meanG = (float) (sumG / n);
            float meanGX = (float) (sumGX / n);
            // pass 2: dx = rstd·(g - mean(g) - x̂·mean(g·x̂))
            int dxo = dxOff + r * n;
            FloatVector vMeanG = FloatVector.broadcast(F, meanG);
            FloatVector vMeanGX = FloatVector.broadcast(F, meanGX);
            j = 0;
            for (; j < bound; j += L) {
                FloatVector xhat = FloatVector.fromArray(F, x, xo + j).sub(vmu).mul(rs);
                FloatVector g = FloatVector.fromArray(F, dy, go + j).mul(FloatVector.fromArray(F, gamma, gOff + j));
                FloatVector v = g.sub(vMeanG).sub(xhat.mul(vMeanGX)).mul(rs);
                if (accumulate) {
                    v = FloatVector.fromArray(F, dx, dxo + j).add(v);
                }
                v.intoArray(dx, dxo + j);
            }
            ScalarKernels.layerNormDx(j, n, dy, go, x, xo, mu, rs, gamma, gOff, meanG, meanGX, dx, dxo, accumulate);
        }
    }

    // ================================================================= GELU (VectorMath)

    @Override
    public void gelu(GeluForm form, int n, float[] x, int xOff, float[] out, int outOff) {
        if (form == GeluForm.ERF) {
            VectorMath.geluErf(n, x, xOff, out, outOff);
        } else {
            VectorMath.geluTanh(n, x, xOff, out, outOff);
        }
    }

    @Override
    public void geluBackward(GeluForm form, int n, float[] x, int xOff, float[] dy, int dyOff,
                             float[] dx, int dxOff, boolean accumulate) {
        if (form == GeluForm.ERF) {
            VectorMath.geluErfBackward(n, x, xOff, dy, dyOff, dx, dxOff, accumulate);
        } else {
            VectorMath.geluTanhBackward(n, x, xOff, dy, dyOff, dx, dxOff, accumulate);
        }
    }

    // ================================================================= cross-entropy

    @Override
    public float crossEntropy(int n, float[] logits, int lOff, int target, int ignoreIndex, float gradScale,
                              float[] dLogits, int dOff) {
        if (target == ignoreIndex) {
            java.util.Arrays.fill(dLogits, dOff, dOff + n, 0f);
            return 0f;
        }
        if (target < 0 || target >= n) {
            throw new IllegalArgumentException("target " + target + " outside [0, " + n + ")");
        }
        float max = max(n, logits, lOff);
        float targetLogit = logits[lOff + target];
        // pass 1: e = exp(logit - max) written to dLogits (which may alias logits), Σ e
        double sum = expMinusMax(n, logits, lOff, max, dLogits, dOff);
        float loss = (float) (Math.log(sum) + max) - targetLogit;
        // pass 2: dLogits = softmax·gradScale, minus gradScale at the target
        float targetE = dLogits[dOff + target];
        scale(n, (float) (gradScale / sum), dLogits, dOff);
        dLogits[dOff + target] = ((float) (targetE / sum) - 1f) * gradScale;
        return loss;
    }

    // ================================================================= AdamW

    @Override
    public void adamW(int n, float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int mOff,
                      float lr, float beta1, float beta2, float eps, float weightDecay,
                      float biasCorrection1, float biasCorrection2) {
        // the same float operations in the same order as the reference, so the same bits
        float stepSize = lr / biasCorrection1;
        float sqrtBc2 = (float) Math.sqrt(biasCorrection2);
        float decay = 1f - lr * weightDecay;
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector gi = FloatVector.fromArray(F, g, gOff + i);
            FloatVector mi = FloatVector.fromArray(F, m, mOff + i).mul(beta1).add(gi.mul(oneMinusBeta1));
            FloatVector vi = FloatVector.fromArray(F, v, mOff + i).mul(beta2).add(gi.mul(oneMinusBeta2).mul(gi));
            mi.intoArray(m, mOff + i);
            vi.intoArray(v, mOff + i);
            FloatVector denom = vi.sqrt().div(sqrtBc2).add(eps);
            FloatVector.fromArray(F, p, pOff + i).mul(decay).sub(mi.mul(stepSize).div(denom)).intoArray(p, pOff + i);
        }
        ScalarKernels.adamWRange(i, n, p, pOff, g, gOff, m, v, mOff, beta1, beta2, eps, stepSize, sqrtBc2, decay);
    }
}
