package dev.graft.tensor.kernel;

import static dev.graft.tensor.kernel.Lanes.F;
import static dev.graft.tensor.kernel.Lanes.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Element-wise functions approximated by polynomials, in vectors and their scalar twins: exp, erfc,
 * tanh and the two forms of GELU with their derivatives.
 *
 * <p><b>exp</b> is evaluated with a polynomial (Cephes {@code expf}: Cody-Waite reduction by ln 2,
 * degree-5 minimax polynomial, relative error about 1 ulp) built only from IEEE add, multiply and
 * fma, so interpreted, C1 and C2 code give the same bits; the scalar tails use the same formula.
 * GELU's erf form uses the same erfc approximation as the reference (Numerical Recipes' erfcc), its
 * tanh form tanh(u) = sign(u)·(1 - 2/(exp(2|u|)+1)). The fused epilogue of
 * {@link VectorKernels#linearTransB} (inference) evaluates the erf form without a division instead
 * ({@link #fusedGeluErfRows}: erfc = exp of a polynomial), which {@link VectorKernels#gelu} and
 * {@link VectorKernels#geluBackward} (training) do not use.
 */
final class VectorMath {

    private VectorMath() {
    }

    // ================================================================= exp

    static final float EXP_HI = 88.3762626647949f;
    static final float EXP_LO = -87.3365478515625f;
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float ROUND_MAGIC = 12582912f; // 1.5·2^23: adding it rounds to an integer
    static final float P0 = 1.9875691500e-4f;
    static final float P1 = 1.3981999507e-3f;
    static final float P2 = 8.3334519073e-3f;
    static final float P3 = 4.1665795894e-2f;
    static final float P4 = 1.6666665459e-1f;
    static final float P5 = 5.0000001201e-1f;

    /**
     * e^x per lane (Cephes expf). Inputs above 88.376 saturate at e^88.376; inputs below -87.34
     * (including -inf) give 0; NaN gives NaN.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.min(EXP_HI).max(EXP_LO);
        FloatVector t = xc.fma(LOG2E, ROUND_MAGIC); // bits: 0x4B400000 + round(x·log2 e)
        FloatVector fx = t.sub(ROUND_MAGIC);
        FloatVector r = fx.fma(bc(-LN2_HI), xc);
        r = fx.fma(bc(-LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, bc(P2));
        p = p.fma(r, bc(P3));
        p = p.fma(r, bc(P4));
        p = p.fma(r, bc(P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        // 2^n from the integer in t's low mantissa bits (no float-to-int conversion)
        IntVector e = t.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23);
        y = y.mul(e.reinterpretAsFloats());
        return y.blend(0f, x.lt(EXP_LO));
    }

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(F, v);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
    static float exp(float x) {
        float xc = Math.max(Math.min(x, EXP_HI), EXP_LO);
        if (Float.isNaN(x)) {
            return Float.NaN;
        }
        float fx = Math.fma(xc, LOG2E, ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(fx, -LN2_HI, xc);
        r = Math.fma(fx, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        y = y * Float.intBitsToFloat(((int) fx + 127) << 23);
        return x < EXP_LO ? 0f : y;
    }

    // ================================================================= GELU

    static final float F_INV_SQRT_2 = (float) ScalarKernels.INV_SQRT_2;
    static final float F_INV_SQRT_2PI = (float) ScalarKernels.INV_SQRT_2PI;
    static final float F_SQRT_2_OVER_PI = (float) ScalarKernels.SQRT_2_OVER_PI;
    static final float F_GELU_C = (float) ScalarKernels.GELU_TANH_C;
    static final float F_GELU_3C = (float) (3 * ScalarKernels.GELU_TANH_C);
    // Numerical Recipes erfcc coefficients
    static final float E0 = -1.26551223f;
    static final float E1 = 1.00002368f;
    static final float E2 = 0.37409196f;
    static final float E3 = 0.09678418f;
    static final float E4 = -0.18628806f;
    static final float E5 = 0.27886807f;
    static final float E6 = -1.13520398f;
    static final float E7 = 1.48851587f;
    static final float E8 = -0.82215223f;
    static final float E9 = 0.17087277f;

    /** erfc(w), Numerical Recipes' erfcc in float (the vector loops below do the same operations). */
    static float erfcF(float w) {
        float z = Math.abs(w);
        float t = 1f / Math.fma(z, 0.5f, 1f);
        float p = Math.fma(t, E9, E8);
        p = Math.fma(p, t, E7);
        p = Math.fma(p, t, E6);
        p = Math.fma(p, t, E5);
        p = Math.fma(p, t, E4);
        p = Math.fma(p, t, E3);
        p = Math.fma(p, t, E2);
        p = Math.fma(p, t, E1);
        p = Math.fma(p, t, E0);
        float ans = t * exp(Math.fma(-z, z, p));
        return w < 0f ? 2f - ans : ans;
    }

    static float tanhF(float u) {
        float e = exp(Math.abs(u) * 2f);
        float t = 1f - 2f / (e + 1f);
        return u < 0f ? -t : t;
    }

    static float geluS(GeluForm form, float x) {
        if (form == GeluForm.ERF) {
            return x * 0.5f * erfcF(x * -F_INV_SQRT_2);
        }
        float u = Math.fma(x * x * F_GELU_C, x, x) * F_SQRT_2_OVER_PI;
        return x * 0.5f * (tanhF(u) + 1f);
    }

    static float geluDerivativeS(GeluForm form, float x) {
        if (form == GeluForm.ERF) {
            float phi = exp(x * x * -0.5f) * F_INV_SQRT_2PI;
            return erfcF(x * -F_INV_SQRT_2) * 0.5f + x * phi;
        }
        float x2 = x * x;
        float u = Math.fma(x2 * F_GELU_C, x, x) * F_SQRT_2_OVER_PI;
        float t = tanhF(u);
        float du = Math.fma(x2, F_GELU_3C, 1f) * F_SQRT_2_OVER_PI;
        float sech2 = Math.fma(-t, t, 1f);
        return (t + 1f) * 0.5f + x * 0.5f * sech2 * du;
    }

    /*
     * The four GELU loops below write erfc, tanh and exp out in full rather than calling vector
     * helpers: C2 does not always inline a chain of helpers that take and return vectors, and a
     * helper left as a call boxes its vectors (one allocation per vector). Each
     * loop does the same float operations, in the same order, as its scalar twin (geluS,
     * geluDerivativeS, erfcF, tanhF, exp(float)), which computes the tail, so all lanes agree bit
     * for bit with the scalar twin.
     */

    /** gelu(x) = x/2·erfc(-x/√2), with erfc (as erfcF) and exp written out in the loop. */
    static void geluErf(int n, float[] x, int xOff, float[] out, int outOff) {
        geluErfRows(1, n, x, xOff, 0, null, 0, out, outOff, 0);
    }

    /**
     * out[r, j] = gelu(x[r, j] (+ bias[j])) (erf form) for {@code rows} rows of n values, rows of
     * x and out at strides ldx and ldo; bias may be null. The bias is added first, as addBiasRows
     * adds it, so the result is the bits of addBiasRows followed by gelu.
     */
    private static void geluErfRows(int rows, int n, float[] x, int xOff, int ldx, float[] bias, int bOff,
                                    float[] out, int outOff, int ldo) {
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector two = FloatVector.broadcast(F, 2f);
        FloatVector e0 = FloatVector.broadcast(F, E0);
        FloatVector e1 = FloatVector.broadcast(F, E1);
        FloatVector e2 = FloatVector.broadcast(F, E2);
        FloatVector e3 = FloatVector.broadcast(F, E3);
        FloatVector e4 = FloatVector.broadcast(F, E4);
        FloatVector e5 = FloatVector.broadcast(F, E5);
        FloatVector e6 = FloatVector.broadcast(F, E6);
        FloatVector e7 = FloatVector.broadcast(F, E7);
        int bound = F.loopBound(n);
        for (int row = 0; row < rows; row++) {
            int xo = xOff + row * ldx;
            int oo = outOff + row * ldo;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                if (bias != null) {
                    xv = xv.add(FloatVector.fromArray(F, bias, bOff + i));
                }
                FloatVector w = xv.mul(-F_INV_SQRT_2);
                FloatVector ecz = w.abs();
                FloatVector ect = one.div(ecz.fma(0.5f, 1f));
                FloatVector ecq = ect.fma(E9, E8);
                ecq = ecq.fma(ect, e7);
                ecq = ecq.fma(ect, e6);
                ecq = ecq.fma(ect, e5);
                ecq = ecq.fma(ect, e4);
                ecq = ecq.fma(ect, e3);
                ecq = ecq.fma(ect, e2);
                ecq = ecq.fma(ect, e1);
                ecq = ecq.fma(ect, e0);
                FloatVector eca = ecz.neg().fma(ecz, ecq);
                FloatVector ecxc = eca.min(EXP_HI).max(EXP_LO);
                FloatVector ecxt = ecxc.fma(LOG2E, ROUND_MAGIC);
                FloatVector ecxf = ecxt.sub(ROUND_MAGIC);
                FloatVector ecxr = ecxf.fma(negLn2Hi, ecxc);
                ecxr = ecxf.fma(negLn2Lo, ecxr);
                FloatVector ecxp = ecxr.fma(P0, P1);
                ecxp = ecxp.fma(ecxr, p2);
                ecxp = ecxp.fma(ecxr, p3);
                ecxp = ecxp.fma(ecxr, p4);
                ecxp = ecxp.fma(ecxr, p5);
                FloatVector ecx = ecxp.fma(ecxr.mul(ecxr), ecxr).add(1f)
                        .mul(ecxt.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                        .blend(0f, eca.lt(EXP_LO));
                FloatVector ecm = ect.mul(ecx);
                FloatVector ec = ecm.blend(two.sub(ecm), w.lt(0f));
                xv.mul(0.5f).mul(ec).intoArray(out, oo + i);
            }
            for (; i < n; i++) {
                float v = bias != null ? x[xo + i] + bias[bOff + i] : x[xo + i];
                out[oo + i] = geluS(GeluForm.ERF, v);
            }
        }
    }

    // ---------------------------------------------------------------- GELU of the fused epilogue (erf form)

    /*
     * linearTransB's epilogue (inference: EncoderInference's feed-forward) evaluates the erf GELU
     * without a division, as gelu(x) = x·Φ(x) with Φ(x) = 1 - erfc(t)/2 for x >= 0 and erfc(t)/2 for
     * x < 0, t = |x|/√2, and erfc(t) = exp(Q(t)) for t <= 3.925 (erf(3.925) rounds to 1 in float):
     * Q(t) = t·(c1 + t·(c2 + ... + t·c9)), a weighted minimax fit of log erfc(t) on [0, 3.925]
     * (weight max(erfc(t), 1e-4), coefficients rounded to float one at a time from the highest
     * degree, the others refitted, by tools/reference/fit_gelu_erfc.py: the MLAS/Eigen recipe of a
     * polynomial erf, one exp and no division). Beyond |x| = 5.55 Φ is 1 or 0 (the true gelu there differs from x or 0 by less than
     * 6e-8). Evaluated in float: |Φ - Φ_exact| <= 2e-7 over the real line, relative error of Φ below
     * 2e-4 for x > -5.55; gelu(±0) = ±0, gelu(+inf) = +inf, gelu(-inf) = NaN (as geluS), NaN -> NaN.
     * The erfcc form (geluErfRows) costs a vector division per 16 values, its most expensive
     * operation. gelu and geluBackward (training) keep erfcc, so training numbers do not change.
     */
    static final float FG_T_MAX = 3.925f;
    static final float FG_X_MAX = (float) (FG_T_MAX * Math.sqrt(2));
    static final float FG_C1 = -1.128379822e+00f;
    static final float FG_C2 = -6.366058588e-01f;
    static final float FG_C3 = -1.028646156e-01f;
    static final float FG_C4 = 1.941042766e-02f;
    static final float FG_C5 = -2.442199329e-04f;
    static final float FG_C6 = -1.310992055e-03f;
    static final float FG_C7 = 4.579849192e-04f;
    static final float FG_C8 = -7.316198025e-05f;
    static final float FG_C9 = 4.719148365e-06f;

    /** The scalar twin of the fused epilogue's erf GELU ({@link #fusedGeluErfRows}): the same operations, the same bits. */
    static float fusedGeluErfS(float x) {
        float t = Math.min(Math.abs(x) * F_INV_SQRT_2, FG_T_MAX);
        // Q(t) by Estrin's scheme: pairs, then quadruples (a shorter dependency chain than Horner's)
        float t2 = t * t;
        float t4 = t2 * t2;
        float q12 = Math.fma(t, FG_C2, FG_C1);
        float q34 = Math.fma(t, FG_C4, FG_C3);
        float q56 = Math.fma(t, FG_C6, FG_C5);
        float q78 = Math.fma(t, FG_C8, FG_C7);
        float q14 = Math.fma(t2, q34, q12);
        float q58 = Math.fma(t2, q78, q56);
        float q59 = Math.fma(t4, FG_C9, q58);
        float q = Math.fma(t4, q59, q14) * t; // log erfc(t), in [-17.6, 0]: inside exp's range, no clamping
        float fx = Math.fma(q, LOG2E, ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(fx, -LN2_HI, q);
        r = Math.fma(fx, -LN2_LO, r);
        // exp's polynomial, also by Estrin's scheme
        float r2 = r * r;
        float e45 = Math.fma(r, P4, P5);
        float e23 = Math.fma(r, P2, P3);
        float e01 = Math.fma(r, P0, P1);
        float p = Math.fma(r2, Math.fma(r2, e01, e23), e45);
        float y = Math.fma(p, r2, r) + 1f;
        float h = y * Float.intBitsToFloat(((int) fx + 126) << 23); // erfc(t)/2: 2^(n-1)
        float phi = x < 0f ? h : 1f - h;
        return x < -FG_X_MAX ? x * 0f : x * phi;
    }

    /**
     * out[r, j] = gelu(x[r, j] (+ bias[j])) (erf form, the division-free erf above) for {@code rows}
     * rows of n values at strides ldx and ldo; bias may be null. Lanes agree bit for bit with
     * {@link #fusedGeluErfS}, which computes the tails.
     */
    static void fusedGeluErfRows(int rows, int n, float[] x, int xOff, int ldx, float[] bias, int bOff,
                                 float[] out, int outOff, int ldo) {
        // every constant in a vector, made once (not a broadcast per use), except zero: a zero vector
        // made here was boxed once per call when C2 compiled this loop after linearTransB's other
        // epilogues (KernelBoxingTest, reverse order with -Xbatch), so the comparisons and the blend
        // take 0f; both polynomials by Estrin's scheme: the loop is bound by its dependency chain,
        // not by its operation count
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p0 = FloatVector.broadcast(F, P0);
        FloatVector p1 = FloatVector.broadcast(F, P1);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector invSqrt2 = FloatVector.broadcast(F, F_INV_SQRT_2);
        FloatVector tMax = FloatVector.broadcast(F, FG_T_MAX);
        FloatVector negXMax = FloatVector.broadcast(F, -FG_X_MAX);
        FloatVector log2e = FloatVector.broadcast(F, LOG2E);
        FloatVector magic = FloatVector.broadcast(F, ROUND_MAGIC);
        FloatVector c1 = FloatVector.broadcast(F, FG_C1);
        FloatVector c2 = FloatVector.broadcast(F, FG_C2);
        FloatVector c3 = FloatVector.broadcast(F, FG_C3);
        FloatVector c4 = FloatVector.broadcast(F, FG_C4);
        FloatVector c5 = FloatVector.broadcast(F, FG_C5);
        FloatVector c6 = FloatVector.broadcast(F, FG_C6);
        FloatVector c7 = FloatVector.broadcast(F, FG_C7);
        FloatVector c8 = FloatVector.broadcast(F, FG_C8);
        FloatVector c9 = FloatVector.broadcast(F, FG_C9);
        int bound = F.loopBound(n);
        for (int row = 0; row < rows; row++) {
            int xo = xOff + row * ldx;
            int oo = outOff + row * ldo;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                if (bias != null) {
                    xv = xv.add(FloatVector.fromArray(F, bias, bOff + i));
                }
                // min by compare and blend (two instructions; min's Java semantics cost six), the
                // same value for every t >= 0 and NaN
                FloatVector ta = xv.abs().mul(invSqrt2);
                FloatVector t = ta.blend(tMax, ta.compare(VectorOperators.GT, tMax));
                FloatVector t2 = t.mul(t);
                FloatVector t4 = t2.mul(t2);
                FloatVector q12 = t.fma(c2, c1);
                FloatVector q34 = t.fma(c4, c3);
                FloatVector q56 = t.fma(c6, c5);
                FloatVector q78 = t.fma(c8, c7);
                FloatVector q14 = t2.fma(q34, q12);
                FloatVector q58 = t2.fma(q78, q56);
                FloatVector q59 = t4.fma(c9, q58);
                FloatVector q = t4.fma(q59, q14).mul(t);
                FloatVector et = q.fma(log2e, magic);
                FloatVector ef = et.sub(magic);
                FloatVector er = ef.fma(negLn2Hi, q);
                er = ef.fma(negLn2Lo, er);
                FloatVector r2 = er.mul(er);
                FloatVector e45 = er.fma(p4, p5);
                FloatVector e23 = er.fma(p2, p3);
                FloatVector e01 = er.fma(p0, p1);
                FloatVector ep = r2.fma(r2.fma(e01, e23), e45);
                FloatVector h = ep.fma(r2, er).add(one)
                        .mul(et.reinterpretAsInts().add(126 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
                FloatVector phi = one.sub(h).blend(h, xv.compare(VectorOperators.LT, 0f));
                xv.mul(phi.blend(0f, xv.compare(VectorOperators.LT, negXMax))).intoArray(out, oo + i);
            }
            for (; i < n; i++) {
                out[oo + i] = fusedGeluErfS(bias != null ? x[xo + i] + bias[bOff + i] : x[xo + i]);
            }
        }
    }

    /** gelu(x) = x/2·(1 + tanh(√(2/π)(x + 0.044715x³))), tanh and exp written out in the loop. */
    static void geluTanh(int n, float[] x, int xOff, float[] out, int outOff) {
        geluTanhRows(1, n, x, xOff, 0, null, 0, out, outOff, 0);
    }

    /** As {@link #geluErfRows} for the tanh form. */
    static void geluTanhRows(int rows, int n, float[] x, int xOff, int ldx, float[] bias, int bOff,
                             float[] out, int outOff, int ldo) {
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector two = FloatVector.broadcast(F, 2f);
        int bound = F.loopBound(n);
        for (int row = 0; row < rows; row++) {
            int xo = xOff + row * ldx;
            int oo = outOff + row * ldo;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                if (bias != null) {
                    xv = xv.add(FloatVector.fromArray(F, bias, bOff + i));
                }
                FloatVector u = xv.mul(xv).mul(F_GELU_C).fma(xv, xv).mul(F_SQRT_2_OVER_PI);
                FloatVector tha = u.abs().mul(2f);
                FloatVector thec = tha.min(EXP_HI).max(EXP_LO);
                FloatVector thet = thec.fma(LOG2E, ROUND_MAGIC);
                FloatVector thef = thet.sub(ROUND_MAGIC);
                FloatVector ther = thef.fma(negLn2Hi, thec);
                ther = thef.fma(negLn2Lo, ther);
                FloatVector thep = ther.fma(P0, P1);
                thep = thep.fma(ther, p2);
                thep = thep.fma(ther, p3);
                thep = thep.fma(ther, p4);
                thep = thep.fma(ther, p5);
                FloatVector the = thep.fma(ther.mul(ther), ther).add(1f)
                        .mul(thet.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                        .blend(0f, tha.lt(EXP_LO));
                FloatVector thm = one.sub(two.div(the.add(1f)));
                FloatVector th = thm.blend(thm.neg(), u.lt(0f));
                xv.mul(0.5f).mul(th.add(1f)).intoArray(out, oo + i);
            }
            for (; i < n; i++) {
                float v = bias != null ? x[xo + i] + bias[bOff + i] : x[xo + i];
                out[oo + i] = geluS(GeluForm.TANH, v);
            }
        }
    }

    /** dx (+)= dy·gelu'(x) for the erf form, erfc and exp written out in the loop. */
    static void geluErfBackward(int n, float[] x, int xOff, float[] dy, int dyOff, float[] dx,
                                int dxOff, boolean accumulate) {
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector two = FloatVector.broadcast(F, 2f);
        FloatVector e0 = FloatVector.broadcast(F, E0);
        FloatVector e1 = FloatVector.broadcast(F, E1);
        FloatVector e2 = FloatVector.broadcast(F, E2);
        FloatVector e3 = FloatVector.broadcast(F, E3);
        FloatVector e4 = FloatVector.broadcast(F, E4);
        FloatVector e5 = FloatVector.broadcast(F, E5);
        FloatVector e6 = FloatVector.broadcast(F, E6);
        FloatVector e7 = FloatVector.broadcast(F, E7);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            FloatVector pha = xv.mul(xv).mul(-0.5f);
            FloatVector phc = pha.min(EXP_HI).max(EXP_LO);
            FloatVector pht = phc.fma(LOG2E, ROUND_MAGIC);
            FloatVector phf = pht.sub(ROUND_MAGIC);
            FloatVector phr = phf.fma(negLn2Hi, phc);
            phr = phf.fma(negLn2Lo, phr);
            FloatVector php = phr.fma(P0, P1);
            php = php.fma(phr, p2);
            php = php.fma(phr, p3);
            php = php.fma(phr, p4);
            php = php.fma(phr, p5);
            FloatVector ph = php.fma(phr.mul(phr), phr).add(1f)
                    .mul(pht.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .blend(0f, pha.lt(EXP_LO));
            FloatVector phi = ph.mul(F_INV_SQRT_2PI);
            FloatVector w = xv.mul(-F_INV_SQRT_2);
            FloatVector ecz = w.abs();
            FloatVector ect = one.div(ecz.fma(0.5f, 1f));
            FloatVector ecq = ect.fma(E9, E8);
            ecq = ecq.fma(ect, e7);
            ecq = ecq.fma(ect, e6);
            ecq = ecq.fma(ect, e5);
            ecq = ecq.fma(ect, e4);
            ecq = ecq.fma(ect, e3);
            ecq = ecq.fma(ect, e2);
            ecq = ecq.fma(ect, e1);
            ecq = ecq.fma(ect, e0);
            FloatVector eca = ecz.neg().fma(ecz, ecq);
            FloatVector ecxc = eca.min(EXP_HI).max(EXP_LO);
            FloatVector ecxt = ecxc.fma(LOG2E, ROUND_MAGIC);
            FloatVector ecxf = ecxt.sub(ROUND_MAGIC);
            FloatVector ecxr = ecxf.fma(negLn2Hi, ecxc);
            ecxr = ecxf.fma(negLn2Lo, ecxr);
            FloatVector ecxp = ecxr.fma(P0, P1);
            ecxp = ecxp.fma(ecxr, p2);
            ecxp = ecxp.fma(ecxr, p3);
            ecxp = ecxp.fma(ecxr, p4);
            ecxp = ecxp.fma(ecxr, p5);
            FloatVector ecx = ecxp.fma(ecxr.mul(ecxr), ecxr).add(1f)
                    .mul(ecxt.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .blend(0f, eca.lt(EXP_LO));
            FloatVector ecm = ect.mul(ecx);
            FloatVector ec = ecm.blend(two.sub(ecm), w.lt(0f));
            FloatVector d = ec.mul(0.5f).add(xv.mul(phi));
            FloatVector g = FloatVector.fromArray(F, dy, dyOff + i).mul(d);
            if (accumulate) {
                FloatVector.fromArray(F, dx, dxOff + i).add(g).intoArray(dx, dxOff + i);
            } else {
                g.intoArray(dx, dxOff + i);
            }
        }
        for (; i < n; i++) {
            float g = dy[dyOff + i] * geluDerivativeS(GeluForm.ERF, x[xOff + i]);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }

    /** dx (+)= dy·gelu'(x) for the tanh form, tanh and exp written out in the loop. */
    static void geluTanhBackward(int n, float[] x, int xOff, float[] dy, int dyOff, float[] dx,
                                 int dxOff, boolean accumulate) {
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector two = FloatVector.broadcast(F, 2f);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            FloatVector x2 = xv.mul(xv);
            FloatVector u = x2.mul(F_GELU_C).fma(xv, xv).mul(F_SQRT_2_OVER_PI);
            FloatVector tha = u.abs().mul(2f);
            FloatVector thec = tha.min(EXP_HI).max(EXP_LO);
            FloatVector thet = thec.fma(LOG2E, ROUND_MAGIC);
            FloatVector thef = thet.sub(ROUND_MAGIC);
            FloatVector ther = thef.fma(negLn2Hi, thec);
            ther = thef.fma(negLn2Lo, ther);
            FloatVector thep = ther.fma(P0, P1);
            thep = thep.fma(ther, p2);
            thep = thep.fma(ther, p3);
            thep = thep.fma(ther, p4);
            thep = thep.fma(ther, p5);
            FloatVector the = thep.fma(ther.mul(ther), ther).add(1f)
                    .mul(thet.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .blend(0f, tha.lt(EXP_LO));
            FloatVector thm = one.sub(two.div(the.add(1f)));
            FloatVector th = thm.blend(thm.neg(), u.lt(0f));
            FloatVector du = x2.fma(F_GELU_3C, 1f).mul(F_SQRT_2_OVER_PI);
            FloatVector sech2 = th.neg().fma(th, one);
            FloatVector d = th.add(1f).mul(0.5f).add(xv.mul(0.5f).mul(sech2).mul(du));
            FloatVector g = FloatVector.fromArray(F, dy, dyOff + i).mul(d);
            if (accumulate) {
                FloatVector.fromArray(F, dx, dxOff + i).add(g).intoArray(dx, dxOff + i);
            } else {
                g.intoArray(dx, dxOff + i);
            }
        }
        for (; i < n; i++) {
            float g = dy[dyOff + i] * geluDerivativeS(GeluForm.TANH, x[xOff + i]);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }
}
