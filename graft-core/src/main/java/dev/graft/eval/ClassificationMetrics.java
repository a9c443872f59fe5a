package dev.graft.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Single-label classification scores, with scikit-learn's definitions ({@code accuracy_score},
 * {@code precision_recall_fscore_support}, {@code confusion_matrix}, zero_division=0):
 * <ul>
 * <li>accuracy: correct / total;</li>
 * <li>per class c: precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R), each 0 when its
 * denominator is 0; support = gold count of c;</li>
 * <li>macro-F1: the unweighted mean of the per-class F1 over the classes that occur in the gold
 * labels or the predictions (scikit-learn's default {@code labels=None}); a class of the label set
 * that never occurs does not pull the mean down;</li>
 * <li>confusion[gold][predicted]: counts.</li>
 * </ul>
 *
 * @param labels    class names, index = class id
 * @param confusion (K, K) counts, row = gold, column = predicted
 * @param total     examples scored
 * @param accuracy  correct / total (NaN when there are no examples)
 * @param macroF1   see above (NaN when there are no examples)
 * @param perClass  one entry per label, in label order
 */
public record ClassificationMetrics(List<String> labels, long[][] confusion, long total, double accuracy,
                                    double macroF1, List<PerClass> perClass) implements HeadMetrics {

    /** accuracy, macro_f1. */
    @Override
    public Map<String, Double> scalars() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", accuracy);
        m.put("macro_f1", macroF1);
        return m;
    }

    /** Scores of one class. */
    public record PerClass(String label, double precision, double recall, double f1, long support, long predicted) {
    }

    /**
     * @param gold      gold class ids in [0, K)
     * @param predicted predicted class ids in [0, K), same length
     * @param labels    the K class names
     */
    public static ClassificationMetrics compute(int[] gold, int[] predicted, List<String> labels) {
        if (gold.length != predicted.length) {
            throw new IllegalArgumentException(gold.length + " gold labels but " + predicted.length + " predictions");
        }
        int k = labels.size();
        long[][] confusion = new long[k][k];
        long correct = 0;
        for (int i = 0; i < gold.length; i++) {
            check(gold[i], k, "gold", i);
            check(predicted[i], k, "predicted", i);
            confusion[gold[i]][predicted[i]]++;
            if (gold[i] == predicted[i]) {
                correct++;
            }
        }
        List<PerClass> per = new ArrayList<>(k);
        double f1Sum = 0;
        int present = 0;
        for (int c = 0; c < k; c++) {
            long tp = confusion[c][c];
            long support = 0;
            long predictedCount = 0;
            for (int j = 0; j < k; j++) {
                support += confusion[c][j];
                predictedCount += confusion[j][c];
            }
            double p = predictedCount == 0 ? 0 : (double) tp / predictedCount;
            double r = support == 0 ? 0 : (double) tp / support;
            double f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
            per.add(new PerClass(labels.get(c), p, r, f1, support, predictedCount));
            if (support > 0 || predictedCount > 0) {
                f1Sum += f1;
                present++;
            }
        }
        int n = gold.length;
        return new ClassificationMetrics(List.copyOf(labels), confusion, n,
                n == 0 ? Double.NaN : (double) correct / n, present == 0 ? Double.NaN : f1Sum / present,
                List.copyOf(per));
    }

    private static void check(int id, int k, String what, int i) {
        if (id < 0 || id >= k) {
            throw new IllegalArgumentException(what + " class " + id + " at example " + i + " is outside [0, " + k + ")");
        }
    }

    /** accuracy, macro_f1, examples, per_class {label: {precision, recall, f1, support}}, labels, confusion. */
    @Override
    public ObjectNode toJson() {
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("accuracy", accuracy);
        m.put("macro_f1", macroF1);
        m.put("examples", total);
        m.set("per_class", perClassJson());
        m.set("labels", labelsJson());
        m.set("confusion", confusionJson());
        return m;
    }

    /** {label: {precision, recall, f1, support}} in label order. */
    ObjectNode perClassJson() {
        ObjectNode pc = JsonNodeFactory.instance.objectNode();
        for (PerClass c : perClass) {
            ObjectNode e = pc.putObject(c.label());
            e.put("precision", c.precision());
            e.put("recall", c.recall());
            e.put("f1", c.f1());
            e.put("support", c.support());
        }
        return pc;
    }

    /** The class names in order. */
    ArrayNode labelsJson() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        labels.forEach(a::add);
        return a;
    }

    /** The confusion matrix as rows (gold) of counts (predicted). */
    ArrayNode confusionJson() {
        ArrayNode rows = JsonNodeFactory.instance.arrayNode();
        for (long[] row : confusion) {
            ArrayNode r = rows.addArray();
            for (long v : row) {
                r.add(v);
            }
        }
        return rows;
    }

    /** A plain-text report: per-class P/R/F1/support, accuracy, macro-F1 and the confusion matrix. */
    @Override
    public String report() {
        StringBuilder s = new StringBuilder();
        LabelTable table = new LabelTable(s, labels, "precision", "recall", "f1", "support");
        for (PerClass c : perClass) {
            table.row(c.label(), "%9.4f %9.4f %9.4f %9d", c.precision(), c.recall(), c.f1(), c.support());
        }
        s.append(String.format(java.util.Locale.ROOT, "%naccuracy %.4f   macro-F1 %.4f   (%d examples)%n", accuracy,
                macroF1, total));
        s.append("\nconfusion (rows: gold, columns: predicted)\n");
        table.label("");
        for (String l : labels) {
            s.append(' ').append(String.format(java.util.Locale.ROOT, "%" + Math.max(6, l.length()) + "s", l));
        }
        s.append('\n');
        for (int i = 0; i < labels.size(); i++) {
            table.label(labels.get(i));
            for (int j = 0; j < labels.size(); j++) {
                s.append(' ').append(String.format(java.util.Locale.ROOT, "%" + Math.max(6, labels.get(j).length())
                        + "d", confusion[i][j]));
            }
            s.append('\n');
        }
        return s.toString();
    }
}
