package dev.graft.nn;

/**
 * sentence-transformers' {@code CosineSimilarityLoss} (the loss SetFit tunes its encoder with): for pairs
 * of sentence vectors (u_i, v_i) with targets t_i (1 same label, 0 different),
 *
 * <pre>
 *   c_i = u_i . v_i / max(|u_i| |v_i|, eps)        (torch.nn.functional.cosine_similarity, eps 1e-8)
 *   L   = sum_i (c_i - t_i)^2                     (MSELoss is this over the batch's count)
 * </pre>
 *
 * Input (2B, C) row-major: the B first vectors, then the B second ones (row i pairs with row B + i).
 * Backward: dc/du = v / (|u||v|) - c u / |u|^2, dc/dv = u / (|u||v|) - c v / |v|^2 (when the product of
 * the norms is below eps the denominator is the constant eps and the second terms vanish). Returns a sum;
 * the caller scales it (and the gradient) to a mean.
 */
public final class CosineSimilarityLoss {
    /** torch's cosine_similarity eps. */
    public static final double EPS = 1e-8;

    private int pairs;
    private int width;
    private float[] x; // the caller's (2B, C)
    private double[] cosine; // (B)
    private double[] normU; // (B)
    private double[] normV; // (B)
    private boolean[] clamped; // (B)
    private float[] targets;
    private float[] dx; // (2B, C)

    /** The loss sum over the B pairs; keeps what backward needs. */
    public double forward(float[] vectors, int pairCount, int dimension, float[] pairTargets) {
        if (pairTargets.length < pairCount) {
            throw new IllegalArgumentException(pairTargets.length + " targets for " + pairCount + " pairs");
        }
        pairs = pairCount;
        width = dimension;
        x = vectors;
        targets = pairTargets;
        if (cosine == null || cosine.length < pairs) {
            cosine = new double[pairs];
            normU = new double[pairs];
            normV = new double[pairs];
            clamped = new boolean[pairs];
        }
        double sum = 0;
        for (int i = 0; i < pairs; i++) {
            int u = i * width;
            int v = (pairs + i) * width;
            double dot = 0;
            double uu = 0;
            double vv = 0;
            for (int j = 0; j < width; j++) {
                double a = x[u + j];
                double b = x[v + j];
                dot += a * b;
                uu += a * a;
                vv += b * b;
            }
            normU[i] = Math.sqrt(uu);
            normV[i] = Math.sqrt(vv);
            double denominator = normU[i] * normV[i];
            clamped[i] = denominator < EPS;
            cosine[i] = dot / Math.max(denominator, EPS);
            double e = cosine[i] - targets[i];
            sum += e * e;
        }
        return sum;
    }

    /** The cosine of pair {@code i} in the last forward. */
    public double cosine(int i) {
        return cosine[i];
    }

    /** d(scale · loss sum)/d(vectors), (2B, C), owned by this object. */
    public float[] backward(double scale) {
        dx = Buffers.ensure(dx, 2 * pairs * width);
        for (int i = 0; i < pairs; i++) {
            int u = i * width;
            int v = (pairs + i) * width;
            double dc = scale * 2 * (cosine[i] - targets[i]);
            double inv = 1.0 / Math.max(normU[i] * normV[i], EPS);
            double su = clamped[i] ? 0 : cosine[i] / (normU[i] * normU[i]);
            double sv = clamped[i] ? 0 : cosine[i] / (normV[i] * normV[i]);
            for (int j = 0; j < width; j++) {
                double a = x[u + j];
                double b = x[v + j];
                dx[u + j] = (float) (dc * (b * inv - su * a));
                dx[v + j] = (float) (dc * (a * inv - sv * b));
            }
        }
        return dx;
    }
}
