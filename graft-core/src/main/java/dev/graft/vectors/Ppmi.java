package dev.graft.vectors;

/**
 * Positive pointwise mutual information with context-distribution smoothing (Levy, Goldberg and
 * Dagan 2015, "Improving Distributional Similarity with Lessons Learned from Word Embeddings",
 * section 3.2): for counts {@code X},
 * <pre>
 *   PPMI(w, c) = max(0, log( P(w, c) / (P(w) · P_alpha(c)) ))
 *   P(w, c) = X[w][c] / D,   P(w) = rowsum_w / D,   P_alpha(c) = colsum_c^alpha / sum_c' colsum_c'^alpha
 * </pre>
 * with {@code D} the sum of all counts. {@code alpha = 0.75} (word2vec's noise distribution) raises
 * the probability of rare contexts and so lowers their PMI, PMI's known bias towards rare events.
 * Only non-zero counts are visited; the result keeps the positive cells.
 */
public final class Ppmi {
    private Ppmi() {
    }

    /** PPMI of the co-occurrence counts, as the same sparse pattern without the cells that fall to 0. */
    public static SparseMatrix of(SparseMatrix counts, double alpha) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("context smoothing alpha " + alpha + " must be in (0, 1]");
        }
        int rows = counts.rows();
        double[] rowSums = new double[rows];
        double[] colSums = new double[counts.cols()];
        for (int i = 0; i < rows; i++) {
            for (int p = counts.rowStart(i); p < counts.rowEnd(i); p++) {
                rowSums[i] += counts.value(p);
                colSums[counts.column(p)] += counts.value(p);
            }
        }
        double smoothedTotal = 0;
        for (double c : colSums) {
            smoothedTotal += Math.pow(c, alpha);
        }
        double[] logContext = new double[colSums.length]; // log P_alpha(c)
        for (int j = 0; j < colSums.length; j++) {
            logContext[j] = colSums[j] > 0 ? Math.log(Math.pow(colSums[j], alpha) / smoothedTotal) : 0;
        }
        float[] out = new float[(int) counts.nonZeros()];
        for (int i = 0; i < rows; i++) {
            for (int p = counts.rowStart(i); p < counts.rowEnd(i); p++) {
                double x = counts.value(p);
                if (x <= 0) {
                    continue;
                }
                // log(P(w,c) / P(w)) = log(X / rowsum): D cancels
                double pmi = Math.log(x / rowSums[i]) - logContext[counts.column(p)];
                out[p] = pmi > 0 ? (float) pmi : 0f;
            }
        }
        return counts.withValues(out);
    }
}
