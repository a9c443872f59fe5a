package dev.graft.nn;

/**
 * Each row scaled to length 1, as {@code torch.nn.functional.normalize(x, p=2, dim=-1)} (eps 1e-12) and
 * sentence-transformers' {@code Normalize} module compute it:
 * <pre>
 *   n = max(|x|, eps)        y = x / n
 * </pre>
 * Backward: dx = (dy - y (y · dy)) / n, the projection of dy off y, over n; when |x| is below eps the
 * denominator is the constant eps and dx = dy / eps. Input (R, C) row-major; output and dx owned by the
 * layer. The forward's arithmetic (sums of squares in double, one multiply by 1/n per element) is
 * {@link #normalizeRow}'s, which inference paths call, so both give the same floats.
 */
public final class L2Normalize {
    /** torch.nn.functional.normalize's eps. */
    public static final double EPS = 1e-12;

    private final int width;
    private int rows;
    private float[] x; // the caller's (R, C), kept for backward
    private double[] norms; // (R) max(|x|, eps)
    private boolean[] clamped; // (R) |x| < eps
    private float[] out; // (R, C)
    private float[] dx; // (R, C)

    public L2Normalize(int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("normalization width must be positive, got " + width);
        }
        this.width = width;
    }

    public int width() {
        return width;
    }

    /**
     * Writes row {@code x[xOff, xOff + n)} scaled to length 1 into {@code y} at {@code yOff} (in place when
     * they are the same) and returns max(|x|, eps).
     */
    public static double normalizeRow(float[] x, int xOff, int n, float[] y, int yOff) {
        double sq = 0;
        for (int j = 0; j < n; j++) {
            double v = x[xOff + j];
            sq += v * v;
        }
        double norm = Math.max(Math.sqrt(sq), EPS);
        double inv = 1.0 / norm;
        for (int j = 0; j < n; j++) {
            y[yOff + j] = (float) (x[xOff + j] * inv);
        }
        return norm;
    }

    /** Normalizes the rows of {@code input} (R, C); keeps {@code input} for backward (leave it intact until then). */
    public float[] forward(float[] input, int rowCount) {
        rows = rowCount;
        x = input;
        out = Buffers.ensure(out, rows * width);
        if (norms == null || norms.length < rows) {
            norms = new double[rows];
            clamped = new boolean[rows];
        }
        for (int r = 0; r < rows; r++) {
            norms[r] = normalizeRow(input, r * width, width, out, r * width);
            clamped[r] = norms[r] <= EPS;
        }
        return out;
    }

    /** dx (R, C), owned by the layer, from dy (R, C). */
    public float[] backward(float[] dy) {
        int c = width;
        dx = Buffers.ensure(dx, rows * c);
        for (int r = 0; r < rows; r++) {
            int o = r * c;
            double n = norms[r];
            if (clamped[r]) {
                for (int j = 0; j < c; j++) {
                    dx[o + j] = (float) (dy[o + j] / n);
                }
                continue;
            }
            double dot = 0; // y · dy with y = x / n in double
            for (int j = 0; j < c; j++) {
                dot += x[o + j] / n * dy[o + j];
            }
            for (int j = 0; j < c; j++) {
                dx[o + j] = (float) ((dy[o + j] - x[o + j] / n * dot) / n);
            }
        }
        return dx;
    }
}
