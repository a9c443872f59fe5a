package dev.graft.distill;

import dev.graft.model.TokenBatch;
import dev.graft.nn.Buffers;
import dev.graft.nn.Compute;
import dev.graft.nn.Linear;
import dev.graft.nn.Parameter;

import java.util.Arrays;
import java.util.List;

/**
 * Layer-wise distillation in the manner of TinyBERT (Jiao et al. 2020, eqs. 7-9) and MiniLM (Wang et al.
 * 2020, eq. 5), over the P block pairs of a {@link LayerMap}:
 * <pre>
 *   hidden:    L_h = 1/P Σ_p  1/(R·D_T) Σ_{real tokens r} |H_S^p[r] W_h + b_h - H_T^p[r]|²
 *   attention: L_a = 1/P Σ_p  1/(R·H)   Σ_{heads h, real queries i} KL(A_T^p[h,i,:] || A_S^p[h,i,:])
 *   L = L_h + L_a
 * </pre>
 * R is the number of real (not padding) tokens of the batch; the KL sums over the real keys,
 * {@code Σ a_t (log a_t - log max(a_s, 1e-30))} with 0·log 0 = 0. The projection {@code W_h} (one, shared by
 * every pair, as TinyBERT's) exists only when the widths differ. Attention distributions are compared head by
 * head when student and teacher have as many heads; otherwise each side's distributions are averaged over its
 * heads first (H = 1 above), which is again a distribution per query: a student with fewer heads is not made
 * to pick which teacher heads to copy. The teacher's side is averaged by {@link TeacherOutputs}. The PyTorch
 * twin is {@code tools/reference/make_distill_fixture.py}.
 */
public final class LayerLoss {
    /** Floor of a student probability inside the logarithm (its gradient is 0 below it, as torch.clamp's). */
    static final float PROBABILITY_FLOOR = 1e-30f;

    private final int pairs;
    private final int studentWidth;
    private final int teacherWidth;
    private final int studentHeads;
    private final int comparedHeads; // studentHeads when they match the teacher's, else 1
    private final Linear projection; // null when the widths are equal

    private TokenBatch batch;
    private int realTokens;
    private float[][] studentHidden;
    private float[][] studentProbs;
    private float[][] teacherHidden;
    private float[][] teacherProbs;
    private float[] stacked; // (P·N, Ds) the student's states of every pair, for one projection GEMM
    private float[] projected; // (P·N, Dt), the projection's (or stacked when no projection)
    private float[][] averaged; // per pair (B, 1, T, T) the student's head average, when comparing averages
    private float[] dProjected;
    private final float[][] dHidden;
    private final float[][] dProbs;
    private double lastHidden;
    private double lastAttention;

    public LayerLoss(Compute compute, int pairs, int studentWidth, int teacherWidth, int studentHeads,
                     int teacherHeads) {
        if (pairs <= 0) {
            throw new IllegalArgumentException("layer-wise distillation needs at least one mapped block");
        }
        this.pairs = pairs;
        this.studentWidth = studentWidth;
        this.teacherWidth = teacherWidth;
        this.studentHeads = studentHeads;
        this.comparedHeads = comparedHeads(studentHeads, teacherHeads);
        this.projection = studentWidth == teacherWidth ? null
                : new Linear(compute, "distill.hidden_projection", studentWidth, teacherWidth, Linear.Layout.OUT_IN,
                true);
        this.dHidden = new float[pairs][];
        this.dProbs = new float[pairs][];
        this.averaged = new float[pairs][];
    }

    /** Heads compared: all of them when both sides have as many, else 1 (each side's average). */
    public static int comparedHeads(int studentHeads, int teacherHeads) {
        return studentHeads == teacherHeads ? studentHeads : 1;
    }

    public List<Parameter> parameters() {
        return projection == null ? List.of() : projection.parameters();
    }

    public Linear projection() {
        return projection;
    }

    /** The hidden-state part of the last forward's loss. */
    public double lastHiddenLoss() {
        return lastHidden;
    }

    /** The attention part of the last forward's loss. */
    public double lastAttentionLoss() {
        return lastAttention;
    }

    /**
     * The loss; caches what {@link #backward} needs (the arrays must stay intact until then).
     *
     * @param studentHidden per pair, the student block's output (B·T, Ds)
     * @param studentProbs  per pair, the student block's attention probabilities (B, Hs, T, T)
     * @param teacherHidden per pair, the teacher block's output (B·T, Dt)
     * @param teacherProbs  per pair, the teacher's probabilities (B, H, T, T), H = {@link #comparedHeads}
     */
    public double forward(TokenBatch batch, float[][] studentHidden, float[][] studentProbs, float[][] teacherHidden,
                          float[][] teacherProbs) {
        if (studentHidden.length != pairs || studentProbs.length != pairs || teacherHidden.length != pairs
                || teacherProbs.length != pairs) {
            throw new IllegalArgumentException("expected " + pairs + " layer pairs");
        }
        this.batch = batch;
        this.studentHidden = studentHidden;
        this.studentProbs = studentProbs;
        this.teacherHidden = teacherHidden;
        this.teacherProbs = teacherProbs;
        int b = batch.batch();
        int time = batch.time();
        int n = b * time;
        int[] mask = batch.attentionMask();
        realTokens = 0;
        for (int r = 0; r < n; r++) {
            if (mask == null || mask[r] != 0) {
                realTokens++;
            }
        }
        // hidden states
        if (projection != null) {
            stacked = Buffers.ensure(stacked, pairs * n * studentWidth);
            for (int p = 0; p < pairs; p++) {
                System.arraycopy(studentHidden[p], 0, stacked, p * n * studentWidth, n * studentWidth);
            }
            projected = projection.forward(stacked, pairs * n);
        }
        double hidden = 0;
        for (int p = 0; p < pairs; p++) {
            float[] s = projection != null ? projected : studentHidden[p];
            int so = projection != null ? p * n * teacherWidth : 0;
            float[] t = teacherHidden[p];
            double sum = 0;
            for (int r = 0; r < n; r++) {
                if (mask != null && mask[r] == 0) {
                    continue;
                }
                for (int j = 0; j < teacherWidth; j++) {
                    double d = (double) s[so + r * teacherWidth + j] - t[r * teacherWidth + j];
                    sum += d * d;
                }
            }
            hidden += sum / ((double) realTokens * teacherWidth);
        }
        lastHidden = hidden / pairs;
        // attention distributions
        double attention = 0;
        for (int p = 0; p < pairs; p++) {
            float[] s = studentProbs[p];
            if (comparedHeads != studentHeads) {
                averaged[p] = Buffers.ensure(averaged[p], b * time * time);
                averageHeads(s, b, studentHeads, time, averaged[p]);
                s = averaged[p];
            }
            double sum = attentionTerm(teacherProbs[p], s, null, 0, b, time, mask);
            attention += sum / ((double) realTokens * comparedHeads);
        }
        lastAttention = attention / pairs;
        return lastHidden + lastAttention;
    }

    /** Averages probabilities (B, H, T, T) over the heads into out (B, 1, T, T). */
    public static void averageHeads(float[] probs, int b, int heads, int time, float[] out) {
        int tt = time * time;
        for (int bi = 0; bi < b; bi++) {
            for (int k = 0; k < tt; k++) {
                double sum = 0;
                for (int h = 0; h < heads; h++) {
                    sum += probs[(bi * heads + h) * tt + k];
                }
                out[bi * tt + k] = (float) (sum / heads);
            }
        }
    }

    /**
     * Backward of {@code scale}·L: fills {@link #hiddenGradient(int)} and {@link #probabilityGradient(int)} for
     * every pair and accumulates the projection's gradients.
     */
    public void backward(double scale) {
        int b = batch.batch();
        int time = batch.time();
        int n = b * time;
        int[] mask = batch.attentionMask();
        double kh = 2.0 * scale / ((double) pairs * realTokens * teacherWidth);
        if (projection != null) {
            dProjected = Buffers.ensure(dProjected, pairs * n * teacherWidth);
        }
        for (int p = 0; p < pairs; p++) {
            float[] s = projection != null ? projected : studentHidden[p];
            int so = projection != null ? p * n * teacherWidth : 0;
            float[] d;
            int dOff;
            if (projection != null) {
                d = dProjected;
                dOff = so;
            } else {
                dHidden[p] = Buffers.ensure(dHidden[p], n * studentWidth);
                d = dHidden[p];
                dOff = 0;
            }
            float[] t = teacherHidden[p];
            for (int r = 0; r < n; r++) {
                int o = dOff + r * teacherWidth;
                if (mask != null && mask[r] == 0) {
                    Arrays.fill(d, o, o + teacherWidth, 0f);
                    continue;
                }
                for (int j = 0; j < teacherWidth; j++) {
                    d[o + j] = (float) (kh * ((double) s[so + r * teacherWidth + j] - t[r * teacherWidth + j]));
                }
            }
        }
        if (projection != null) {
            float[] dStacked = projection.backward(dProjected);
            for (int p = 0; p < pairs; p++) {
                dHidden[p] = Buffers.ensure(dHidden[p], n * studentWidth);
                System.arraycopy(dStacked, p * n * studentWidth, dHidden[p], 0, n * studentWidth);
            }
        }
        double ka = scale / ((double) pairs * realTokens * comparedHeads);
        int tt = time * time;
        for (int p = 0; p < pairs; p++) {
            float[] s = comparedHeads != studentHeads ? averaged[p] : studentProbs[p];
            dProbs[p] = Buffers.ensure(dProbs[p], b * studentHeads * tt);
            Arrays.fill(dProbs[p], 0, b * studentHeads * tt, 0f);
            attentionTerm(teacherProbs[p], s, dProbs[p], ka, b, time, mask);
        }
    }

    /**
     * One pair's attention term over the real queries and keys of the compared distributions {@code t} (teacher)
     * and {@code s} (student), both (B, H, T, T) with H = {@link #comparedHeads}. With {@code d} null it returns
     * the KL sum {@code Σ a_t (log a_t - log max(a_s, floor))}; otherwise it writes {@code ka}·∂KL/∂a_s into
     * {@code d} (B, Hs, T, T; spread evenly over the student's heads when comparing averages) and returns 0.
     */
    private double attentionTerm(float[] t, float[] s, float[] d, double ka, int b, int time, int[] mask) {
        boolean averaging = comparedHeads != studentHeads;
        double sum = 0;
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < comparedHeads; h++) {
                for (int i = 0; i < time; i++) {
                    if (mask != null && mask[bi * time + i] == 0) {
                        continue;
                    }
                    int row = ((bi * comparedHeads + h) * time + i) * time;
                    for (int j = 0; j < time; j++) {
                        if (mask != null && mask[bi * time + j] == 0) {
                            continue;
                        }
                        float at = t[row + j];
                        if (d == null) {
                            if (at > 0) {
                                sum += at * (Math.log(at) - Math.log(Math.max(s[row + j], PROBABILITY_FLOOR)));
                            }
                            continue;
                        }
                        float as = s[row + j];
                        if (at > 0 && as >= PROBABILITY_FLOOR) {
                            double g = -ka * at / as;
                            if (averaging) {
                                for (int hs = 0; hs < studentHeads; hs++) {
                                    d[((bi * studentHeads + hs) * time + i) * time + j] = (float) (g / studentHeads);
                                }
                            } else {
                                d[row + j] = (float) g;
                            }
                        }
                    }
                }
            }
        }
        return sum;
    }

    /** ∂(scale·L)/∂(pair p's student hidden states) (B·T, Ds) of the last backward; owned by the loss. */
    public float[] hiddenGradient(int p) {
        return dHidden[p];
    }

    /** ∂(scale·L)/∂(pair p's student attention probabilities) (B, Hs, T, T) of the last backward; owned. */
    public float[] probabilityGradient(int p) {
        return dProbs[p];
    }
}
