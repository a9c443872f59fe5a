package dev.graft.tensor.kernel;

/**
 * The numeric kernels every layer is built from. {@link ScalarKernels} is the plain-Java
 * reference; {@link VectorKernels} uses the JDK Vector API. {@link KernelProvider} chooses one
 * at start-up.
 *
 * <p>Conventions: matrices are row-major {@code float[]} slices given by an offset and a leading
 * dimension (the distance between consecutive rows). GEMMs may use the {@code Parallel} pool they
 * were built with, splitting only the output (never the reduction dimension), so their results do
 * not depend on the thread count. Every other kernel is single-threaded and works on the rows it
 * is given; layers split rows across threads themselves.
 */
public interface Kernels {

    /** A short name for logs ("scalar", "vector-512"). */
    String name();

    // ---------------------------------------------------------------- GEMM
    // Reference: BLAS sgemm semantics, C = A·B (+ C), row-major.

    /** How the operands of a {@link #gemm} are stored. */
    enum GemmForm {
        /** C = A·B: A stored (m,k), B (k,n). */
        NN,
        /** C = A·Bᵀ: A stored (m,k), B (n,k). */
        NT,
        /** C = Aᵀ·B: A stored (k,m), B (k,n). */
        TN
    }

    /**
     * C[m,n] (+)= the product of the given form over k, A and B stored as {@code form} says with row
     * strides lda and ldb, C (m,n) with ldc. The one GEMM an implementation writes; {@link #matmul},
     * {@link #matmulTransB} and {@link #matmulTransA} name its three forms.
     */
    void gemm(GemmForm form, int m, int n, int k,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate);

    /** C[m,n] (+)= Σ_k A[m,k]·B[k,n]. A is (m,k) with row stride lda, B is (k,n) with ldb, C (m,n) with ldc. */
    default void matmul(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(GemmForm.NN, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** C[m,n] (+)= Σ_k A[m,k]·B[n,k]: B is stored (n,k) with row stride ldb (A·Bᵀ). */
    default void matmulTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(GemmForm.NT, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** C[m,n] (+)= Σ_k A[k,m]·B[k,n]: A is stored (k,m) with row stride lda (Aᵀ·B). */
    default void matmulTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(GemmForm.TN, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    // Reference: torch.nn.functional.linear, then the activation and the residual sum.

    /**
     * The forward of a linear layer whose weight is stored (out, in), in one kernel:
     * C[m,n] = act(Σ_k A[m,k]·W[n,k] + bias[n]) + residual[m,n]. Defined as the composition
     * {@link #matmulTransB} (not accumulating), {@link #addBiasRows}, {@link #gelu}, {@link #add}, in
     * that order, each step skipped when its argument is null; an implementation performs the same
     * float operations as its own unfused kernels, so the fused call gives the same bits as the
     * composition. Fused implementations apply bias, GELU and residual to each output tile while it
     * is still in cache (the bias-GELU and skip-add fusions of inference engines). One exception: an
     * implementation may evaluate the erf GELU here with a cheaper approximation than {@link #gelu}'s
     * (within 2e-7 of the exact Φ(x) = (1 + erf(x/√2))/2); the result is then the composition with that
     * GELU. {@link VectorKernels} does (a division-free erf); {@link #gelu} and {@link #geluBackward},
     * which training uses, keep theirs.
     *
     * @param bias (n) or null
     * @param act the GELU form, or null for none
     * @param residual (m, n) with row stride ldr, or null; must not overlap C
     */
    void linearTransB(int m, int n, int k,
                      float[] a, int aOff, int lda,
                      float[] w, int wOff, int ldw,
                      float[] bias, int biasOff, GeluForm act,
                      float[] residual, int residualOff, int ldr,
                      float[] c, int cOff, int ldc);

    /**
     * A weight matrix (n, k), stored (out, in), prepared once by {@link #packWeight} for repeated
     * {@link #linearTransB(int, float[], int, int, PackedWeight, float[], int, GeluForm, float[], int, int,
     * float[], int, int) linearTransB} calls (inference engines pack their constant weights once, at
     * session start: ONNX Runtime's pre-packed MatMul weights, MLAS {@code MlasGemmPackB}). It is a
     * snapshot: later changes to the source array are not seen. Only the kernels that packed it can use it.
     */
    interface PackedWeight {
        /** n: output features (rows of the stored weight). */
        int outputs();

        /** k: input features (columns of the stored weight). */
        int inputs();

        /** The error for a weight handed to kernels other than those that packed it. */
        static IllegalArgumentException foreign(PackedWeight w, String kernels) {
            return new IllegalArgumentException("this weight was packed by other kernels ("
                    + w.getClass().getSimpleName() + "): pack it with the kernels that use it (" + kernels + ")");
        }
    }

    /**
     * Copies the weight W (n, k), row stride ldw, into the form this implementation's
     * {@link #linearTransB} reads, so that calls with the packed weight skip packing it.
     */
    PackedWeight packWeight(int n, int k, float[] w, int wOff, int ldw);

    /**
     * {@link #linearTransB(int, int, int, float[], int, int, float[], int, int, float[], int, GeluForm, float[],
     * int, int, float[], int, int) linearTransB} with a weight from {@link #packWeight}: n and k are the
     * weight's. The result is what the unpacked call gives with the weight as it was when packed, up to
     * float rounding (bit for bit where both take the packed GEMM path).
     *
     * @throws IllegalArgumentException if the weight was packed by another kind of kernels
     */
    void linearTransB(int m, float[] a, int aOff, int lda, PackedWeight w,
                      float[] bias, int biasOff, GeluForm act,
                      float[] residual, int residualOff, int ldr,
                      float[] c, int cOff, int ldc);

    // ---------------------------------------------------------------- element-wise and reductions

    /** y[i] += alpha·x[i] for i in [0,n). */
    void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);

    /** out[i] = a[i] + b[i]. out may alias a or b. */
    void add(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff);

    /** out[i] = a[i]·b[i]. out may alias a or b. */
    void mul(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff);

    /** x[i] *= alpha. */
    void scale(int n, float alpha, float[] x, int xOff);

    /**
     * A dropout mask and its product: for i in [0,n), with r = the top 24 bits of
     * {@link ScalarKernels#splitMix(long) splitMix}(key + i), mask[i] = scale when r >= threshold,
     * else 0, and y[i] = x[i]·mask[i]. Counter-based: element i depends only on key + i, so a mask
     * cut into pieces (threads) is the same mask. y may alias x.
     */
    void dropout(int n, long key, int threshold, float scale, float[] x, int xOff, float[] mask, int maskOff,
                 float[] y, int yOff);

    /** Σ x[i]·y[i], summed in a fixed order (reproducible across runs and JIT tiers). */
    float dot(int n, float[] x, int xOff, float[] y, int yOff);

    /** Σ x[i]², as a double, summed in a fixed order. */
    double sumOfSquares(int n, float[] x, int xOff);

    /** out[r, :] (+)= bias[:] for each of {@code rows} rows of width n (row stride n). */
    void addBiasRows(int rows, int n, float[] bias, int biasOff, float[] out, int outOff);

    /** dBias[:] += Σ_r dy[r, :] over {@code rows} rows of width n (row stride n). */
    void sumRowsInto(int rows, int n, float[] dy, int dyOff, float[] dBias, int dBiasOff);

    // ---------------------------------------------------------------- softmax
    // Reference: torch.nn.functional.softmax, max-subtracted for stability.

    /** In place: x[0..n) becomes softmax(x[0..n)). */
    void softmax(int n, float[] x, int xOff);

    /**
     * In place, for each column j in [0, cols) of the (rows, cols) block at x[xOff + i·ld + j]:
     * the column becomes softmax(scale·x[0..rows, j]), computed as exp(scale·(x - max)) over the
     * column's sum. A column whose entries are all -inf becomes zeros; scale must be positive.
     * (Attention scores stored keys by queries: one query's softmax runs down a column, so a vector
     * of queries is normalised at once, with no horizontal reductions.)
     */
    void softmaxColumns(int rows, int cols, float scale, float[] x, int xOff, int ld);

    /**
     * One head of softmax attention over one sequence of t tokens, for inference: with
     * Q[i, p] = x[qOff + i·ld + p], K[j, p] = x[kOff + j·ld + p] and V[j, p] = x[vOff + j·ld + p]
     * (p < d), out[outOff + i·ldo + p] = Σ_j P[j, i]·V[j, p], where P = softmax down the columns of
     * scale·Sᵀ and Sᵀ[j, i] = Σ_p K[j, p]·Q[i, p] (keys by queries). Defined as the composition
     * {@link #matmulTransB} (Sᵀ = K·Qᵀ), {@link #softmaxColumns}, {@link #matmulTransA} (P'ᵀ·V); an
     * implementation gives the bits of its own composition. No mask: every key is attended to.
     *
     * @param scratch at least {@link #attentionScratch attentionScratch(t, d)} floats, overwritten
     */
    void attention(int t, int d, float scale, float[] x, int qOff, int kOff, int vOff, int ld, float[] out,
                   int outOff, int ldo, float[] scratch);

    /** The scratch floats {@link #attention} needs for t tokens of head size d. */
    int attentionScratch(int t, int d);

    /**
     * dx[i] (+)= y[i]·(dy[i] - Σ_j y[j]·dy[j]) where y is the softmax output. dx may alias dy
     * when accumulate is false.
     */
    void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate);

    // ---------------------------------------------------------------- layer norm
    // Reference: torch.nn.LayerNorm (biased variance, eps inside the square root), Ba et al. 2016.

    /**
     * For each of {@code rows} rows of width n: out = (x - mean)·rstd·gamma + beta, with
     * rstd = 1/sqrt(var + eps). Writes mean[r] and rstd[r] (for backward) at statsOff + r.
     */
    void layerNorm(int rows, int n, float[] x, int xOff, float[] gamma, int gOff, float[] beta, int bOff,
                   float eps, float[] out, int outOff, float[] mean, float[] rstd, int statsOff);

    /**
     * Backward of {@link #layerNorm}: dx (+)= ∂L/∂x, dGamma += Σ_r dy·x̂, dBeta += Σ_r dy.
     */
    void layerNormBackward(int rows, int n, float[] dy, int dyOff, float[] x, int xOff,
                           float[] gamma, int gOff, float[] mean, float[] rstd, int statsOff,
                           float[] dx, int dxOff, boolean accumulate,
                           float[] dGamma, float[] dBeta, int dgOff);

    // ---------------------------------------------------------------- GELU
    // Reference: Hendrycks and Gimpel 2016; torch.nn.GELU(approximate='none'|'tanh').

    /** out[i] = gelu(x[i]). out may alias x. */
    void gelu(GeluForm form, int n, float[] x, int xOff, float[] out, int outOff);

    /** dx[i] (+)= dy[i]·gelu'(x[i]). */
    void geluBackward(GeluForm form, int n, float[] x, int xOff, float[] dy, int dyOff,
                      float[] dx, int dxOff, boolean accumulate);

    // ---------------------------------------------------------------- cross-entropy
    // Reference: torch.nn.functional.cross_entropy (log-softmax + NLL), fused with its gradient.

    /**
     * One row of logits [0..n) against class {@code target}: returns -log softmax(logits)[target]
     * and writes dLogits = (softmax - onehot(target))·gradScale. A target equal to
     * {@code ignoreIndex} returns 0 and writes zeros. dLogits may alias logits.
     */
    float crossEntropy(int n, float[] logits, int lOff, int target, int ignoreIndex,
                       float gradScale, float[] dLogits, int dOff);

    // ---------------------------------------------------------------- optimizer
    // Reference: Loshchilov and Hutter 2019 (AdamW); torch.optim.AdamW update order.

    /**
     * One AdamW step over n values: p -= lr·wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
     * p -= (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + eps), where bc1 = 1-β1^t and bc2 = 1-β2^t.
     */
    void adamW(int n, float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int mOff,
               float lr, float beta1, float beta2, float eps, float weightDecay,
               float biasCorrection1, float biasCorrection2);
}
