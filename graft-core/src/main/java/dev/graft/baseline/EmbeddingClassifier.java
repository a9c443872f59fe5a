package dev.graft.baseline;

import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multinomial logistic regression on dense sentence embeddings ({@link SoftmaxRegression}: scikit-learn's
 * {@code LogisticRegression}, L2, C by stratified cross-validation inside the training set as
 * {@link BagOfWords} chooses it): the head SetFit fits on its tuned embeddings. The fitted model is exposed
 * as a linear layer, logits = W x + b with W (K, D) and b (K) over every class of the label set, so that a
 * neural classifier can carry it: a class with no training example gets weight 0 and bias
 * {@link #ABSENT_BIAS}, so its softmax probability is 0 in float as in {@link SoftmaxRegression}.
 */
public final class EmbeddingClassifier {
    /** The bias of a class absent from training: exp of it underflows to 0 next to any present class. */
    public static final float ABSENT_BIAS = -1e4f;

    private final SoftmaxRegression model;
    private final int dimension;
    private final BagOfWords.ChosenC choice;

    private EmbeddingClassifier(SoftmaxRegression model, int dimension, BagOfWords.ChosenC choice) {
        this.model = model;
        this.dimension = dimension;
        this.choice = choice;
    }

    /**
     * Chooses C by cross-validation on the examples (k = min(maxFolds, smallest class), at least 2; a grid of
     * one value skips it), then fits on all of them.
     *
     * @param train    the labeled examples (only their labels and identity are used)
     * @param features one embedding per example, same order, all of one width
     * @param labels   the classes, index = class id
     * @param options  the C grid, folds, tolerance, iterations and seed ({@link BagOfWords.Options}; its n-gram
     *                 fields are unused)
     */
    public static EmbeddingClassifier fit(List<ClassificationExample> train, float[][] features, LabelSet labels,
                                          BagOfWords.Options options) {
        if (features.length != train.size()) {
            throw new IllegalArgumentException(features.length + " embeddings for " + train.size() + " examples");
        }
        Map<String, Integer> counts = BagOfWords.classCounts(train, labels, "the logistic-regression head");
        int width = features[0].length;
        Map<ClassificationExample, TfIdf.Row> rowOf = new IdentityHashMap<>();
        for (int i = 0; i < features.length; i++) {
            if (features[i].length != width) {
                throw new IllegalArgumentException("embedding " + i + " has width " + features[i].length + ", not "
                        + width);
            }
            rowOf.put(train.get(i), row(features[i]));
        }
        BagOfWords.ChosenC chosen = BagOfWords.chooseC(train, labels, options, counts, (part, held) ->
                new BagOfWords.FoldFeatures(rows(part, rowOf), rows(held, rowOf), width));
        SoftmaxRegression m = SoftmaxRegression.fit(rows(train, rowOf), BagOfWords.classes(train, labels),
                labels.size(), width, chosen.c(), options.maxIterations(), options.gradientTolerance());
        return new EmbeddingClassifier(m, width, chosen);
    }

    private static TfIdf.Row[] rows(List<ClassificationExample> examples, Map<ClassificationExample, TfIdf.Row> rowOf) {
        TfIdf.Row[] out = new TfIdf.Row[examples.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = rowOf.get(examples.get(i));
        }
        return out;
    }

    private static TfIdf.Row row(float[] x) {
        int[] indexes = new int[x.length];
        double[] values = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            indexes[j] = j;
            values[j] = x[j];
        }
        return new TfIdf.Row(indexes, values);
    }

    /** The C cross-validation chose (the grid's only value when it has one). */
    public double chosenC() {
        return choice.c();
    }

    /** Held-out accuracy of each C of the grid, empty when there was nothing to choose. */
    public Map<Double, Double> crossValidationAccuracy() {
        return choice.accuracy();
    }

    /** Class probabilities (K) of one embedding, computed in double. */
    public double[] probabilities(float[] x) {
        return model.probabilities(row(x));
    }

    /** The most probable class of one embedding. */
    public int predict(float[] x) {
        return model.predict(row(x));
    }

    /** The weights as a linear layer, W (K, D) row-major, every class of the label set. */
    public float[] weights(int classes) {
        float[] w = new float[classes * dimension];
        int[] present = model.presentClasses();
        for (int k = 0; k < present.length; k++) {
            for (int j = 0; j < dimension; j++) {
                w[present[k] * dimension + j] = (float) model.weight(k, j);
            }
        }
        return w;
    }

    /** The biases (K); {@link #ABSENT_BIAS} for a class with no training example. */
    public float[] biases(int classes) {
        float[] b = new float[classes];
        java.util.Arrays.fill(b, ABSENT_BIAS);
        int[] present = model.presentClasses();
        for (int k = 0; k < present.length; k++) {
            b[present[k]] = (float) model.bias(k);
        }
        return b;
    }
}
