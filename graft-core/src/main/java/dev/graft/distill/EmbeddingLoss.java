package dev.graft.distill;

import dev.graft.model.SentenceEmbedder;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Buffers;
import dev.graft.nn.Compute;
import dev.graft.nn.Linear;
import dev.graft.nn.Parameter;

import dev.graft.nn.Pooling;
import java.util.Arrays;
import java.util.List;

/**
 * Sentence-embedding distillation (Reimers and Gurevych 2020, "Making Monolingual Sentence Embeddings
 * Multilingual using Knowledge Distillation", eq. 1): the mean-squared error between the student's pooled
 * embedding and the teacher's,
 * <pre>
 *   s_b = pool(H_S[b])                      mean over the real tokens, or the first token (the teacher's pooling)
 *   z_b = W s_b + c                         a learned projection, only when the widths differ (else z_b = s_b)
 *   u_b = z_b / max(|z_b|, 1e-12)           only when the teacher's embeddings are normalized (else u_b = z_b)
 *   L   = 1/(B·D_T) Σ_b Σ_j (u_bj - t_bj)²  torch.nn.MSELoss(reduction="mean")
 * </pre>
 * where t_b is the teacher's pooled (and, when it normalizes, normalized) embedding. Pooling and
 * normalization are {@link SentenceEmbedder}'s, so a student that equals its teacher has a loss of exactly 0.
 * The PyTorch twin is {@code tools/reference/make_distill_fixture.py}.
 */
public final class EmbeddingLoss {
    /** torch.nn.functional.normalize's eps. */
    static final double NORM_EPS = 1e-12;

    private final Pooling pooling;
    private final boolean normalize;
    private final int studentWidth;
    private final int teacherWidth;
    private final Linear projection; // null when the widths are equal

    private TokenBatch batch;
    private float[] pooled; // (B, Ds)
    private float[] output; // (B, Dt): u
    private double[] norms; // (B) max(|z|, eps)
    private float[] target; // (B, Dt), the caller's
    private int[] counts; // (B) real tokens per row
    private float[] dz; // (B, Dt)
    private float[] dHidden; // (B·T, Ds)
    private double meanCosine;

    /**
     * @param pooling   the teacher's pooling (applied to the student too)
     * @param normalize whether the teacher's embeddings are L2-normalized (the student's projected ones are too)
     */
    public EmbeddingLoss(Compute compute, Pooling pooling, boolean normalize, int studentWidth,
                         int teacherWidth) {
        this.pooling = pooling;
        this.normalize = normalize;
        this.studentWidth = studentWidth;
        this.teacherWidth = teacherWidth;
        this.projection = studentWidth == teacherWidth ? null
                : new Linear(compute, "distill.embedding_projection", studentWidth, teacherWidth,
                Linear.Layout.OUT_IN, true);
    }

    /** The projection's weight and bias (empty when the widths are equal). */
    public List<Parameter> parameters() {
        return projection == null ? List.of() : projection.parameters();
    }

    public Linear projection() {
        return projection;
    }

    /**
     * The teacher's target from its hidden states: pooled, normalized when the teacher normalizes; (B, Dt).
     */
    public static float[] target(float[] teacherHidden, TokenBatch batch, Pooling pooling,
                                 boolean normalize, int width) {
        float[][] v = SentenceEmbedder.pool(teacherHidden, batch, pooling, false, width);
        float[] out = new float[batch.batch() * width];
        for (int b = 0; b < v.length; b++) {
            if (normalize) {
                normalize(v[b], 0, width, v[b], 0);
            }
            System.arraycopy(v[b], 0, out, b * width, width);
        }
        return out;
    }

    /**
     * The teacher's target from the packed hidden states of graft's inference path ({@link
     * dev.graft.model.EncoderInference}): pooled, normalized when the teacher normalizes; (B, Dt).
     */
    public static float[] target(dev.graft.model.EncoderInference.Packed packed, Pooling pooling,
                                 boolean normalize) {
        float[][] v = SentenceEmbedder.pool(packed, pooling, false);
        int width = packed.width();
        float[] out = new float[v.length * width];
        for (int b = 0; b < v.length; b++) {
            if (normalize) {
                normalize(v[b], 0, width, v[b], 0);
            }
            System.arraycopy(v[b], 0, out, b * width, width);
        }
        return out;
    }

    /** Writes x / max(|x|, eps) and returns max(|x|, eps), as {@link SentenceEmbedder#normalizeInPlace}. */
    private static double normalize(float[] x, int off, int n, float[] y, int yOff) {
        double sq = 0;
        for (int j = 0; j < n; j++) {
            sq += (double) x[off + j] * x[off + j];
        }
        double norm = Math.max(Math.sqrt(sq), NORM_EPS);
        double inv = 1.0 / norm;
        for (int j = 0; j < n; j++) {
            y[yOff + j] = (float) (x[off + j] * inv);
        }
        return norm;
    }

    /**
     * The loss of the student's hidden states (B·T, Ds) against the teacher's target (B, Dt); caches what
     * {@link #backward} needs ({@code hidden} and {@code teacherTarget} must stay intact until then).
     */
    public double forward(float[] hidden, TokenBatch batch, float[] teacherTarget) {
        int b = batch.batch();
        if (teacherTarget.length < b * teacherWidth) {
            throw new IllegalArgumentException("the teacher's target holds " + teacherTarget.length + " values, not "
                    + b + " x " + teacherWidth);
        }
        this.batch = batch;
        this.target = teacherTarget;
        float[][] v = SentenceEmbedder.pool(hidden, batch, pooling, false, studentWidth);
        pooled = Buffers.ensure(pooled, b * studentWidth);
        for (int r = 0; r < b; r++) {
            System.arraycopy(v[r], 0, pooled, r * studentWidth, studentWidth);
        }
        counts = counts == null || counts.length < b ? new int[b] : counts;
        for (int r = 0; r < b; r++) {
            int c = 0;
            for (int t = 0; t < batch.time(); t++) {
                if (batch.attentionMask() == null || batch.attentionMask()[r * batch.time() + t] != 0) {
                    c++;
                }
            }
            counts[r] = c;
        }
        float[] z = projection == null ? pooled : projection.forward(pooled, b);
        output = Buffers.ensure(output, b * teacherWidth);
        norms = norms == null || norms.length < b ? new double[b] : norms;
        for (int r = 0; r < b; r++) {
            if (normalize) {
                norms[r] = normalize(z, r * teacherWidth, teacherWidth, output, r * teacherWidth);
            } else {
                System.arraycopy(z, r * teacherWidth, output, r * teacherWidth, teacherWidth);
            }
        }
        double sum = 0;
        for (int i = 0; i < b * teacherWidth; i++) {
            double d = (double) output[i] - teacherTarget[i];
            sum += d * d;
        }
        double cosines = 0;
        for (int r = 0; r < b; r++) {
            double dot = 0;
            double uu = 0;
            double tt = 0;
            for (int j = r * teacherWidth; j < (r + 1) * teacherWidth; j++) {
                dot += (double) output[j] * teacherTarget[j];
                uu += (double) output[j] * output[j];
                tt += (double) teacherTarget[j] * teacherTarget[j];
            }
            cosines += dot / Math.max(Math.sqrt(uu * tt), 1e-12);
        }
        meanCosine = cosines / b;
        return sum / ((double) b * teacherWidth);
    }

    /**
     * The mean cosine similarity of the last forward's (projected) student embeddings to the teacher's: a
     * reading of the loss that does not depend on the embeddings' scale (1 when they point the same way).
     */
    public double lastMeanCosine() {
        return meanCosine;
    }

    /** ∂(scale·L)/∂hidden (B·T, Ds), owned by the loss; accumulates the projection's gradients. */
    public float[] backward(double scale) {
        int b = batch.batch();
        int time = batch.time();
        int n = b * teacherWidth;
        dz = Buffers.ensure(dz, n);
        double k = 2.0 * scale / n;
        for (int r = 0; r < b; r++) {
            int o = r * teacherWidth;
            if (!normalize) {
                for (int j = 0; j < teacherWidth; j++) {
                    dz[o + j] = (float) (k * ((double) output[o + j] - target[o + j]));
                }
                continue;
            }
            // u = z / max(|z|, eps): dz = (du - u (u·du)) / |z|, or du / eps where the norm was clamped
            double dot = 0;
            for (int j = 0; j < teacherWidth; j++) {
                dot += (double) output[o + j] * (k * ((double) output[o + j] - target[o + j]));
            }
            boolean clamped = norms[r] <= NORM_EPS;
            for (int j = 0; j < teacherWidth; j++) {
                double du = k * ((double) output[o + j] - target[o + j]);
                dz[o + j] = (float) ((clamped ? du : du - output[o + j] * dot) / norms[r]);
            }
        }
        float[] dPooled = projection == null ? dz : projection.backward(dz);
        dHidden = Buffers.ensure(dHidden, b * time * studentWidth);
        Arrays.fill(dHidden, 0, b * time * studentWidth, 0f);
        int[] mask = batch.attentionMask();
        for (int r = 0; r < b; r++) {
            if (pooling == Pooling.CLS) {
                System.arraycopy(dPooled, r * studentWidth, dHidden, r * time * studentWidth, studentWidth);
                continue;
            }
            if (counts[r] == 0) {
                continue;
            }
            double inv = 1.0 / counts[r];
            for (int t = 0; t < time; t++) {
                if (mask != null && mask[r * time + t] == 0) {
                    continue;
                }
                int o = (r * time + t) * studentWidth;
                for (int j = 0; j < studentWidth; j++) {
                    dHidden[o + j] = (float) (dPooled[r * studentWidth + j] * inv);
                }
            }
        }
        return dHidden;
    }
}
