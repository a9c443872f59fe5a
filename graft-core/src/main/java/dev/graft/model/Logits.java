package dev.graft.model;

/**
 * Softmax arithmetic on a row of logits {@code l[off .. off + n)}, shared by the heads and the language
 * models: the row's maximum, the normalizer shifted by it, its logarithm, and the probabilities. Each
 * sums in double in index order, so every caller gets bit-identical results for the same row.
 */
public final class Logits {
    private Logits() {
    }

    /** The largest of {@code l[off .. off + n)} ({@code n >= 1}). */
    public static float rowMax(float[] l, int off, int n) {
        float max = l[off];
        for (int x = 1; x < n; x++) {
            max = Math.max(max, l[off + x]);
        }
        return max;
    }

    /** Σ exp(l[off + x] - max) over x in [0, n), in double: a softmax's normalizer shifted by max. */
    public static double sumExp(float[] l, int off, int n, float max) {
        double sum = 0;
        for (int x = 0; x < n; x++) {
            sum += Math.exp((double) l[off + x] - max);
        }
        return sum;
    }

    /** log Σ exp(l[off + x]) over x in [0, n), shifted by the row's maximum so that no term overflows. */
    public static double logSumExp(float[] l, int off, int n) {
        float max = rowMax(l, off, n);
        return Math.log(sumExp(l, off, n, max)) + max;
    }

    /**
     * Softmax of {@code l[off .. off + n)} into {@code out[0 .. n)}. The exponents are taken of the float
     * differences (logit minus the row's maximum), summed in double.
     */
    public static void softmax(float[] l, int off, int n, float[] out) {
        float max = rowMax(l, off, n);
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += Math.exp(l[off + j] - max);
        }
        for (int j = 0; j < n; j++) {
            out[j] = (float) (Math.exp(l[off + j] - max) / sum);
        }
    }
}
