package dev.graft.vectors;

import dev.graft.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The randomized SVD against matrices built from known singular values and vectors. */
class RandomizedSvdTest {
    private static final Parallel PARALLEL = new Parallel(3);

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    /** A (rows, cols) matrix with orthonormal columns, by modified Gram-Schmidt on Gaussian columns. */
    private static double[] orthonormalColumns(int rows, int cols, Random random) {
        double[] q = new double[rows * cols];
        for (int i = 0; i < q.length; i++) {
            q[i] = random.nextGaussian();
        }
        for (int j = 0; j < cols; j++) {
            for (int p = 0; p < j; p++) {
                double h = 0;
                for (int i = 0; i < rows; i++) {
                    h += q[i * cols + p] * q[i * cols + j];
                }
                for (int i = 0; i < rows; i++) {
                    q[i * cols + j] -= h * q[i * cols + p];
                }
            }
            double norm = 0;
            for (int i = 0; i < rows; i++) {
                norm += q[i * cols + j] * q[i * cols + j];
            }
            for (int i = 0; i < rows; i++) {
                q[i * cols + j] /= Math.sqrt(norm);
            }
        }
        return q;
    }

    /** U · diag(s) · V^T for U (m, r), V (n, r). */
    private static double[] compose(double[] u, double[] s, double[] v, int m, int n) {
        int r = s.length;
        double[] a = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double x = 0;
                for (int c = 0; c < r; c++) {
                    x += u[i * r + c] * s[c] * v[j * r + c];
                }
                a[i * n + j] = x;
            }
        }
        return a;
    }

    @Test
    void recoversTheLeadingSingularValuesAndSubspace() {
        int m = 37;
        int n = 23;
        Random random = new Random(7);
        double[] s = new double[n];
        double[] leading = {9, 7, 5, 3, 2};
        for (int c = 0; c < n; c++) {
            s[c] = c < leading.length ? leading[c] : 0.5 * Math.pow(0.8, c - leading.length);
        }
        double[] u = orthonormalColumns(m, n, random);
        double[] v = orthonormalColumns(n, n, random);
        double[] a = compose(u, s, v, m, n);
        int k = 5;
        RandomizedSvd.Result r = RandomizedSvd.compute(SparseMatrix.ofDense(m, n, a), k, 6, 3, 11, PARALLEL);
        for (int c = 0; c < k; c++) {
            // A is stored in float: singular values agree to float rounding
            assertThat(r.singularValues()[c]).as("s[%d]", c).isCloseTo(leading[c], within(1e-5 * leading[0]));
            double alignment = 0;
            for (int i = 0; i < m; i++) {
                alignment += u[i * n + c] * r.leftVectors()[i * k + c];
            }
            assertThat(Math.abs(alignment)).as("|<u_%d, u'_%d>|", c, c).isCloseTo(1.0, within(1e-5));
        }
        // U_k S_k V_k^T from the true V: the rank-5 reconstruction equals the true truncation A_5
        double[] vk = new double[n * k];
        double[] uk = new double[m * k];
        double[] sk = new double[k];
        for (int c = 0; c < k; c++) {
            sk[c] = r.singularValues()[c];
            double sign = 0;
            for (int i = 0; i < m; i++) {
                sign += u[i * n + c] * r.leftVectors()[i * k + c];
            }
            for (int j = 0; j < n; j++) {
                vk[j * k + c] = Math.signum(sign) * v[j * n + c];
            }
            for (int i = 0; i < m; i++) {
                uk[i * k + c] = r.leftVectors()[i * k + c];
            }
        }
        double[] truncated = compose(leadingColumns(u, m, n, k), java.util.Arrays.copyOf(s, k),
                leadingColumns(v, n, n, k), m, n);
        double[] rebuilt = compose(uk, sk, vk, m, n);
        double error = 0;
        for (int i = 0; i < m * n; i++) {
            error = Math.max(error, Math.abs(truncated[i] - rebuilt[i]));
        }
        assertThat(error).isLessThan(1e-4);
    }

    private static double[] leadingColumns(double[] q, int rows, int cols, int k) {
        double[] out = new double[rows * k];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(q, i * cols, out, i * k, k);
        }
        return out;
    }

    @Test
    void exactOnAMatrixOfLowerRankThanTheSketch() {
        int m = 19;
        int n = 13;
        Random random = new Random(3);
        double[] s = {4, 2, 1};
        double[] a = compose(orthonormalColumns(m, 3, random), s, orthonormalColumns(n, 3, random), m, n);
        // k + oversample = 3 + 9 = 12 directions in a rank-3 range: the extra ones collapse to zero
        RandomizedSvd.Result r = RandomizedSvd.compute(SparseMatrix.ofDense(m, n, a), 3, 9, 1, 5, PARALLEL);
        assertThat(r.singularValues()).containsExactly(new double[] {4, 2, 1}, within(1e-5));
        // A = U U^T A when U spans the range
        double maxResidual = 0;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double projected = 0;
                for (int c = 0; c < 3; c++) {
                    double coefficient = 0;
                    for (int t = 0; t < m; t++) {
                        coefficient += r.leftVectors()[t * 3 + c] * a[t * n + j];
                    }
                    projected += r.leftVectors()[i * 3 + c] * coefficient;
                }
                maxResidual = Math.max(maxResidual, Math.abs(projected - a[i * n + j]));
            }
        }
        assertThat(maxResidual).isLessThan(1e-5);
    }

    @Test
    void sameSeedSameResultWhateverTheThreads() {
        Random random = new Random(1);
        int m = 29;
        int n = 17;
        double[] a = new double[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextDouble() < 0.3 ? random.nextDouble() : 0;
        }
        SparseMatrix x = SparseMatrix.ofDense(m, n, a);
        RandomizedSvd.Result one;
        try (Parallel single = new Parallel(1)) {
            one = RandomizedSvd.compute(x, 4, 5, 2, 9, single);
        }
        RandomizedSvd.Result three = RandomizedSvd.compute(x, 4, 5, 2, 9, PARALLEL);
        assertThat(three.singularValues()).containsExactly(one.singularValues());
        assertThat(three.leftVectors()).containsExactly(one.leftVectors());
    }

    @Test
    void rankAboveTheMatrixIsAnError() {
        SparseMatrix x = SparseMatrix.ofDense(3, 2, new double[] {1, 0, 0, 1, 1, 1});
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RandomizedSvd.compute(x, 3, 0, 0, 1, PARALLEL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("min(rows, cols) = 2");
    }
}
