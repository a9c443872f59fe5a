package dev.graft.baseline;

import de.bwaldvogel.liblinear.Feature;
import de.bwaldvogel.liblinear.FeatureNode;
import de.bwaldvogel.liblinear.Linear;
import de.bwaldvogel.liblinear.Model;
import de.bwaldvogel.liblinear.Parameter;
import de.bwaldvogel.liblinear.Problem;
import de.bwaldvogel.liblinear.SolverType;
import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The bag of words' logistic regression against a reference solver: LIBLINEAR's L2-regularized logistic
 * regression ({@code -s 0}, trust-region Newton, the solver scikit-learn's {@code liblinear} wraps), on the
 * same TF-IDF features of a generated, not separable two-class problem.
 *
 * <p>The objectives are the same up to a factor: LIBLINEAR minimizes 0.5 ||w||^2 + C' sum_i log(1 + e^(-y_i
 * w.x_i)) with its bias feature left out of the penalty ({@code regularizeBias(false)}); {@link
 * SoftmaxRegression} with two classes minimizes c sum_i log(1 + e^(-s_i (v.x_i + d))) + 0.25 ||v||^2 (its
 * javadoc), which is half of LIBLINEAR's at C' = 2c, v = w. LIBLINEAR has no multinomial logistic
 * regression, so the check is binary.
 */
class LiblinearReferenceTest {
    private static final double C = 3.0;
    private static final List<String> POSITIVE = List.of("good", "great", "fine", "superb", "lovely");
    private static final List<String> NEGATIVE = List.of("bad", "awful", "poor", "dull", "weak");
    private static final List<String> NEUTRAL = List.of("the", "film", "plot", "was", "actors", "quite", "a", "it",
            "story", "ending", "music", "scene", "very", "and", "but");

    private static List<ClassificationExample> train;
    private static List<ClassificationExample> test;
    private static TfIdf vectorizer;
    private static TfIdf.Row[] rows;
    private static int[] labels;

    /** Sentences of 5-12 words; a sentiment word of the sentence's class with probability 0.6, of the other 0.25. */
    private static List<ClassificationExample> sentences(int n, long seed) {
        Random random = new Random(seed);
        List<ClassificationExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean pos = random.nextBoolean();
            List<String> words = new ArrayList<>();
            int length = 5 + random.nextInt(8);
            for (int w = 0; w < length; w++) {
                double u = random.nextDouble();
                List<String> from = u < 0.15 ? (pos ? POSITIVE : NEGATIVE) : u < 0.22 ? (pos ? NEGATIVE : POSITIVE)
                        : NEUTRAL;
                words.add(from.get(random.nextInt(from.size())));
            }
            out.add(new ClassificationExample("s" + seed + "-" + i, String.join(" ", words), pos ? "pos" : "neg"));
        }
        return out;
    }

    @BeforeAll
    static void data() {
        train = sentences(97, 5);
        test = sentences(203, 6);
        vectorizer = TfIdf.fit(BagOfWords.texts(train), 2, 1);
        rows = vectorizer.transform(BagOfWords.texts(train));
        labels = BagOfWords.classes(train, LabelSet.ordered(List.of("neg", "pos")));
    }

    /** LIBLINEAR fit of the rows: w (D) then the bias weight, as the weight of class "pos" (label 1). */
    private static double[] liblinear(double cPrime) {
        int d = vectorizer.features();
        Problem problem = new Problem();
        problem.l = rows.length;
        problem.n = d + 1;
        problem.bias = 1;
        problem.x = new Feature[rows.length][];
        problem.y = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            problem.x[i] = features(rows[i], d);
            problem.y[i] = labels[i] == 1 ? 1 : -1;
        }
        Parameter parameter = new Parameter(SolverType.L2R_LR, cPrime, 1e-12, 10_000, 0.1);
        parameter.setRegularizeBias(false);
        Linear.disableDebugOutput();
        Model model = Linear.train(problem, parameter);
        double[] w = model.getFeatureWeights().clone();
        assertThat(w).hasSize(d + 1);
        // LIBLINEAR's weight vector scores its first label; make it the score of +1 ("pos")
        double sign = model.getLabels()[0] == 1 ? 1 : -1;
        for (int j = 0; j < w.length; j++) {
            w[j] *= sign;
        }
        return w;
    }

    /** A row as LIBLINEAR features: 1-based indexes, ascending, then the bias feature at d + 1. */
    private static Feature[] features(TfIdf.Row row, int d) {
        int[] order = java.util.stream.IntStream.range(0, row.indexes().length).boxed()
                .sorted(java.util.Comparator.comparingInt(t -> row.indexes()[t])).mapToInt(Integer::intValue).toArray();
        Feature[] out = new Feature[order.length + 1];
        for (int t = 0; t < order.length; t++) {
            out[t] = new FeatureNode(row.indexes()[order[t]] + 1, row.values()[order[t]]);
        }
        out[order.length] = new FeatureNode(d + 1, 1.0);
        return out;
    }

    /** LIBLINEAR's own objective at w (bias weight last, not penalized). */
    private static double liblinearObjective(double[] w, double cPrime) {
        int d = w.length - 1;
        double penalty = 0;
        for (int j = 0; j < d; j++) {
            penalty += w[j] * w[j];
        }
        double loss = 0;
        for (int i = 0; i < rows.length; i++) {
            double z = decision(w, rows[i]);
            double y = labels[i] == 1 ? 1 : -1;
            loss += Math.log1p(Math.exp(-y * z));
        }
        return 0.5 * penalty + cPrime * loss;
    }

    private static double decision(double[] w, TfIdf.Row row) {
        int d = w.length - 1;
        double z = w[d];
        for (int t = 0; t < row.indexes().length; t++) {
            z += w[row.indexes()[t]] * row.values()[t];
        }
        return z;
    }

    /** Ours as LIBLINEAR's parameters: v = W_pos - W_neg, d = b_pos - b_neg. */
    private static double[] ours(SoftmaxRegression m) {
        int d = vectorizer.features();
        double[] v = new double[d + 1];
        for (int j = 0; j < d; j++) {
            v[j] = m.weight(1, j) - m.weight(0, j);
        }
        v[d] = m.bias(1) - m.bias(0);
        return v;
    }

    @Test
    void sameOptimumAsLiblinear() {
        SoftmaxRegression m = SoftmaxRegression.fit(rows, labels, 2, vectorizer.features(), C, 5000, 1e-7);
        Lbfgs.Result fit = m.optimization();
        assertThat(fit.converged()).as("gradient %s after %d iterations", fit.gradientNorm(), fit.iterations())
                .isTrue();
        double[] reference = liblinear(2 * C);
        double[] mine = ours(m);

        // the same objective value: ours is half of LIBLINEAR's at C' = 2c; each solver at its own optimum
        double theirs = liblinearObjective(reference, 2 * C);
        SoftmaxRegression.BinaryObjective objective = new SoftmaxRegression.BinaryObjective(rows, labels,
                vectorizer.features(), C);
        double[] scratch = new double[mine.length];
        assertThat(2 * objective.evaluate(mine, scratch)).isCloseTo(theirs, within(1e-9 * theirs));
        assertThat(liblinearObjective(mine, 2 * C)).isCloseTo(theirs, within(1e-9 * theirs));
        assertThat(2 * objective.evaluate(reference, scratch)).isCloseTo(theirs, within(1e-9 * theirs));

        // the same weights, up to the solvers' tolerances
        double largest = 0;
        for (double w : reference) {
            largest = Math.max(largest, Math.abs(w));
        }
        assertThat(largest).isGreaterThan(0.5); // a fit that learned something, not weights near zero
        for (int j = 0; j < reference.length; j++) {
            assertThat(mine[j]).as("weight %d", j).isCloseTo(reference[j], within(1e-5 * largest));
        }

        // the same predictions on every training and every unseen sentence
        TfIdf.Row[] held = vectorizer.transform(BagOfWords.texts(test));
        int correct = 0;
        for (int i = 0; i < held.length; i++) {
            int theirsClass = decision(reference, held[i]) > 0 ? 1 : 0;
            assertThat(m.predict(held[i])).as("test sentence %d", i).isEqualTo(theirsClass);
            correct += theirsClass == (test.get(i).label().equals("pos") ? 1 : 0) ? 1 : 0;
        }
        for (int i = 0; i < rows.length; i++) {
            assertThat(m.predict(rows[i])).as("training sentence %d", i)
                    .isEqualTo(decision(reference, rows[i]) > 0 ? 1 : 0);
        }
        // the words carry the label, with noise: better than chance on unseen sentences, not perfect
        assertThat(correct).isGreaterThan(held.length * 6 / 10).isLessThan(held.length);
    }

    @Test
    void bagOfWordsPredictsAsLiblinearAtAFixedC() {
        LabelSet classes = LabelSet.ordered(List.of("neg", "pos"));
        BagOfWords bow = BagOfWords.train(train, classes, BagOfWords.Options.defaults(1).withCGrid(List.of(C)));
        assertThat(bow.chosenC()).isEqualTo(C);
        double[] reference = liblinear(2 * C);
        int[] predicted = bow.predict(BagOfWords.texts(test));
        double accuracy = 0;
        for (int i = 0; i < test.size(); i++) {
            int theirs = decision(reference, vectorizer.transform(test.get(i).text())) > 0 ? 1 : 0;
            assertThat(predicted[i]).as("test sentence %d", i).isEqualTo(theirs);
            accuracy += classes.labels().get(theirs).equals(test.get(i).label()) ? 1 : 0;
        }
        assertThat(accuracy / test.size()).isGreaterThan(0.6); // the features carry the label
    }
}
