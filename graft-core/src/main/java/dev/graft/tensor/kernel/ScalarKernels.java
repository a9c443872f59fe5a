package dev.graft.tensor.kernel;

/**
 * The reference kernels: plain loops, double accumulators in reductions, no threads. Every other
 * implementation is tested against this one.
 */
public final class ScalarKernels implements Kernels {

    /** sqrt(2/pi), for the tanh form of GELU. */
    static final double SQRT_2_OVER_PI = 0.7978845608028654;
    static final double INV_SQRT_2 = 0.7071067811865476;
    static final double INV_SQRT_2PI = 0.3989422804014327;
    static final double GELU_TANH_C = 0.044715;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void gemm(GemmForm form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        switch (form) {
            case NN -> product(m, n, k, a, aOff, lda, 1, b, bOff, ldb, 1, c, cOff, ldc, accumulate);
            case NT -> product(m, n, k, a, aOff, lda, 1, b, bOff, 1, ldb, c, cOff, ldc, accumulate);
            case TN -> product(m, n, k, a, aOff, 1, lda, b, bOff, ldb, 1, c, cOff, ldc, accumulate);
        }
    }

    /**
     * The three products' one loop: C[i,j] (+)= Σ_p A[i,p]·B[p,j] summed in float from p = 0, with
     * A[i,p] at a[aOff + i·aRow + p·aCol] and B[p,j] at b[bOff + p·bRow + j·bCol].
     */
    private static void product(int m, int n, int k, float[] a, int aOff, int aRow, int aCol, float[] b, int bOff,
                                int bRow, int bCol, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += a[aOff + i * aRow + p * aCol] * b[bOff + p * bRow + j * bCol];
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + s : s;
            }
        }
    }

    @Override
    public void linearTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] w, int wOff, int ldw,
                             float[] bias, int biasOff, GeluForm act, float[] residual, int residualOff, int ldr,
                             float[] c, int cOff, int ldc) {
        matmulTransB(m, n, k, a, aOff, lda, w, wOff, ldw, c, cOff, ldc, false);
        for (int r = 0; r < m; r++) {
            int co = cOff + r * ldc;
            if (bias != null) {
                addBiasRows(1, n, bias, biasOff, c, co);
            }
            if (act != null) {
                gelu(act, n, c, co, c, co);
            }
            if (residual != null) {
                add(n, c, co, residual, residualOff + r * ldr, c, co);
            }
        }
    }

    /** The scalar kernels' packed weight: a contiguous copy, row stride k. */
    record RowMajorWeight(int outputs, int inputs, float[] data) implements PackedWeight {
    }

    @Override
    public PackedWeight packWeight(int n, int k, float[] w, int wOff, int ldw) {
        float[] copy = new float[n * k];
        for (int j = 0; j < n; j++) {
            System.arraycopy(w, wOff + j * ldw, copy, j * k, k);
        }
        return new RowMajorWeight(n, k, copy);
    }

    @Override
    public void linearTransB(int m, float[] a, int aOff, int lda, PackedWeight w, float[] bias, int biasOff,
                             GeluForm act, float[] residual, int residualOff, int ldr, float[] c, int cOff, int ldc) {
        if (!(w instanceof RowMajorWeight rw)) {
            throw PackedWeight.foreign(w, name());
        }
        linearTransB(m, rw.outputs(), rw.inputs(), a, aOff, lda, rw.data(), 0, rw.inputs(), bias, biasOff, act,
                residual, residualOff, ldr, c, cOff, ldc);
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void add(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public void mul(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    @Override
    public void dropout(int n, long key, int threshold, float scale, float[] x, int xOff, float[] mask, int maskOff,
                        float[] y, int yOff) {
        dropoutMask(n, key, threshold, scale, mask, maskOff);
        for (int i = 0; i < n; i++) {
            y[yOff + i] = x[xOff + i] * mask[maskOff + i];
        }
    }

    /** The mask of {@link #dropout}: mask[i] = scale when the top 24 bits of splitMix(key + i) reach threshold, else 0. */
    static void dropoutMask(int n, long key, int threshold, float scale, float[] mask, int maskOff) {
        for (int i = 0; i < n; i++) {
            int r = (int) (splitMix(key + i) >>> 40);
            mask[maskOff + i] = r >= threshold ? scale : 0f;
        }
    }

    /** SplitMix64's finalizer (Steele et al. 2014): a fast, well-mixed 64-bit hash (dropout's random bits). */
    public static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        for (int i = 0; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) x[xOff + i] * y[yOff + i];
        }
        return (float) s;
    }

    @Override
    public double sumOfSquares(int n, float[] x, int xOff) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double v = x[xOff + i];
            s += v * v;
        }
        return s;
    }

    @Override
    public void addBiasRows(int rows, int n, float[] bias, int biasOff, float[] out, int outOff) {
        for (int r = 0; r < rows; r++) {
            int o = outOff + r * n;
            for (int j = 0; j < n; j++) {
                out[o + j] += bias[biasOff + j];
            }
        }
    }

    @Override
    public void sumRowsInto(int rows, int n, float[] dy, int dyOff, float[] dBias, int dBiasOff) {
        sumRowsInto(rows, n, 0, dy, dyOff, dBias, dBiasOff);
    }

    /** dBias[j] += Σ_r dy[r, j] (in double) for the columns j in [from, n): the reference, and vector kernels' tail. */
    static void sumRowsInto(int rows, int n, int from, float[] dy, int dyOff, float[] dBias, int dBiasOff) {
        for (int j = from; j < n; j++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += dy[dyOff + r * n + j];
            }
            dBias[dBiasOff + j] += (float) s;
        }
    }

    @Override
    public void softmax(int n, float[] x, int xOff) {
        if (n == 0) {
            return;
        }
        float max = max(n, x, xOff, 1);
        if (max == Float.NEGATIVE_INFINITY) {
            // every entry masked: define the result as all zeros rather than NaN
            for (int i = 0; i < n; i++) {
                x[xOff + i] = 0f;
            }
            return;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) StrictMath.exp(x[xOff + i] - max);
            x[xOff + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[xOff + i] *= inv;
        }
    }

    /** The largest of x[off + i·stride] for i in [0, n) (-inf when n is 0; NaN if any is NaN). */
    private static float max(int n, float[] x, int off, int stride) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i * stride]);
        }
        return max;
    }

    @Override
    public void softmaxColumns(int rows, int cols, float scale, float[] x, int xOff, int ld) {
        for (int j = 0; j < cols; j++) {
            int o = xOff + j;
            float max = max(rows, x, o, ld);
            if (max == Float.NEGATIVE_INFINITY) {
                for (int i = 0; i < rows; i++) {
                    x[o + i * ld] = 0f;
                }
                continue;
            }
            double sum = 0;
            for (int i = 0; i < rows; i++) {
                float e = (float) StrictMath.exp(((double) x[o + i * ld] - max) * scale);
                x[o + i * ld] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int i = 0; i < rows; i++) {
                x[o + i * ld] *= inv;
            }
        }
    }

    @Override
    public void attention(int t, int d, float scale, float[] x, int qOff, int kOff, int vOff, int ld, float[] out,
                          int outOff, int ldo, float[] scratch) {
        matmulTransB(t, t, d, x, kOff, ld, x, qOff, ld, scratch, 0, t, false);
        softmaxColumns(t, t, scale, scratch, 0, t);
        matmulTransA(t, d, t, scratch, 0, t, x, vOff, ld, out, outOff, ldo, false);
    }

    @Override
    public int attentionScratch(int t, int d) {
        return t * t;
    }

    @Override
    public void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                boolean accumulate) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) y[yOff + i] * dy[dyOff + i];
        }
        float fs = (float) s;
        for (int i = 0; i < n; i++) {
            float g = y[yOff + i] * (dy[dyOff + i] - fs);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }

    @Override
    public void layerNorm(int rows, int n, float[] x, int xOff, float[] gamma, int gOff, float[] beta, int bOff,
                          float eps, float[] out, int outOff, float[] mean, float[] rstd, int statsOff) {
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * n;
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += x[xo + j];
            }
            float mu = (float) (s / n);
            double v = 0;
            for (int j = 0; j < n; j++) {
                double d = x[xo + j] - mu;
                v += d * d;
            }
            float rs = (float) (1.0 / Math.sqrt(v / n + eps));
            normalizeRow(0, n, x, xo, mu, rs, gamma, gOff, beta, bOff, out, outOff + r * n);
            mean[statsOff + r] = mu;
            rstd[statsOff + r] = rs;
        }
    }

    /** out[oo + j] = (x[xo + j] - mu)·rs·γ[j] + β[j] for j in [from, n): the reference, and vector kernels' tail. */
    static void normalizeRow(int from, int n, float[] x, int xo, float mu, float rs, float[] gamma, int gOff,
                             float[] beta, int bOff, float[] out, int oo) {
        for (int j = from; j < n; j++) {
            out[oo + j] = (x[xo + j] - mu) * rs * gamma[gOff + j] + beta[bOff + j];
        }
    }

    @Override
    public void layerNormBackward(int rows, int n, float[] dy, int dyOff, float[] x, int xOff,
                                  float[] gamma, int gOff, float[] mean, float[] rstd, int statsOff,
                                  float[] dx, int dxOff, boolean accumulate,
                                  float[] dGamma, float[] dBeta, int dgOff) {
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * n;
            int go = dyOff + r * n;
            float mu = mean[statsOff + r];
            float rs = rstd[statsOff + r];
            // dx = rstd·(g·γ - mean(g·γ) - x̂·mean(g·γ·x̂))
            double sumG = layerNormSumG(0, n, dy, go, gamma, gOff, 0);
            double sumGX = layerNormSumGXAndParameterGrads(0, n, dy, go, x, xo, mu, rs, gamma, gOff,
                    dGamma, dBeta, dgOff, 0);
            float meanG = (float) (sumG / n);
            float meanGX = (float) (sumGX / n);
            layerNormDx(0, n, dy, go, x, xo, mu, rs, gamma, gOff, meanG, meanGX, dx, dxOff + r * n, accumulate);
        }
    }

    /** sum + Σ g over j in [from, n), g = dy·γ, added in double: the reference, and vector kernels' tail. */
    static double layerNormSumG(int from, int n, float[] dy, int go, float[] gamma, int gOff, double sum) {
        for (int j = from; j < n; j++) {
            sum += dy[go + j] * gamma[gOff + j];
        }
        return sum;
    }

    /**
     * sum + Σ g·x̂ over j in [from, n), g = dy·γ, x̂ = (x - mu)·rs, added in double, and the parameter
     * gradients dγ[j] += dy·x̂, dβ[j] += dy: the reference, and vector kernels' tail.
     */
    static double layerNormSumGXAndParameterGrads(int from, int n, float[] dy, int go, float[] x, int xo, float mu,
                                                  float rs, float[] gamma, int gOff, float[] dGamma, float[] dBeta,
                                                  int dgOff, double sum) {
        for (int j = from; j < n; j++) {
            float xhat = (x[xo + j] - mu) * rs;
            float g = dy[go + j] * gamma[gOff + j];
            sum += (double) g * xhat;
            dGamma[dgOff + j] += dy[go + j] * xhat;
            dBeta[dgOff + j] += dy[go + j];
        }
        return sum;
    }

    /**
     * dx[dxo + j] (+)= rs·(g - meanG - x̂·meanGX), g = dy·γ, x̂ = (x - mu)·rs, for j in [from, n): layer
     * norm's backward for one row given its two means; the reference, and vector kernels' tail.
     */
    static void layerNormDx(int from, int n, float[] dy, int go, float[] x, int xo, float mu, float rs,
                            float[] gamma, int gOff, float meanG, float meanGX, float[] dx, int dxo,
                            boolean accumulate) {
        for (int j = from; j < n; j++) {
            float xhat = (x[xo + j] - mu) * rs;
            float g = dy[go + j] * gamma[gOff + j];
            float v = rs * (g - meanG - xhat * meanGX);
            dx[dxo + j] = accumulate ? dx[dxo + j] + v : v;
        }
    }

    /** The Gauss error function's complement, Numerical Recipes' erfcc (fractional error < 1.2e-7). */
    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * StrictMath.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? ans : 2.0 - ans;
    }

    static float geluValue(GeluForm form, float xf) {
        double x = xf;
        if (form == GeluForm.ERF) {
            return (float) (0.5 * x * erfc(-x * INV_SQRT_2));
        }
        double u = SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x);
        return (float) (0.5 * x * (1.0 + StrictMath.tanh(u)));
    }

    static float geluDerivative(GeluForm form, float xf) {
        double x = xf;
        if (form == GeluForm.ERF) {
            return (float) (0.5 * erfc(-x * INV_SQRT_2) + x * INV_SQRT_2PI * StrictMath.exp(-0.5 * x * x));
        }
        double u = SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x);
        double t = StrictMath.tanh(u);
        return (float) (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_C * x * x));
    }

    @Override
    public void gelu(GeluForm form, int n, float[] x, int xOff, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = geluValue(form, x[xOff + i]);
        }
    }

    @Override
    public void geluBackward(GeluForm form, int n, float[] x, int xOff, float[] dy, int dyOff,
                             float[] dx, int dxOff, boolean accumulate) {
        for (int i = 0; i < n; i++) {
            float g = dy[dyOff + i] * geluDerivative(form, x[xOff + i]);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }

    @Override
    public float crossEntropy(int n, float[] logits, int lOff, int target, int ignoreIndex, float gradScale,
                              float[] dLogits, int dOff) {
        if (target == ignoreIndex) {
            for (int i = 0; i < n; i++) {
                dLogits[dOff + i] = 0f;
            }
            return 0f;
        }
        if (target < 0 || target >= n) {
            throw new IllegalArgumentException("target " + target + " outside [0, " + n + ")");
        }
        float max = max(n, logits, lOff, 1);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += StrictMath.exp(logits[lOff + i] - max);
        }
        float logZ = (float) (StrictMath.log(sum) + max);
        float loss = logZ - logits[lOff + target];
        for (int i = 0; i < n; i++) {
            float p = (float) StrictMath.exp(logits[lOff + i] - logZ);
            dLogits[dOff + i] = (i == target ? p - 1f : p) * gradScale;
        }
        return loss;
    }

    @Override
    public void adamW(int n, float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int mOff,
                      float lr, float beta1, float beta2, float eps, float weightDecay,
                      float biasCorrection1, float biasCorrection2) {
        adamWRange(0, n, p, pOff, g, gOff, m, v, mOff, beta1, beta2, eps, lr / biasCorrection1,
                (float) Math.sqrt(biasCorrection2), 1f - lr * weightDecay);
    }

    /**
     * AdamW's update of elements [from, n) given the step's derived scalars (stepSize = lr/bc1,
     * sqrtBc2 = √bc2, decay = 1 - lr·weightDecay): the reference, and vector kernels' tail.
     */
    static void adamWRange(int from, int n, float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int mOff,
                           float beta1, float beta2, float eps, float stepSize, float sqrtBc2, float decay) {
        for (int i = from; i < n; i++) {
            float gi = g[gOff + i];
            float mi = beta1 * m[mOff + i] + (1f - beta1) * gi;
            float vi = beta2 * v[mOff + i] + (1f - beta2) * gi * gi;
            m[mOff + i] = mi;
            v[mOff + i] = vi;
            float denom = (float) Math.sqrt(vi) / sqrtBc2 + eps;
            p[pOff + i] = p[pOff + i] * decay - stepSize * mi / denom;
        }
    }
}
