package dev.graft.baseline;

import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;
import dev.graft.data.MultiLabelExample;
import dev.graft.eval.MultiLabelMetrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The bag-of-words baseline for multi-label classification, one-vs-rest: for each label, a {@link BagOfWords}
 * (TF-IDF, logistic regression, C by cross-validation) trained on every training text with the classes "yes"
 * (the text carries the label) and "no"; a label is predicted when its model's probability of "yes" is at
 * least 0.5 (scikit-learn's {@code OneVsRestClassifier} on {@code LogisticRegression}). A label that every
 * training text carries, or none does, has no second class to fit: its probability is the constant 1 or 0.
 */
public final class OneVsRestBagOfWords {
    private static final LabelSet YES_NO = LabelSet.of(List.of("no", "yes"));

    private final LabelSet labels;
    /** Per label: the binary model, or null for a constant. */
    private final List<BagOfWords> models;
    /** Per label: the constant probability of a label without a model. */
    private final double[] constant;

    private OneVsRestBagOfWords(LabelSet labels, List<BagOfWords> models, double[] constant) {
        this.labels = labels;
        this.models = models;
        this.constant = constant;
    }

    /**
     * One binary bag of words per label of {@code labels}.
     *
     * @throws IllegalArgumentException when the training set is empty or an example carries a label outside
     *                                  {@code labels}
     */
    public static OneVsRestBagOfWords train(List<MultiLabelExample> train, LabelSet labels,
                                            BagOfWords.Options options) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("the training set is empty: the one-vs-rest bag of words needs "
                    + "labeled examples");
        }
        for (MultiLabelExample e : train) {
            for (String l : e.labels()) {
                if (!labels.contains(l)) {
                    throw new IllegalArgumentException("training example " + e.id() + " has label '" + l
                            + "', which is not among the labels " + labels.describe());
                }
            }
        }
        List<BagOfWords> models = new ArrayList<>();
        double[] constant = new double[labels.size()];
        for (int j = 0; j < labels.size(); j++) {
            String label = labels.labels().get(j);
            List<ClassificationExample> binary = new ArrayList<>(train.size());
            int positives = 0;
            for (MultiLabelExample e : train) {
                boolean has = e.labels().contains(label);
                positives += has ? 1 : 0;
                binary.add(new ClassificationExample(e.id(), e.text(), has ? "yes" : "no"));
            }
            if (positives == 0 || positives == train.size()) {
                models.add(null);
                constant[j] = positives == 0 ? 0 : 1;
            } else {
                models.add(BagOfWords.train(binary, YES_NO, options));
            }
        }
        return new OneVsRestBagOfWords(labels, models, constant);
    }

    /** The probability of each label for each text, (N, K) in label-set order. */
    public float[][] probabilities(List<String> texts) {
        float[][] out = new float[texts.size()][labels.size()];
        for (int j = 0; j < labels.size(); j++) {
            BagOfWords m = models.get(j);
            double[][] p = m == null ? null : m.probabilities(texts);
            for (int i = 0; i < texts.size(); i++) {
                out[i][j] = (float) (m == null ? constant[j] : p[i][YES_NO.indexOf("yes")]);
            }
        }
        return out;
    }

    /** Micro- and macro-F1, subset accuracy and per-label scores on labeled examples, at 0.5 per label. */
    public MultiLabelMetrics evaluate(List<MultiLabelExample> test) {
        boolean[][] gold = new boolean[test.size()][labels.size()];
        List<String> texts = new ArrayList<>(test.size());
        for (int i = 0; i < test.size(); i++) {
            texts.add(test.get(i).text());
            for (String l : test.get(i).labels()) {
                if (!labels.contains(l)) {
                    throw new IllegalArgumentException("test example " + test.get(i).id() + " has label '" + l
                            + "', which is not among the labels " + labels.describe());
                }
                gold[i][labels.indexOf(l)] = true;
            }
        }
        return MultiLabelMetrics.compute(gold, probabilities(texts), labels.labels(), null);
    }

    /** The C chosen for each label's model (NaN for a label predicted by a constant). */
    public List<Double> chosenC() {
        List<Double> out = new ArrayList<>();
        for (BagOfWords m : models) {
            out.add(m == null ? Double.NaN : m.chosenC());
        }
        return out;
    }
}
