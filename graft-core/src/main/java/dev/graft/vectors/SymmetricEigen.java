package dev.graft.vectors;

/**
 * Eigenvalues and eigenvectors of a small symmetric matrix by the cyclic Jacobi method (Golub and
 * Van Loan, "Matrix Computations", 4th ed., section 8.5): accurate to rounding, fine up to a few
 * hundred rows. Values come out descending, vectors as the matching columns of a row-major
 * {@code (n, n)} matrix.
 */
record SymmetricEigen(double[] values, double[] vectors) {
    private static final int MAX_SWEEPS = 100;

    static SymmetricEigen of(double[] symmetric, int n) {
        double[] a = symmetric.clone();
        double[] v = new double[n * n];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            double diag = 0;
            for (int p = 0; p < n; p++) {
                diag += a[p * n + p] * a[p * n + p];
                for (int q = p + 1; q < n; q++) {
                    off += a[p * n + q] * a[p * n + q];
                }
            }
            if (off <= 1e-30 * diag || off == 0) {
                break;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p * n + q];
                    if (Math.abs(apq) < 1e-300) {
                        continue;
                    }
                    double app = a[p * n + p];
                    double aqq = a[q * n + q];
                    double theta = (aqq - app) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) { // A <- A J (columns p, q)
                        double akp = a[k * n + p];
                        double akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) { // A <- J^T A (rows p, q)
                        double apk = a[p * n + k];
                        double aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k * n + p];
                        double vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        double[] d = a;
        java.util.Arrays.sort(order, (x, y) -> Double.compare(d[y * n + y], d[x * n + x]));
        double[] values = new double[n];
        double[] vectors = new double[n * n];
        for (int c = 0; c < n; c++) {
            int src = order[c];
            values[c] = a[src * n + src];
            for (int r = 0; r < n; r++) {
                vectors[r * n + c] = v[r * n + src];
            }
        }
        return new SymmetricEigen(values, vectors);
    }
}
