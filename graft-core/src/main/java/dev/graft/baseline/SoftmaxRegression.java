package dev.graft.baseline;

import java.util.Arrays;

/**
 * Multinomial logistic regression on sparse rows with scikit-learn's L2 convention
 * ({@code LogisticRegression(penalty='l2', C=c, fit_intercept=True)}, multinomial loss): minimizes
 *
 * <pre>
 *   J(W, b) = c * sum_i -log softmax(W x_i + b)[y_i]  +  0.5 * ||W||^2     (bias not penalized)
 * </pre>
 *
 * over W (P, D) and b (P), P the classes present in the training labels, by {@link Lbfgs} (memory
 * {@value #MEMORY}) from zero until the gradient's max-norm is at most {@code tolerance} times
 * max(1, its max-norm at zero).
 * Classes of the label set with no training example get probability 0 (their optimum would be an
 * infinitely negative bias). The objective's gradient:
 * dJ/dW_k = c * sum_i (p_ik - [y_i = k]) x_i + W_k, dJ/db_k = c * sum_i (p_ik - [y_i = k]).
 *
 * <p>Two classes: the gradient's rows sum to W0 + W1, so the optimum has W0 = -W1, and only the
 * differences v = W1 - W0 and d = b1 - b0 enter the softmax; the same optimum is found at half the
 * size by minimizing {@link BinaryObjective}, J = c * sum_i log(1 + exp(-s_i (v . x_i + d))) +
 * 0.25 * ||v||^2 (s_i = +1 for the second class, -1 for the first), and mapping back W1 = -W0 = v/2,
 * b1 = -b0 = d/2. scikit-learn's binary model (one weight vector, penalty 0.5 * ||v||^2) thus has this
 * optimum at C' = 2c: a C grid shifts by a factor 2 between the two.
 */
final class SoftmaxRegression {
    /** L-BFGS correction pairs. */
    static final int MEMORY = 10;

    private final int classes;
    private final int features;
    private final int[] present;   // (P) compact index -> class id
    private final double[] weights; // (P, D) row-major
    private final double[] bias;    // (P)
    private final Lbfgs.Result result; // null when one class is present

    private SoftmaxRegression(int classes, int features, int[] present, double[] weights, double[] bias,
                              Lbfgs.Result result) {
        this.classes = classes;
        this.features = features;
        this.present = present;
        this.weights = weights;
        this.bias = bias;
        this.result = result;
    }

    /**
     * Fits the model.
     *
     * @param rows          training rows with feature indexes in [0, features)
     * @param labels        class ids in [0, classes), one per row
     * @param classes       K, the size of the label set
     * @param features      D
     * @param c             inverse regularization strength, > 0
     * @param maxIterations L-BFGS iterations at most
     * @param tolerance     stop when the gradient's max-norm is this times max(1, its max-norm at zero)
     */
    static SoftmaxRegression fit(TfIdf.Row[] rows, int[] labels, int classes, int features, double c,
                                 int maxIterations, double tolerance) {
        if (rows.length != labels.length) {
            throw new IllegalArgumentException(rows.length + " rows but " + labels.length + " labels");
        }
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("C must be a positive finite number, got " + c);
        }
        int[] compact = new int[classes];
        Arrays.fill(compact, -1);
        for (int y : labels) {
            if (y < 0 || y >= classes) {
                throw new IllegalArgumentException("class " + y + " is outside [0, " + classes + ")");
            }
            compact[y] = 0;
        }
        int p = 0;
        for (int k = 0; k < classes; k++) {
            if (compact[k] == 0) {
                compact[k] = p++;
            }
        }
        if (p == 0) {
            throw new IllegalArgumentException("no training rows");
        }
        int[] present = new int[p];
        for (int k = 0; k < classes; k++) {
            if (compact[k] >= 0) {
                present[compact[k]] = k;
            }
        }
        if (p == 1) {
            return new SoftmaxRegression(classes, features, present, new double[features], new double[1], null);
        }
        int[] y = new int[labels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = compact[labels[i]];
        }
        Lbfgs.Objective objective = p == 2 ? new BinaryObjective(rows, y, features, c)
                : new Objective(rows, y, p, features, c);
        int dimension = p == 2 ? features + 1 : p * features + p;
        double[] gradient = new double[dimension];
        objective.evaluate(new double[dimension], gradient);
        Lbfgs.Options options = new Lbfgs.Options(MEMORY, maxIterations,
                tolerance * Math.max(1.0, Lbfgs.maxNorm(gradient)));
        Lbfgs.Result r = Lbfgs.minimize(objective, new double[dimension], options);
        double[] w = new double[p * features];
        double[] b = new double[p];
        if (p == 2) { // W1 = -W0 = v / 2, b1 = -b0 = d / 2
            for (int j = 0; j < features; j++) {
                w[features + j] = 0.5 * r.x()[j];
                w[j] = -w[features + j];
            }
            b[1] = 0.5 * r.x()[features];
            b[0] = -b[1];
        } else {
            System.arraycopy(r.x(), 0, w, 0, p * features);
            System.arraycopy(r.x(), p * features, b, 0, p);
        }
        return new SoftmaxRegression(classes, features, present, w, b, r);
    }

    /** W[k][j] of the k-th class present in training (compact index). */
    double weight(int k, int j) {
        return weights[k * features + j];
    }

    /** b[k] of the k-th class present in training (compact index). */
    double bias(int k) {
        return bias[k];
    }

    /** The class id of each compact index (the classes present in training, ascending). */
    int[] presentClasses() {
        return present.clone();
    }

    /** The optimizer's outcome, or null when the training labels had one class. */
    Lbfgs.Result optimization() {
        return result;
    }

    /** Class probabilities (K), 0 for classes absent from training. */
    double[] probabilities(TfIdf.Row row) {
        double[] scores = new double[present.length];
        scores(weights, bias, features, row, scores);
        softmaxInPlace(scores);
        double[] out = new double[classes];
        for (int k = 0; k < present.length; k++) {
            out[present[k]] = scores[k];
        }
        return out;
    }

    /** The most probable class (the lowest id on a tie). */
    int predict(TfIdf.Row row) {
        return argmax(probabilities(row));
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int k = 1; k < v.length; k++) {
            if (v[k] > v[best]) {
                best = k;
            }
        }
        return best;
    }

    /** scores[k] = W_k . x + b_k over the P rows of W. */
    private static void scores(double[] w, double[] b, int features, TfIdf.Row row, double[] scores) {
        int[] idx = row.indexes();
        double[] val = row.values();
        for (int k = 0; k < scores.length; k++) {
            int offset = k * features;
            double sum = b[k];
            for (int t = 0; t < idx.length; t++) {
                sum += w[offset + idx[t]] * val[t];
            }
            scores[k] = sum;
        }
    }

    /** Softmax in place with the maximum subtracted; returns log-sum-exp of the input. */
    private static double softmaxInPlace(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double e : v) {
            max = Math.max(max, e);
        }
        double sum = 0;
        for (int k = 0; k < v.length; k++) {
            v[k] = Math.exp(v[k] - max);
            sum += v[k];
        }
        for (int k = 0; k < v.length; k++) {
            v[k] /= sum;
        }
        return max + Math.log(sum);
    }

    /** J(v, d) of two classes and its gradient over the parameter vector [v (D), d]; labels 0 or 1. */
    static final class BinaryObjective implements Lbfgs.Objective {
        private final TfIdf.Row[] rows;
        private final int[] labels;
        private final int features;
        private final double c;

        BinaryObjective(TfIdf.Row[] rows, int[] labels, int features, double c) {
            this.rows = rows;
            this.labels = labels;
            this.features = features;
            this.c = c;
        }

        @Override
        public double evaluate(double[] x, double[] gradient) {
            Arrays.fill(gradient, 0.0);
            double d = x[features];
            double loss = 0;
            for (int i = 0; i < rows.length; i++) {
                int[] idx = rows[i].indexes();
                double[] val = rows[i].values();
                double z = d;
                for (int t = 0; t < idx.length; t++) {
                    z += x[idx[t]] * val[t];
                }
                // -log p(y | x) = log(1 + e^z) - y z, with log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
                int y = labels[i];
                loss += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - (y == 1 ? z : 0);
                double p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
                double delta = c * (p - y);
                for (int t = 0; t < idx.length; t++) {
                    gradient[idx[t]] += delta * val[t];
                }
                gradient[features] += delta;
            }
            double penalty = 0;
            for (int j = 0; j < features; j++) {
                penalty += x[j] * x[j];
                gradient[j] += 0.5 * x[j];
            }
            return c * loss + 0.25 * penalty;
        }
    }

    /** J(W, b) and its gradient over the parameter vector [W (P, D) row-major, b (P)]. */
    static final class Objective implements Lbfgs.Objective {
        private final TfIdf.Row[] rows;
        private final int[] labels;
        private final int classes;
        private final int features;
        private final double c;
        private final double[] scores;

        /** Labels are compact class ids in [0, classes). */
        Objective(TfIdf.Row[] rows, int[] labels, int classes, int features, double c) {
            this.rows = rows;
            this.labels = labels;
            this.classes = classes;
            this.features = features;
            this.c = c;
            this.scores = new double[classes];
        }

        int dimension() {
            return classes * features + classes;
        }

        @Override
        public double evaluate(double[] x, double[] gradient) {
            int biasOffset = classes * features;
            Arrays.fill(gradient, 0.0);
            double loss = 0;
            for (int i = 0; i < rows.length; i++) {
                TfIdf.Row row = rows[i];
                for (int k = 0; k < classes; k++) {
                    scores[k] = x[biasOffset + k];
                }
                int[] idx = row.indexes();
                double[] val = row.values();
                for (int k = 0; k < classes; k++) {
                    int offset = k * features;
                    double sum = 0;
                    for (int t = 0; t < idx.length; t++) {
                        sum += x[offset + idx[t]] * val[t];
                    }
                    scores[k] += sum;
                }
                double target = scores[labels[i]];
                double logSumExp = softmaxInPlace(scores); // scores now hold probabilities
                loss += logSumExp - target;
                for (int k = 0; k < classes; k++) {
                    double delta = c * (scores[k] - (k == labels[i] ? 1.0 : 0.0));
                    int offset = k * features;
                    for (int t = 0; t < idx.length; t++) {
                        gradient[offset + idx[t]] += delta * val[t];
                    }
                    gradient[biasOffset + k] += delta;
                }
            }
            double penalty = 0;
            for (int j = 0; j < biasOffset; j++) {
                penalty += x[j] * x[j];
                gradient[j] += x[j];
            }
            return c * loss + 0.5 * penalty;
        }
    }
}
