package dev.graft.baseline;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** L-BFGS and the regularized softmax objective: gradient, optimality, and independent checks of the optimum. */
class SoftmaxRegressionTest {
    private static final Lbfgs.Options TIGHT = new Lbfgs.Options(10, 5000, 1e-9);

    @Test
    void lbfgsFindsTheRosenbrockMinimum() {
        // f(a, b) = (1 - a)^2 + 100 (b - a^2)^2, minimum 0 at (1, 1)
        Lbfgs.Objective rosenbrock = (x, g) -> {
            double a = x[0];
            double b = x[1];
            g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
            g[1] = 200 * (b - a * a);
            return (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a);
        };
        Lbfgs.Result r = Lbfgs.minimize(rosenbrock, new double[] {-1.2, 1.0}, TIGHT);
        assertThat(r.converged()).isTrue();
        assertThat(r.x()[0]).isCloseTo(1.0, within(1e-6));
        assertThat(r.x()[1]).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Random random = new Random(7);
        int classes = 3;
        int features = 5;
        TfIdf.Row[] rows = randomRows(random, 9, features);
        int[] labels = randomLabels(random, 9, classes);
        SoftmaxRegression.Objective f = new SoftmaxRegression.Objective(rows, labels, classes, features, 2.5);
        double[] x = new double[f.dimension()];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextGaussian();
        }
        double[] g = new double[x.length];
        f.evaluate(x, g);
        double h = 1e-6;
        double[] scratch = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (f.evaluate(plus, scratch) - f.evaluate(minus, scratch)) / (2 * h);
            assertThat(g[i]).as("parameter %d", i).isCloseTo(numeric, within(1e-6 * Math.max(1, Math.abs(numeric))));
        }
    }

    @Test
    void optimumHasZeroGradientAndNoBetterNeighbour() {
        Random random = new Random(11);
        int classes = 3;
        int features = 20;
        TfIdf.Row[] rows = randomRows(random, 40, features);
        int[] labels = randomLabels(random, 40, classes);
        double c = 3.0;
        SoftmaxRegression.Objective f = new SoftmaxRegression.Objective(rows, labels, classes, features, c);
        double[] g0 = new double[f.dimension()];
        f.evaluate(new double[f.dimension()], g0);
        Lbfgs.Result r = Lbfgs.minimize(f, new double[f.dimension()], new Lbfgs.Options(10, 5000, 1e-8 * Lbfgs.maxNorm(g0)));
        assertThat(r.converged()).isTrue();
        double[] g = new double[f.dimension()];
        double value = f.evaluate(r.x(), g);
        assertThat(value).isEqualTo(r.value());
        assertThat(Lbfgs.maxNorm(g)).isLessThanOrEqualTo(1e-8 * Lbfgs.maxNorm(g0));
        for (int trial = 0; trial < 50; trial++) {
            double[] y = r.x().clone();
            for (int i = 0; i < y.length; i++) {
                y[i] += 1e-3 * random.nextGaussian();
            }
            assertThat(f.evaluate(y, g)).isGreaterThanOrEqualTo(value);
        }
    }

    @Test
    void binaryGradientMatchesFiniteDifferences() {
        Random random = new Random(8);
        TfIdf.Row[] rows = randomRows(random, 9, 5);
        int[] labels = randomLabels(random, 9, 2);
        SoftmaxRegression.BinaryObjective f = new SoftmaxRegression.BinaryObjective(rows, labels, 5, 1.7);
        double[] x = new double[6];
        for (int i = 0; i < x.length; i++) {
            x[i] = 3 * random.nextGaussian();
        }
        double[] g = new double[x.length];
        f.evaluate(x, g);
        double h = 1e-6;
        double[] scratch = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (f.evaluate(plus, scratch) - f.evaluate(minus, scratch)) / (2 * h);
            assertThat(g[i]).as("parameter %d", i).isCloseTo(numeric, within(1e-6 * Math.max(1, Math.abs(numeric))));
        }
    }

    @Test
    void twoClassFitEqualsTheTwoRowSoftmaxOptimum() {
        // fit() solves two classes in the reduced form; minimizing the full two-row objective must agree
        Random random = new Random(4);
        int features = 15;
        TfIdf.Row[] rows = randomRows(random, 30, features);
        int[] labels = randomLabels(random, 30, 2);
        double c = 4.0;
        SoftmaxRegression model = SoftmaxRegression.fit(rows, labels, 2, features, c, 5000, 1e-10);
        SoftmaxRegression.Objective full = new SoftmaxRegression.Objective(rows, labels, 2, features, c);
        Lbfgs.Result r = Lbfgs.minimize(full, new double[full.dimension()], new Lbfgs.Options(10, 5000, 1e-8));
        assertThat(r.converged()).isTrue();
        assertThat(model.optimization().value()).isCloseTo(r.value(), within(1e-9 * r.value()));
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < features; j++) {
                assertThat(model.weight(k, j)).isCloseTo(r.x()[k * features + j], within(1e-6));
            }
            assertThat(model.bias(k)).isCloseTo(r.x()[2 * features + k], within(1e-6));
        }
        double[] g = new double[full.dimension()];
        double[] theta = new double[full.dimension()];
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < features; j++) {
                theta[k * features + j] = model.weight(k, j);
            }
            theta[2 * features + k] = model.bias(k);
        }
        assertThat(full.evaluate(theta, g)).isCloseTo(r.value(), within(1e-9 * r.value()));
        assertThat(Lbfgs.maxNorm(g)).isLessThan(1e-6);
    }

    @Test
    void twoClassOptimumMatchesABruteForceSearch() {
        // one feature; x = 0 is an empty row. The optimum has W0 = -W1 (the penalty's gradient sums to zero
        // over classes), so in w = W1 - W0 and d = b1 - b0:
        // J = C sum_i log(1 + exp(-s_i (w x_i + d))) + 0.25 w^2, s_i = +1 for class 1, -1 for class 0.
        double[] xs = {1.0, 2.0, -1.0, 0.5, -2.0, 0.0, 1.5, -0.5};
        int[] ys = {1, 1, 0, 0, 0, 1, 0, 1};
        double c = 0.7;
        TfIdf.Row[] rows = new TfIdf.Row[xs.length];
        for (int i = 0; i < xs.length; i++) {
            rows[i] = xs[i] == 0 ? new TfIdf.Row(new int[0], new double[0])
                    : new TfIdf.Row(new int[] {0}, new double[] {xs[i]});
        }
        SoftmaxRegression model = SoftmaxRegression.fit(rows, ys, 2, 1, c, 5000, 1e-10);
        double w = model.weight(1, 0) - model.weight(0, 0);
        double d = model.bias(1) - model.bias(0);

        java.util.function.DoubleBinaryOperator reduced = (ww, dd) -> {
            double sum = 0;
            for (int i = 0; i < xs.length; i++) {
                double s = ys[i] == 1 ? 1 : -1;
                sum += Math.log1p(Math.exp(-s * (ww * xs[i] + dd)));
            }
            return c * sum + 0.25 * ww * ww;
        };
        double bestW = goldenSection(ww -> reduced.applyAsDouble(ww, goldenSection(dd -> reduced.applyAsDouble(ww, dd),
                -20, 20)), -20, 20);
        double bestD = goldenSection(dd -> reduced.applyAsDouble(bestW, dd), -20, 20);
        assertThat(model.weight(0, 0)).isEqualTo(-model.weight(1, 0));
        assertThat(w).isCloseTo(bestW, within(1e-5));
        assertThat(d).isCloseTo(bestD, within(1e-5));
        assertThat(model.optimization().value()).isCloseTo(reduced.applyAsDouble(bestW, bestD), within(1e-9));
    }

    @Test
    void unpenalizedBiasReproducesClassFrequenciesWithoutFeatures() {
        // no features: only the (unpenalized) bias is fit, so the probabilities are the class frequencies
        TfIdf.Row empty = new TfIdf.Row(new int[0], new double[0]);
        TfIdf.Row[] rows = new TfIdf.Row[6];
        Arrays.fill(rows, empty);
        int[] labels = {2, 0, 2, 1, 2, 1};
        SoftmaxRegression model = SoftmaxRegression.fit(rows, labels, 4, 0, 0.01, 5000, 1e-10);
        double[] p = model.probabilities(empty);
        assertThat(p[0]).isCloseTo(1.0 / 6, within(1e-7));
        assertThat(p[1]).isCloseTo(2.0 / 6, within(1e-7));
        assertThat(p[2]).isCloseTo(3.0 / 6, within(1e-7));
        assertThat(p[3]).isZero(); // class 3 has no example
        assertThat(model.predict(empty)).isEqualTo(2);
    }

    private static double goldenSection(java.util.function.DoubleUnaryOperator f, double lo, double hi) {
        double ratio = (Math.sqrt(5) - 1) / 2;
        double a = lo;
        double b = hi;
        while (b - a > 1e-10) {
            double x1 = b - ratio * (b - a);
            double x2 = a + ratio * (b - a);
            if (f.applyAsDouble(x1) < f.applyAsDouble(x2)) {
                b = x2;
            } else {
                a = x1;
            }
        }
        return (a + b) / 2;
    }

    private static TfIdf.Row[] randomRows(Random random, int n, int features) {
        TfIdf.Row[] rows = new TfIdf.Row[n];
        for (int i = 0; i < n; i++) {
            int[] idx = random.ints(0, features).distinct().limit(1 + random.nextInt(Math.min(4, features))).sorted()
                    .toArray();
            double[] val = new double[idx.length];
            for (int t = 0; t < idx.length; t++) {
                val[t] = random.nextDouble();
            }
            rows[i] = new TfIdf.Row(idx, val);
        }
        return rows;
    }

    private static int[] randomLabels(Random random, int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i < classes ? i : random.nextInt(classes);
        }
        return y;
    }
}
