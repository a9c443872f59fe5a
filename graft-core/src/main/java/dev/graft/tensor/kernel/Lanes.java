package dev.graft.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species the kernels run on, and the work across the lanes of a vector that every
 * other vector kernel class shares: lane sums in a fixed order, the fixed-order reductions built on
 * them, and in-register transposes.
 *
 * <p>Reductions (dot, sums in softmax, layer norm, cross-entropy) keep per-lane partial sums in float
 * vectors over short chunks, add each chunk's lanes in a fixed order and accumulate the chunks in
 * double: {@code reduceLanes(ADD)} has an unspecified order that can differ between JIT tiers. (No
 * float-to-double vector conversions: C2 does not always intrinsify them.)
 */
final class Lanes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Float lanes per vector. */
    static final int L = F.length();

    private Lanes() {
    }

    // ---------------------------------------------------------------- lane permutations

    /*
     * One stage of an in-register transpose exchanges bit c of the lane index with one bit of the
     * vector index: for a pair of vectors (v, w) whose indexes differ in that bit,
     * lo = v.blend(w.rearrange(SWAPc), LANE_BITc) and hi = v.rearrange(SWAPc).blend(w, LANE_BITc),
     * where SWAPc exchanges lanes l and l ^ 2^c and LANE_BITc selects the lanes with bit c set.
     * (The two-vector selectFrom would take one instruction per output but needs JDK 24.)
     */
    private static final VectorShuffle<Float> SWAP0 = swapShuffle(0);
    private static final VectorShuffle<Float> SWAP1 = swapShuffle(1);
    private static final VectorShuffle<Float> SWAP2 = swapShuffle(2);
    private static final VectorShuffle<Float> SWAP3 = swapShuffle(3);
    private static final VectorMask<Float> LANE_BIT0 = laneBitMask(0);
    private static final VectorMask<Float> LANE_BIT1 = laneBitMask(1);
    private static final VectorMask<Float> LANE_BIT2 = laneBitMask(2);
    private static final VectorMask<Float> LANE_BIT3 = laneBitMask(3);

    private static VectorShuffle<Float> swapShuffle(int c) {
        return VectorShuffle.fromOp(F, lane -> (lane ^ (1 << c)) & (L - 1));
    }

    private static VectorMask<Float> laneBitMask(int c) {
        boolean[] bits = new boolean[L];
        for (int lane = 0; lane < L; lane++) {
            bits[lane] = (lane & (1 << c)) != 0;
        }
        return VectorMask.fromArray(F, bits, 0);
    }

    // ---------------------------------------------------------------- fixed-order reductions

    /**
     * The sum of the lanes of v in a fixed order (a butterfly: lanes l and l ^ 2^c added for c from
     * the widest stride down), unlike reduceLanes(ADD), whose order is unspecified and can differ
     * between JIT tiers. Only lanewise IEEE additions, so every tier gives the same bits.
     */
    static float sumLanes(FloatVector v) {
        if (L >= 16) {
            v = v.add(v.rearrange(SWAP3));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(SWAP2));
        }
        if (L >= 4) {
            v = v.add(v.rearrange(SWAP1));
        }
        v = v.add(v.rearrange(SWAP0));
        return v.lane(0);
    }

    /** Floats are summed per lane in float over at most this many elements, then added into a double. */
    static final int CHUNK = 32 * L;

    /** Σ x·y: float fma per lane over chunks, each chunk's lanes in a fixed order, chunks in double. */
    static double dotD(int n, float[] x, int xOff, float[] y, int yOff) {
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (; i + 2 * L <= end; i += 2 * L) {
                acc0 = FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.fromArray(F, y, yOff + i), acc0);
                acc1 = FloatVector.fromArray(F, x, xOff + i + L).fma(FloatVector.fromArray(F, y, yOff + i + L), acc1);
            }
            if (i < end) {
                acc0 = FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.fromArray(F, y, yOff + i), acc0);
                i += L;
            }
            FloatVector acc = acc0.add(acc1);
            chunkSums += sumLanes(acc);
        }
        double s = chunkSums;
        for (; i < n; i++) {
            s += (double) x[xOff + i] * y[yOff + i];
        }
        return s;
    }

    /** Σ x, computed like {@link #dotD}. */
    static double sumD(int n, float[] x, int xOff) {
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (; i + 2 * L <= end; i += 2 * L) {
                acc0 = acc0.add(FloatVector.fromArray(F, x, xOff + i));
                acc1 = acc1.add(FloatVector.fromArray(F, x, xOff + i + L));
            }
            if (i < end) {
                acc0 = acc0.add(FloatVector.fromArray(F, x, xOff + i));
                i += L;
            }
            FloatVector acc = acc0.add(acc1);
            chunkSums += sumLanes(acc);
        }
        double s = chunkSums;
        for (; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    /** Σ (x - mu)², float per lane over chunks, each chunk's lanes in a fixed order, chunks in double. */
    static double sumSquaredDeviations(int n, float[] x, int xo, float mu) {
        FloatVector vmu = FloatVector.broadcast(F, mu);
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc = FloatVector.zero(F);
            for (; i < end; i += L) {
                FloatVector d = FloatVector.fromArray(F, x, xo + i).sub(vmu);
                acc = d.fma(d, acc);
            }
            chunkSums += sumLanes(acc);
        }
        double s = chunkSums;
        for (; i < n; i++) {
            double d = x[xo + i] - mu;
            s += d * d;
        }
        return s;
    }

    /** Maximum of x[0..n); order-independent, so reduceLanes(MAX) is safe. n must be positive. */
    static float max(int n, float[] x, int xOff) {
        float max = Float.NEGATIVE_INFINITY;
        int bound = F.loopBound(n);
        int i = 0;
        if (bound > 0) {
            FloatVector vm = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += L) {
                vm = vm.max(FloatVector.fromArray(F, x, xOff + i));
            }
            max = vm.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[xOff + i]);
        }
        return max;
    }

    // ---------------------------------------------------------------- in-register transposes

    /**
     * Transposes a 16 x 16 block held in 16-lane vectors: element p of row j (src[s0 + j·ld + p])
     * goes to dst[d0 + p·dstride + j].
     */
    static void transpose16(float[] src, int s0, int ld, float[] dst, int d0, int dstride) {
        FloatVector r0 = FloatVector.fromArray(F, src, s0);
        FloatVector r1 = FloatVector.fromArray(F, src, s0 + 1 * ld);
        FloatVector r2 = FloatVector.fromArray(F, src, s0 + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, s0 + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, src, s0 + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, src, s0 + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, src, s0 + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, src, s0 + 7 * ld);
        FloatVector r8 = FloatVector.fromArray(F, src, s0 + 8 * ld);
        FloatVector r9 = FloatVector.fromArray(F, src, s0 + 9 * ld);
        FloatVector r10 = FloatVector.fromArray(F, src, s0 + 10 * ld);
        FloatVector r11 = FloatVector.fromArray(F, src, s0 + 11 * ld);
        FloatVector r12 = FloatVector.fromArray(F, src, s0 + 12 * ld);
        FloatVector r13 = FloatVector.fromArray(F, src, s0 + 13 * ld);
        FloatVector r14 = FloatVector.fromArray(F, src, s0 + 14 * ld);
        FloatVector r15 = FloatVector.fromArray(F, src, s0 + 15 * ld);
        FloatVector sa0 = r0.blend(r1.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa1 = r0.rearrange(SWAP0).blend(r1, LANE_BIT0);
        FloatVector sa2 = r2.blend(r3.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa3 = r2.rearrange(SWAP0).blend(r3, LANE_BIT0);
        FloatVector sa4 = r4.blend(r5.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa5 = r4.rearrange(SWAP0).blend(r5, LANE_BIT0);
        FloatVector sa6 = r6.blend(r7.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa7 = r6.rearrange(SWAP0).blend(r7, LANE_BIT0);
        FloatVector sa8 = r8.blend(r9.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa9 = r8.rearrange(SWAP0).blend(r9, LANE_BIT0);
        FloatVector sa10 = r10.blend(r11.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa11 = r10.rearrange(SWAP0).blend(r11, LANE_BIT0);
        FloatVector sa12 = r12.blend(r13.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa13 = r12.rearrange(SWAP0).blend(r13, LANE_BIT0);
        FloatVector sa14 = r14.blend(r15.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa15 = r14.rearrange(SWAP0).blend(r15, LANE_BIT0);
        FloatVector sb0 = sa0.blend(sa2.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb2 = sa0.rearrange(SWAP1).blend(sa2, LANE_BIT1);
        FloatVector sb1 = sa1.blend(sa3.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb3 = sa1.rearrange(SWAP1).blend(sa3, LANE_BIT1);
        FloatVector sb4 = sa4.blend(sa6.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb6 = sa4.rearrange(SWAP1).blend(sa6, LANE_BIT1);
        FloatVector sb5 = sa5.blend(sa7.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb7 = sa5.rearrange(SWAP1).blend(sa7, LANE_BIT1);
        FloatVector sb8 = sa8.blend(sa10.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb10 = sa8.rearrange(SWAP1).blend(sa10, LANE_BIT1);
        FloatVector sb9 = sa9.blend(sa11.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb11 = sa9.rearrange(SWAP1).blend(sa11, LANE_BIT1);
        FloatVector sb12 = sa12.blend(sa14.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb14 = sa12.rearrange(SWAP1).blend(sa14, LANE_BIT1);
        FloatVector sb13 = sa13.blend(sa15.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb15 = sa13.rearrange(SWAP1).blend(sa15, LANE_BIT1);
        FloatVector sc0 = sb0.blend(sb4.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc4 = sb0.rearrange(SWAP2).blend(sb4, LANE_BIT2);
        FloatVector sc1 = sb1.blend(sb5.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc5 = sb1.rearrange(SWAP2).blend(sb5, LANE_BIT2);
        FloatVector sc2 = sb2.blend(sb6.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc6 = sb2.rearrange(SWAP2).blend(sb6, LANE_BIT2);
        FloatVector sc3 = sb3.blend(sb7.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc7 = sb3.rearrange(SWAP2).blend(sb7, LANE_BIT2);
        FloatVector sc8 = sb8.blend(sb12.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc12 = sb8.rearrange(SWAP2).blend(sb12, LANE_BIT2);
        FloatVector sc9 = sb9.blend(sb13.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc13 = sb9.rearrange(SWAP2).blend(sb13, LANE_BIT2);
        FloatVector sc10 = sb10.blend(sb14.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc14 = sb10.rearrange(SWAP2).blend(sb14, LANE_BIT2);
        FloatVector sc11 = sb11.blend(sb15.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc15 = sb11.rearrange(SWAP2).blend(sb15, LANE_BIT2);
        FloatVector sd0 = sc0.blend(sc8.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd8 = sc0.rearrange(SWAP3).blend(sc8, LANE_BIT3);
        FloatVector sd1 = sc1.blend(sc9.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd9 = sc1.rearrange(SWAP3).blend(sc9, LANE_BIT3);
        FloatVector sd2 = sc2.blend(sc10.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd10 = sc2.rearrange(SWAP3).blend(sc10, LANE_BIT3);
        FloatVector sd3 = sc3.blend(sc11.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd11 = sc3.rearrange(SWAP3).blend(sc11, LANE_BIT3);
        FloatVector sd4 = sc4.blend(sc12.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd12 = sc4.rearrange(SWAP3).blend(sc12, LANE_BIT3);
        FloatVector sd5 = sc5.blend(sc13.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd13 = sc5.rearrange(SWAP3).blend(sc13, LANE_BIT3);
        FloatVector sd6 = sc6.blend(sc14.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd14 = sc6.rearrange(SWAP3).blend(sc14, LANE_BIT3);
        FloatVector sd7 = sc7.blend(sc15.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd15 = sc7.rearrange(SWAP3).blend(sc15, LANE_BIT3);
        sd0.intoArray(dst, d0);
        sd1.intoArray(dst, d0 + 1 * dstride);
        sd2.intoArray(dst, d0 + 2 * dstride);
        sd3.intoArray(dst, d0 + 3 * dstride);
        sd4.intoArray(dst, d0 + 4 * dstride);
        sd5.intoArray(dst, d0 + 5 * dstride);
        sd6.intoArray(dst, d0 + 6 * dstride);
        sd7.intoArray(dst, d0 + 7 * dstride);
        sd8.intoArray(dst, d0 + 8 * dstride);
        sd9.intoArray(dst, d0 + 9 * dstride);
        sd10.intoArray(dst, d0 + 10 * dstride);
        sd11.intoArray(dst, d0 + 11 * dstride);
        sd12.intoArray(dst, d0 + 12 * dstride);
        sd13.intoArray(dst, d0 + 13 * dstride);
        sd14.intoArray(dst, d0 + 14 * dstride);
        sd15.intoArray(dst, d0 + 15 * dstride);
    }

    /**
     * Packs an 8 x 16 block of row-major A for the 8-row micro-kernel: element p of row r
     * (src[s0 + r·ld + p]) goes to dst[d0 + p·8 + r].
     */
    static void transpose8x16(float[] src, int s0, int ld, float[] dst, int d0) {
        FloatVector r0 = FloatVector.fromArray(F, src, s0);
        FloatVector r1 = FloatVector.fromArray(F, src, s0 + 1 * ld);
        FloatVector r2 = FloatVector.fromArray(F, src, s0 + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, s0 + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, src, s0 + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, src, s0 + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, src, s0 + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, src, s0 + 7 * ld);
        FloatVector sa0 = r0.blend(r1.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa1 = r0.rearrange(SWAP0).blend(r1, LANE_BIT0);
        FloatVector sa2 = r2.blend(r3.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa3 = r2.rearrange(SWAP0).blend(r3, LANE_BIT0);
        FloatVector sa4 = r4.blend(r5.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa5 = r4.rearrange(SWAP0).blend(r5, LANE_BIT0);
        FloatVector sa6 = r6.blend(r7.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa7 = r6.rearrange(SWAP0).blend(r7, LANE_BIT0);
        FloatVector sb0 = sa0.blend(sa2.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb2 = sa0.rearrange(SWAP1).blend(sa2, LANE_BIT1);
        FloatVector sb1 = sa1.blend(sa3.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb3 = sa1.rearrange(SWAP1).blend(sa3, LANE_BIT1);
        FloatVector sb4 = sa4.blend(sa6.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb6 = sa4.rearrange(SWAP1).blend(sa6, LANE_BIT1);
        FloatVector sb5 = sa5.blend(sa7.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb7 = sa5.rearrange(SWAP1).blend(sa7, LANE_BIT1);
        FloatVector sc0 = sb0.blend(sb4.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc4 = sb0.rearrange(SWAP2).blend(sb4, LANE_BIT2);
        FloatVector sc1 = sb1.blend(sb5.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc5 = sb1.rearrange(SWAP2).blend(sb5, LANE_BIT2);
        FloatVector sc2 = sb2.blend(sb6.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc6 = sb2.rearrange(SWAP2).blend(sb6, LANE_BIT2);
        FloatVector sc3 = sb3.blend(sb7.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc7 = sb3.rearrange(SWAP2).blend(sb7, LANE_BIT2);
        FloatVector sd0 = sc0.blend(sc1.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd1 = sc0.rearrange(SWAP3).blend(sc1, LANE_BIT3);
        FloatVector sd2 = sc2.blend(sc3.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd3 = sc2.rearrange(SWAP3).blend(sc3, LANE_BIT3);
        FloatVector sd4 = sc4.blend(sc5.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd5 = sc4.rearrange(SWAP3).blend(sc5, LANE_BIT3);
        FloatVector sd6 = sc6.blend(sc7.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd7 = sc6.rearrange(SWAP3).blend(sc7, LANE_BIT3);
        // now lane bits are (r0, r1, r2, p0) and vector v holds p1 = bit 1, p2 = bit 2, p3 = bit 0 of v
        sd0.intoArray(dst, d0);
        sd1.intoArray(dst, d0 + 64);
        sd2.intoArray(dst, d0 + 16);
        sd3.intoArray(dst, d0 + 80);
        sd4.intoArray(dst, d0 + 32);
        sd5.intoArray(dst, d0 + 96);
        sd6.intoArray(dst, d0 + 48);
        sd7.intoArray(dst, d0 + 112);
    }
}
