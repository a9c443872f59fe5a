package dev.graft.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Multi-label classification scores, with scikit-learn's definitions on label-indicator matrices
 * ({@code f1_score(average=...)}, {@code accuracy_score}, zero_division=0):
 * <ul>
 * <li>per label: TP, FP, FN over the examples; precision TP/(TP+FP), recall TP/(TP+FN), F1 = 2TP/(2TP+FP+FN),
 * each 0 when its denominator is 0; support = examples that carry the label;</li>
 * <li>micro-F1: F1 of the TP, FP and FN summed over all labels;</li>
 * <li>macro-F1: the unweighted mean of the per-label F1 over <em>all</em> labels (scikit-learn on indicator
 * matrices: a label nobody carries and nothing predicts scores 0);</li>
 * <li>subset accuracy: examples whose predicted label set equals the gold set exactly.</li>
 * </ul>
 *
 * @param labels         label names, index = id
 * @param total          examples scored
 * @param microF1        see above (NaN without examples)
 * @param macroF1        see above (NaN without examples)
 * @param subsetAccuracy exact-set matches / total (NaN without examples)
 * @param microPrecision TP/(TP+FP) summed over labels
 * @param microRecall    TP/(TP+FN) summed over labels
 * @param perLabel       one entry per label, in label order
 * @param thresholds     the decision threshold of each label the predictions were made with, or null
 */
public record MultiLabelMetrics(List<String> labels, long total, double microF1, double macroF1,
                                double subsetAccuracy, double microPrecision, double microRecall,
                                List<PerLabel> perLabel, List<Double> thresholds) implements HeadMetrics {

    /** Scores of one label. */
    public record PerLabel(String label, double precision, double recall, double f1, long support, long predicted) {
    }

    /** The candidate thresholds of {@link #tuneThresholds}: 0.05, 0.10, ..., 0.95. */
    public static final int THRESHOLD_STEPS = 20;

    /**
     * @param gold      (N, K) whether example i carries label j
     * @param predicted (N, K) whether it was predicted
     */
    public static MultiLabelMetrics compute(boolean[][] gold, boolean[][] predicted, List<String> labels,
                                            List<Double> thresholds) {
        if (gold.length != predicted.length) {
            throw new IllegalArgumentException(gold.length + " gold rows but " + predicted.length + " predicted");
        }
        int k = labels.size();
        long[] tp = new long[k];
        long[] fp = new long[k];
        long[] fn = new long[k];
        long exact = 0;
        for (int i = 0; i < gold.length; i++) {
            if (gold[i].length != k || predicted[i].length != k) {
                throw new IllegalArgumentException("row " + i + " has " + gold[i].length + " gold and "
                        + predicted[i].length + " predicted values for " + k + " labels");
            }
            boolean same = true;
            for (int j = 0; j < k; j++) {
                if (gold[i][j] && predicted[i][j]) {
                    tp[j]++;
                } else if (predicted[i][j]) {
                    fp[j]++;
                } else if (gold[i][j]) {
                    fn[j]++;
                }
                same &= gold[i][j] == predicted[i][j];
            }
            if (same) {
                exact++;
            }
        }
        List<PerLabel> per = new ArrayList<>(k);
        long tpSum = 0;
        long fpSum = 0;
        long fnSum = 0;
        double f1Sum = 0;
        for (int j = 0; j < k; j++) {
            double f1 = f1(tp[j], fp[j], fn[j]);
            per.add(new PerLabel(labels.get(j), ratio(tp[j], tp[j] + fp[j]), ratio(tp[j], tp[j] + fn[j]), f1,
                    tp[j] + fn[j], tp[j] + fp[j]));
            f1Sum += f1;
            tpSum += tp[j];
            fpSum += fp[j];
            fnSum += fn[j];
        }
        int n = gold.length;
        return new MultiLabelMetrics(List.copyOf(labels), n, n == 0 ? Double.NaN : f1(tpSum, fpSum, fnSum),
                n == 0 ? Double.NaN : f1Sum / k, n == 0 ? Double.NaN : (double) exact / n,
                ratio(tpSum, tpSum + fpSum), ratio(tpSum, tpSum + fnSum), List.copyOf(per),
                thresholds == null ? null : List.copyOf(thresholds));
    }

    /** Scores probabilities (N, K) cut at per-label thresholds (null: 0.5 each): positive when p >= t. */
    public static MultiLabelMetrics compute(boolean[][] gold, float[][] probabilities, List<String> labels,
                                            List<Double> thresholds) {
        return compute(gold, decide(probabilities, thresholds, labels.size()), labels, thresholds);
    }

    /** Which labels each row's probabilities reach (p >= threshold; 0.5 for each label when null). */
    public static boolean[][] decide(float[][] probabilities, List<Double> thresholds, int k) {
        boolean[][] out = new boolean[probabilities.length][k];
        for (int i = 0; i < probabilities.length; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = probabilities[i][j] >= (thresholds == null ? 0.5 : thresholds.get(j));
            }
        }
        return out;
    }

    static double f1(long tp, long fp, long fn) {
        long d = 2 * tp + fp + fn;
        return d == 0 ? 0 : 2.0 * tp / d;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    /**
     * One decision threshold per label, chosen on labeled (dev) data: for label j, the candidate t in 0.05,
     * 0.10, ..., 0.95 whose decisions (positive when p >= t) give label j the highest F1; among equal F1s the
     * candidate nearest 0.5 (then the lower). A label no example carries keeps 0.5 (there is nothing to tune
     * on). Each label's F1 depends only on its own threshold, so choosing per label maximizes the macro-F1
     * over the candidate grid.
     */
    public static List<Double> tuneThresholds(boolean[][] gold, float[][] probabilities, int k) {
        List<Double> out = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
            boolean any = false;
            for (boolean[] g : gold) {
                any |= g[j];
            }
            if (!any) {
                out.add(0.5);
                continue;
            }
            double best = 0.5;
            double bestF1 = -1;
            for (int s = 1; s < THRESHOLD_STEPS; s++) {
                double t = (double) s / THRESHOLD_STEPS;
                long tp = 0;
                long fp = 0;
                long fn = 0;
                for (int i = 0; i < gold.length; i++) {
                    boolean p = probabilities[i][j] >= t;
                    if (p && gold[i][j]) {
                        tp++;
                    } else if (p) {
                        fp++;
                    } else if (gold[i][j]) {
                        fn++;
                    }
                }
                double f1 = f1(tp, fp, fn);
                if (f1 > bestF1 || (f1 == bestF1 && Math.abs(t - 0.5) < Math.abs(best - 0.5))) {
                    best = t;
                    bestF1 = f1;
                }
            }
            out.add(best);
        }
        return out;
    }

    /** micro_f1, macro_f1, subset_accuracy. */
    @Override
    public Map<String, Double> scalars() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("micro_f1", microF1);
        m.put("macro_f1", macroF1);
        m.put("subset_accuracy", subsetAccuracy);
        return m;
    }

    /** The scalars, micro precision and recall, examples, per_label {label: {..., threshold}}, labels. */
    @Override
    public ObjectNode toJson() {
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        scalars().forEach(m::put);
        m.put("micro_precision", microPrecision);
        m.put("micro_recall", microRecall);
        m.put("examples", total);
        ObjectNode pl = m.putObject("per_label");
        for (int j = 0; j < perLabel.size(); j++) {
            PerLabel c = perLabel.get(j);
            ObjectNode e = pl.putObject(c.label());
            e.put("precision", c.precision());
            e.put("recall", c.recall());
            e.put("f1", c.f1());
            e.put("support", c.support());
            e.put("predicted", c.predicted());
            e.put("threshold", thresholds == null ? 0.5 : thresholds.get(j));
        }
        ArrayNode names = m.putArray("labels");
        labels.forEach(names::add);
        return m;
    }

    @Override
    public String report() {
        StringBuilder s = new StringBuilder();
        LabelTable table = new LabelTable(s, labels, "precision", "recall", "f1", "support", "threshold");
        for (int j = 0; j < perLabel.size(); j++) {
            PerLabel c = perLabel.get(j);
            table.row(c.label(), "%9.4f %9.4f %9.4f %9d %9.2f", c.precision(), c.recall(), c.f1(), c.support(),
                    thresholds == null ? 0.5 : thresholds.get(j));
        }
        s.append(String.format(Locale.ROOT, "%nmicro-F1 %.4f (P %.4f, R %.4f)   macro-F1 %.4f   subset accuracy %.4f"
                + "   (%d examples)%n", microF1, microPrecision, microRecall, macroF1, subsetAccuracy, total));
        return s.toString();
    }
}
