package dev.graft.vectors;

import dev.graft.tensor.Parallel;

import java.util.Random;

/**
 * A truncated SVD {@code A ≈ U S V^T} of a sparse matrix by the randomized range finder with power
 * iterations (Halko, Martinsson and Tropp 2011, "Finding Structure with Randomness", algorithms
 * 4.4 and 5.1): {@code Y = A Ω} for a Gaussian {@code Ω} with {@code k + oversample} columns, then
 * {@code powerIterations} rounds of {@code Q = orth(A orth(A^T Q))} (re-orthonormalized every
 * half-step, algorithm 4.4, so small singular values are not lost to rounding), {@code B = Q^T A},
 * and the SVD of the small {@code B} from the eigendecomposition of {@code B B^T} (Jacobi, in
 * double precision: the squared condition number costs {@code 1e-16 · (s_1/s_k)^2} relative
 * accuracy in {@code s_k}). Deterministic for a seed: the products and orthonormalization sum in a
 * fixed order whatever the thread count.
 */
public final class RandomizedSvd {
    /** The leading {@code k} singular values, descending, and left singular vectors {@code (rows, k)} row-major. */
    public record Result(int rows, int rank, double[] singularValues, double[] leftVectors) {
        /** Row i of {@code U · S^power}: the vector of unit i with singular values raised to {@code power}. */
        public float[] weightedRow(int i, double power) {
            float[] out = new float[rank];
            for (int c = 0; c < rank; c++) {
                out[c] = (float) (leftVectors[i * rank + c] * Math.pow(singularValues[c], power));
            }
            return out;
        }
    }

    private RandomizedSvd() {
    }

    /**
     * @param a              the matrix
     * @param k              singular triplets wanted, at most {@code min(rows, cols)}
     * @param oversample     extra random directions (Halko et al. suggest 5 to 10)
     * @param powerIterations rounds of {@code A A^T} applied to sharpen a slowly decaying spectrum
     */
    public static Result compute(SparseMatrix a, int k, int oversample, int powerIterations, long seed,
                                 Parallel parallel) {
        int m = a.rows();
        int n = a.cols();
        if (k < 1 || k > Math.min(m, n)) {
            throw new IllegalArgumentException("rank " + k + " must be between 1 and min(rows, cols) = "
                    + Math.min(m, n) + " of the " + m + " x " + n + " matrix");
        }
        if (oversample < 0 || powerIterations < 0) {
            throw new IllegalArgumentException("oversample " + oversample + " and power iterations "
                    + powerIterations + " must not be negative");
        }
        int l = Math.min(k + oversample, Math.min(m, n));
        SparseMatrix at = a.transpose();
        Random random = new Random(seed);
        double[] omega = new double[n * l]; // (n, l)
        for (int i = 0; i < omega.length; i++) {
            omega[i] = random.nextGaussian();
        }
        double[] q = orthonormalize(a.times(omega, l, parallel), m, l, parallel); // (m, l)
        for (int it = 0; it < powerIterations; it++) {
            double[] z = orthonormalize(at.times(q, l, parallel), n, l, parallel); // (n, l)
            q = orthonormalize(a.times(z, l, parallel), m, l, parallel);
        }
        double[] basis = q;
        double[] bt = at.times(basis, l, parallel); // (n, l) = B^T
        double[] gram = new double[l * l];       // (l, l) = B B^T
        parallel.forRangeDynamic(l, 1, 4, (start, end) -> {
            for (int r = start; r < end; r++) {
                for (int c = r; c < l; c++) {
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        s += bt[i * l + r] * bt[i * l + c];
                    }
                    gram[r * l + c] = s;
                    gram[c * l + r] = s;
                }
            }
        });
        SymmetricEigen eigen = SymmetricEigen.of(gram, l);
        double[] sigma = new double[k];
        for (int c = 0; c < k; c++) {
            sigma[c] = Math.sqrt(Math.max(0, eigen.values()[c]));
        }
        double[] u = new double[m * k]; // (m, k) = Q · W[:, :k]
        double[] w = eigen.vectors();
        parallel.forRange(m, 256, (start, end) -> {
            for (int i = start; i < end; i++) {
                for (int c = 0; c < k; c++) {
                    double s = 0;
                    for (int j = 0; j < l; j++) {
                        s += basis[i * l + j] * w[j * l + c];
                    }
                    u[i * k + c] = s;
                }
            }
        });
        // a deterministic sign: the largest entry of each column is positive
        for (int c = 0; c < k; c++) {
            double best = 0;
            for (int i = 0; i < m; i++) {
                if (Math.abs(u[i * k + c]) > Math.abs(best)) {
                    best = u[i * k + c];
                }
            }
            if (best < 0) {
                for (int i = 0; i < m; i++) {
                    u[i * k + c] = -u[i * k + c];
                }
            }
        }
        return new Result(m, k, sigma, u);
    }

    /**
     * An orthonormal basis of the columns of a row-major {@code (rows, cols)} matrix, by classical
     * Gram-Schmidt applied twice ("twice is enough", Giraud et al. 2005); a column that is
     * dependent on the ones before it (norm below 1e-10 of what it was) becomes zero.
     */
    static double[] orthonormalize(double[] y, int rows, int cols, Parallel parallel) {
        double[][] q = new double[cols][rows]; // column-major copy
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < cols; c++) {
                q[c][i] = y[i * cols + c];
            }
        }
        for (int j = 0; j < cols; j++) {
            double[] v = q[j];
            double before = Math.sqrt(dot(v, v));
            for (int pass = 0; pass < 2; pass++) {
                int jj = j;
                double[] h = new double[j];
                parallel.forRangeDynamic(j, 4, 4, (start, end) -> {
                    for (int p = start; p < end; p++) {
                        h[p] = dot(q[p], v);
                    }
                });
                parallel.forRange(rows, 4096, (start, end) -> {
                    for (int p = 0; p < jj; p++) {
                        double hp = h[p];
                        if (hp == 0) {
                            continue;
                        }
                        double[] qp = q[p];
                        for (int i = start; i < end; i++) {
                            v[i] -= hp * qp[i];
                        }
                    }
                });
            }
            double norm = Math.sqrt(dot(v, v));
            if (norm <= 1e-10 * before || norm == 0) {
                java.util.Arrays.fill(v, 0);
            } else {
                for (int i = 0; i < rows; i++) {
                    v[i] /= norm;
                }
            }
        }
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < cols; c++) {
                out[i * cols + c] = q[c][i];
            }
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
