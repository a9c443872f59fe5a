package dev.graft.baseline;

import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.data.LabelSet;
import dev.graft.eval.ClassificationMetrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bag-of-words baseline for text classification: TF-IDF over word n-grams ({@link TfIdf}: lowercase,
 * letter/digit runs and single punctuation marks, unigrams and bigrams by default, scikit-learn's smoothed
 * idf, L2-normalized rows) feeding a multinomial logistic regression with L2 penalty
 * (J = C * sum of cross-entropies + 0.5 * ||W||^2, bias not penalized), minimized to convergence by
 * L-BFGS written here. Hand-written rather than a library: the whole model is two small classes, and
 * a dependency for it would outweigh them.
 *
 * <p>C is chosen by stratified k-fold cross-validation inside the training set ({@link Dataset#kFold},
 * k = min(maxFolds, smallest class count), at least 2): for every fold the vocabulary and idf are fit on
 * the fold's training part only, a model is fit for every C of the grid, and the held-out examples
 * predicted; the C with the most correct held-out predictions over all folds wins, ties going to the
 * smaller C. The model is then refit on the whole training set with that C. A grid of one value skips
 * cross-validation. Everything is a function of the examples, their order and the seed.
 */
public final class BagOfWords {
    private final LabelSet labels;
    private final TfIdf vectorizer;
    private final SoftmaxRegression model;
    private final ChosenC choice;

    /**
     * @param maxNgram          longest word n-gram used as a feature (1 = unigrams, 2 = and bigrams)
     * @param minDf             a term is a feature when at least this many training documents contain it
     * @param cGrid             candidate C values (positive, distinct); kept sorted ascending
     * @param maxFolds          cross-validation folds at most (fewer when the smallest class is smaller)
     * @param gradientTolerance L-BFGS stops when the gradient's max-norm is this times max(1, its max-norm at
     *                          zero weights)
     * @param maxIterations     L-BFGS iterations at most per fit
     * @param seed              fold assignment
     */
    public record Options(int maxNgram, int minDf, List<Double> cGrid, int maxFolds, double gradientTolerance,
                          int maxIterations, long seed) {
        /** Unigrams and bigrams, min_df 1, C in {0.01, 0.1, 0.3, 1, 3, 10, 30, 100}, up to 5 folds. */
        public static Options defaults(long seed) {
            return new Options(2, 1, List.of(0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0), 5, 1e-6, 2000, seed);
        }

        public Options {
            if (maxNgram < 1) {
                throw new IllegalArgumentException("maxNgram must be >= 1 (1 = unigrams), got " + maxNgram);
            }
            if (minDf < 1) {
                throw new IllegalArgumentException("minDf must be >= 1 document, got " + minDf);
            }
            if (cGrid == null || cGrid.isEmpty()) {
                throw new IllegalArgumentException("the C grid is empty: give at least one C > 0");
            }
            List<Double> sorted = new ArrayList<>(cGrid);
            Collections.sort(sorted);
            for (int i = 0; i < sorted.size(); i++) {
                double c = sorted.get(i);
                if (!(c > 0) || Double.isInfinite(c)) {
                    throw new IllegalArgumentException("C must be a positive finite number, got " + c + " in the grid "
                            + cGrid);
                }
                if (i > 0 && c == sorted.get(i - 1)) {
                    throw new IllegalArgumentException("C " + c + " appears twice in the grid " + cGrid);
                }
            }
            cGrid = List.copyOf(sorted);
            if (maxFolds < 2) {
                throw new IllegalArgumentException("maxFolds must be >= 2, got " + maxFolds);
            }
            if (!(gradientTolerance > 0 && gradientTolerance < 1)) {
                throw new IllegalArgumentException("gradient tolerance must be in (0, 1), got " + gradientTolerance);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
            }
        }

        /** The same options with another C grid. */
        public Options withCGrid(List<Double> grid) {
            return new Options(maxNgram, minDf, grid, maxFolds, gradientTolerance, maxIterations, seed);
        }

        /** The same options with another seed. */
        public Options withSeed(long newSeed) {
            return new Options(maxNgram, minDf, cGrid, maxFolds, gradientTolerance, maxIterations, newSeed);
        }
    }

    private BagOfWords(LabelSet labels, TfIdf vectorizer, SoftmaxRegression model, ChosenC choice) {
        this.labels = labels;
        this.vectorizer = vectorizer;
        this.model = model;
        this.choice = choice;
    }

    /**
     * Chooses C by cross-validation on {@code train}, then fits on all of it.
     *
     * @param labels the classes, index = class id; every training label must be in it (a class with no
     *               training example is never predicted)
     * @throws IllegalArgumentException when the training set is empty, has one class, or has a label
     *                                  outside {@code labels}
     */
    public static BagOfWords train(List<ClassificationExample> train, LabelSet labels, Options options) {
        Map<String, Integer> counts = classCounts(train, labels, "the bag-of-words baseline");
        ChosenC chosen = chooseC(train, labels, options, counts, (part, held) -> {
            TfIdf v = TfIdf.fit(texts(part), options.maxNgram(), options.minDf());
            return new FoldFeatures(v.transform(texts(part)), v.transform(texts(held)), v.features());
        });
        TfIdf v = TfIdf.fit(texts(train), options.maxNgram(), options.minDf());
        SoftmaxRegression m = SoftmaxRegression.fit(v.transform(texts(train)), classes(train, labels),
                labels.size(), v.features(), chosen.c(), options.maxIterations(), options.gradientTolerance());
        return new BagOfWords(labels, v, m, chosen);
    }

    /**
     * Examples per label of a training set, checked: not empty, every label in {@code labels}, at least two
     * classes. {@code who} names the model in the message about an empty set.
     */
    static Map<String, Integer> classCounts(List<ClassificationExample> train, LabelSet labels, String who) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("the training set is empty: " + who + " needs labeled examples of at "
                    + "least two classes");
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (ClassificationExample e : train) {
            if (!labels.contains(e.label())) {
                throw new IllegalArgumentException("training example " + e.id() + " has label '" + e.label()
                        + "', which is not among the classes " + labels.describe());
            }
            counts.merge(e.label(), 1, Integer::sum);
        }
        if (counts.size() < 2) {
            throw new IllegalArgumentException("all " + train.size() + " training examples have the label '"
                    + counts.keySet().iterator().next() + "': a classifier needs examples of at least two classes");
        }
        return counts;
    }

    /** The class id of each test example; a label outside {@code labels} is an error naming the example. */
    static int[] gold(List<ClassificationExample> test, LabelSet labels) {
        int[] gold = new int[test.size()];
        for (int i = 0; i < gold.length; i++) {
            ClassificationExample e = test.get(i);
            if (!labels.contains(e.label())) {
                throw new IllegalArgumentException("test example " + e.id() + " has label '" + e.label()
                        + "', which the model was not trained with (classes: " + labels.describe() + ")");
            }
            gold[i] = labels.indexOf(e.label());
        }
        return gold;
    }

    /** One fold's features: the training part's rows, the held-out part's rows, and their width. */
    /**
     * The C a model is refit with, and how it was chosen.
     *
     * @param c        the chosen C
     * @param accuracy held-out accuracy of every C of the grid over all folds, in the grid's order; empty when the
     *                 grid had one C
     * @param folds    the cross-validation folds used (0 when the grid had one C)
     */
    record ChosenC(double c, Map<Double, Double> accuracy, int folds) {
    }

    /**
     * Chooses C by stratified k-fold cross-validation on {@code train} (k = the smallest class's count of
     * {@code counts}, between 2 and {@code options.maxFolds()}): the C of the grid with the best held-out accuracy;
     * a grid of one C is taken as it is, without folds. {@code featurize} builds each fold's features.
     */
    static ChosenC chooseC(List<ClassificationExample> train, LabelSet labels, Options options,
                           Map<String, Integer> counts, java.util.function.BiFunction<List<ClassificationExample>,
                           List<ClassificationExample>, FoldFeatures> featurize) {
        List<Double> grid = options.cGrid();
        if (grid.size() < 2) {
            return new ChosenC(grid.get(0), Map.of(), 0);
        }
        int k = Math.max(2, Math.min(options.maxFolds(), Collections.min(counts.values())));
        Map<Double, Double> accuracy = crossValidateC(train, labels, options, k, featurize);
        return new ChosenC(bestC(accuracy), Collections.unmodifiableMap(accuracy), k);
    }

    record FoldFeatures(TfIdf.Row[] train, TfIdf.Row[] held, int width) {
    }

    /**
     * Held-out accuracy of every C of {@code options.cGrid()} over a stratified {@code k}-fold split of
     * {@code train} (correct over all folds / examples), in the grid's order; {@code featurize} builds each
     * fold's features from its training and held-out examples.
     */
    static Map<Double, Double> crossValidateC(List<ClassificationExample> train, LabelSet labels, Options options,
            int k, java.util.function.BiFunction<List<ClassificationExample>, List<ClassificationExample>,
            FoldFeatures> featurize) {
        List<Double> grid = options.cGrid();
        long[] correct = new long[grid.size()];
        for (Dataset.Fold<ClassificationExample> fold : Dataset.ofClassification(train).kFold(k, options.seed())) {
            List<ClassificationExample> part = fold.train().examples();
            List<ClassificationExample> held = fold.test().examples();
            FoldFeatures f = featurize.apply(part, held);
            int[] y = classes(part, labels);
            int[] heldY = classes(held, labels);
            for (int c = 0; c < grid.size(); c++) {
                SoftmaxRegression m = SoftmaxRegression.fit(f.train(), y, labels.size(), f.width(), grid.get(c),
                        options.maxIterations(), options.gradientTolerance());
                for (int i = 0; i < f.held().length; i++) {
                    if (m.predict(f.held()[i]) == heldY[i]) {
                        correct[c]++;
                    }
                }
            }
        }
        Map<Double, Double> accuracy = new LinkedHashMap<>();
        for (int c = 0; c < grid.size(); c++) {
            accuracy.put(grid.get(c), (double) correct[c] / train.size());
        }
        return accuracy;
    }

    /** The C with the highest held-out accuracy; the first of the grid's order among ties. */
    static double bestC(Map<Double, Double> accuracy) {
        double best = Double.NaN;
        double bestAccuracy = Double.NEGATIVE_INFINITY;
        for (Map.Entry<Double, Double> e : accuracy.entrySet()) {
            if (e.getValue() > bestAccuracy) {
                best = e.getKey();
                bestAccuracy = e.getValue();
            }
        }
        return best;
    }

    /** The examples' texts, in order. */
    static List<String> texts(List<ClassificationExample> examples) {
        return examples.stream().map(ClassificationExample::text).toList();
    }

    /** The examples' label indexes in {@code labels}, in order. */
    static int[] classes(List<ClassificationExample> examples, LabelSet labels) {
        int[] y = new int[examples.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.indexOf(examples.get(i).label());
        }
        return y;
    }

    /** The C the model was refit with. */
    public double chosenC() {
        return choice.c();
    }

    /** Held-out accuracy of every C of the grid over all folds, in ascending C; empty when the grid had one C. */
    public Map<Double, Double> crossValidationAccuracy() {
        return choice.accuracy();
    }

    /** The cross-validation folds used (0 when the grid had one C). */
    public int folds() {
        return choice.folds();
    }

    /** The number of TF-IDF features of the final model. */
    public int features() {
        return vectorizer.features();
    }

    /** The classes, index = class id. */
    public LabelSet labels() {
        return labels;
    }

    /** The most probable class id of each text (the lower id on a tie). */
    public int[] predict(List<String> texts) {
        int[] out = new int[texts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = model.predict(vectorizer.transform(texts.get(i)));
        }
        return out;
    }

    /** Class probabilities of each text, (N, K) in label-set order. */
    public double[][] probabilities(List<String> texts) {
        double[][] out = new double[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = model.probabilities(vectorizer.transform(texts.get(i)));
        }
        return out;
    }

    /** Accuracy, macro-F1, per-class scores and confusion on labeled examples (labels must be in the set). */
    public ClassificationMetrics evaluate(List<ClassificationExample> test) {
        return ClassificationMetrics.compute(gold(test, labels), predict(texts(test)), labels.labels());
    }
}
