package dev.graft.baseline;

/**
 * Limited-memory BFGS for smooth unconstrained minimization (Nocedal and Wright, <em>Numerical
 * Optimization</em>, 2nd ed., Algorithm 7.4, the two-loop recursion, and Algorithm 7.5), with a
 * backtracking line search on the Armijo condition (their Algorithm 3.1; the trial step shrinks by
 * safeguarded quadratic interpolation, Section 3.5). A pair (s, y) enters the memory only when
 * {@code s.y > 1e-10 * y.y}, which keeps the implicit inverse-Hessian positive definite; on a convex
 * objective that only drops pairs along flat directions.
 *
 * <p>Stops when the largest gradient component is at most {@code gradientTolerance}, when the line
 * search can no longer decrease the objective (even along the steepest descent), or after
 * {@code maxIterations}. Every operation is sequential double
 * arithmetic in a fixed order: the same input gives the same result bit for bit.
 */
final class Lbfgs {
    private static final double ARMIJO = 1e-4;
    private static final int MAX_BACKTRACKS = 60;
    private static final double CURVATURE_FLOOR = 1e-10;

    private Lbfgs() {
    }

    /** A differentiable objective. */
    interface Objective {
        /** Returns f(x) and writes its gradient into {@code gradient} (same length as x). */
        double evaluate(double[] x, double[] gradient);
    }

    /**
     * @param memory            correction pairs kept (m)
     * @param maxIterations     iterations at most
     * @param gradientTolerance stopping tolerance on the gradient's max-norm
     */
    record Options(int memory, int maxIterations, double gradientTolerance) {
        Options {
            if (memory < 1) {
                throw new IllegalArgumentException("L-BFGS memory must be >= 1, got " + memory);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
            }
            if (!(gradientTolerance > 0)) {
                throw new IllegalArgumentException("gradient tolerance must be > 0, got " + gradientTolerance);
            }
        }
    }

    /**
     * @param x            the last iterate
     * @param value        f(x)
     * @param gradientNorm max-norm of the gradient at x
     * @param iterations   iterations taken
     * @param evaluations  objective evaluations
     * @param converged    whether the gradient test was met
     */
    record Result(double[] x, double value, double gradientNorm, int iterations, int evaluations,
                  boolean converged) {
    }

    static Result minimize(Objective f, double[] start, Options options) {
        int n = start.length;
        int m = options.memory();
        double[] x = start.clone();
        double[] g = new double[n];
        double fx = f.evaluate(x, g);
        int evaluations = 1;
        double threshold = options.gradientTolerance();
        double[][] s = new double[m][n];
        double[][] y = new double[m][n];
        double[] rho = new double[m];
        int stored = 0;
        int newest = -1;
        double[] d = new double[n];
        double[] alpha = new double[m];
        double[] xTrial = new double[n];
        double[] gTrial = new double[n];
        double[] sNew = new double[n];
        double[] yNew = new double[n];
        int iteration = 0;
        boolean converged = maxNorm(g) <= threshold;
        while (!converged && iteration < options.maxIterations()) {
            iteration++;
            direction(g, s, y, rho, stored, newest, d, alpha);
            double slope = dot(g, d);
            if (!(slope < 0)) { // numerical trouble: forget the memory, go downhill
                stored = 0;
                steepest(g, d);
                slope = dot(g, d);
            }
            double step = stored == 0 ? 1.0 / Math.max(1e-300, Math.sqrt(dot(g, g))) : 1.0;
            double fTrial = Double.NaN;
            boolean accepted = false;
            for (int b = 0; b < MAX_BACKTRACKS; b++) {
                for (int i = 0; i < n; i++) {
                    xTrial[i] = x[i] + step * d[i];
                }
                fTrial = f.evaluate(xTrial, gTrial);
                evaluations++;
                if (fTrial <= fx + ARMIJO * step * slope) {
                    accepted = true;
                    break;
                }
                double next = Double.isFinite(fTrial)
                        ? -slope * step * step / (2 * (fTrial - fx - step * slope)) : 0.1 * step;
                step = Math.min(0.5 * step, Math.max(0.1 * step, next));
            }
            if (!accepted) {
                if (stored == 0) {
                    break; // not even steepest descent decreases f: as close as double precision allows
                }
                stored = 0;
                iteration--;
                continue;
            }
            for (int i = 0; i < n; i++) {
                sNew[i] = xTrial[i] - x[i];
                yNew[i] = gTrial[i] - g[i];
            }
            double sy = dot(sNew, yNew);
            double yy = dot(yNew, yNew);
            if (sy > CURVATURE_FLOOR * yy && yy > 0) {
                newest = (newest + 1) % m; // replaces the oldest pair once the memory is full
                double[] freeS = s[newest];
                double[] freeY = y[newest];
                s[newest] = sNew;
                y[newest] = yNew;
                sNew = freeS;
                yNew = freeY;
                rho[newest] = 1.0 / sy;
                stored = Math.min(stored + 1, m);
            }
            System.arraycopy(xTrial, 0, x, 0, n);
            System.arraycopy(gTrial, 0, g, 0, n);
            fx = fTrial;
            converged = maxNorm(g) <= threshold;
        }
        return new Result(x, fx, maxNorm(g), iteration, evaluations, converged);
    }

    /** d = -H g by the two-loop recursion over the {@code stored} newest pairs, H0 = (s.y / y.y) I. */
    private static void direction(double[] g, double[][] s, double[][] y, double[] rho, int stored, int newest,
                                  double[] d, double[] alpha) {
        int m = s.length;
        System.arraycopy(g, 0, d, 0, g.length);
        for (int k = 0; k < stored; k++) {
            int j = (newest - k + m) % m;
            alpha[j] = rho[j] * dot(s[j], d);
            axpy(-alpha[j], y[j], d);
        }
        if (stored > 0) {
            double gamma = 1.0 / (rho[newest] * dot(y[newest], y[newest]));
            for (int i = 0; i < d.length; i++) {
                d[i] *= gamma;
            }
        }
        for (int k = stored - 1; k >= 0; k--) {
            int j = (newest - k + m) % m;
            double beta = rho[j] * dot(y[j], d);
            axpy(alpha[j] - beta, s[j], d);
        }
        for (int i = 0; i < d.length; i++) {
            d[i] = -d[i];
        }
    }

    private static void steepest(double[] g, double[] d) {
        for (int i = 0; i < g.length; i++) {
            d[i] = -g[i];
        }
    }

    /** a.b with four interleaved partial sums (a fixed order, so still deterministic, and faster). */
    static double dot(double[] a, double[] b) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int n = a.length;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    static double maxNorm(double[] v) {
        double max = 0;
        for (double e : v) {
            max = Math.max(max, Math.abs(e));
        }
        return max;
    }
}
