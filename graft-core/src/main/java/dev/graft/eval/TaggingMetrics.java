package dev.graft.eval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Word-level tagging scores: token accuracy (seqeval's {@code accuracy_score}: correct tags over all
 * words), per-tag precision/recall/F1 with a confusion matrix ({@link ClassificationMetrics} over the
 * words), and, when the tags are chunk tags (BIO, BIOES), span micro-F1 ({@link SpanMetrics}) in
 * seqeval's default mode and in strict mode with the scheme the tag set implies.
 *
 * @param words         words scored
 * @param tokenAccuracy correct words / words
 * @param perTag        per-tag scores over words
 * @param spans         seqeval default-mode span scores, or null when the tags are not chunk tags
 * @param strictSpans   strict-mode span scores, or null when the tags are not chunk tags
 * @param strictScheme  the scheme of strict mode, or null
 */
public record TaggingMetrics(long words, double tokenAccuracy, ClassificationMetrics perTag,
                             SpanMetrics.Scores spans, SpanMetrics.Scores strictSpans,
                             SpanMetrics.Scheme strictScheme) implements HeadMetrics {

    /** token_accuracy, macro_f1 and, for chunk tags, span_f1. */
    @Override
    public Map<String, Double> scalars() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("token_accuracy", tokenAccuracy);
        m.put("macro_f1", perTag.macroF1());
        if (spans != null) {
            m.put("span_f1", spans.f1());
        }
        return m;
    }

    /** Token accuracy, span F1 when the tags are chunk tags, then the per-tag report. */
    @Override
    public String report() {
        StringBuilder report = new StringBuilder();
        report.append(String.format(java.util.Locale.ROOT, "token accuracy %.4f over %,d words%n", tokenAccuracy,
                words));
        if (spans != null) {
            report.append(String.format(java.util.Locale.ROOT,
                    "span F1 %.4f (P %.4f, R %.4f; seqeval default mode), strict %s F1 %.4f%n", spans.f1(),
                    spans.precision(), spans.recall(), strictScheme, strictSpans.f1()));
        }
        report.append('\n').append(perTag.report());
        return report.toString();
    }

    /** Scores word tags; {@code tagSet} lists every tag (gold and predicted tags must be in it). */
    public static TaggingMetrics compute(List<List<String>> gold, List<List<String>> predicted, List<String> tagSet) {
        if (gold.size() != predicted.size()) {
            throw new IllegalArgumentException(gold.size() + " gold sentences but " + predicted.size() + " predicted");
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < tagSet.size(); i++) {
            index.put(tagSet.get(i), i);
        }
        int n = 0;
        for (List<String> s : gold) {
            n += s.size();
        }
        int[] g = new int[n];
        int[] p = new int[n];
        int k = 0;
        long correct = 0;
        for (int s = 0; s < gold.size(); s++) {
            List<String> gs = gold.get(s);
            List<String> ps = predicted.get(s);
            if (gs.size() != ps.size()) {
                throw new IllegalArgumentException("sentence " + s + " has " + gs.size() + " gold tags but "
                        + ps.size() + " predicted");
            }
            for (int i = 0; i < gs.size(); i++) {
                g[k] = id(index, gs.get(i));
                p[k] = id(index, ps.get(i));
                if (g[k] == p[k]) {
                    correct++;
                }
                k++;
            }
        }
        ClassificationMetrics per = ClassificationMetrics.compute(g, p, tagSet);
        SpanMetrics.Scores spans = null;
        SpanMetrics.Scores strict = null;
        SpanMetrics.Scheme scheme = null;
        if (SpanMetrics.looksLikeChunkTags(tagSet)) {
            spans = SpanMetrics.score(gold, predicted, null);
            scheme = SpanMetrics.detectScheme(tagSet);
            strict = SpanMetrics.score(gold, predicted, scheme);
        }
        return new TaggingMetrics(n, n == 0 ? Double.NaN : (double) correct / n, per, spans, strict, scheme);
    }

    private static int id(Map<String, Integer> index, String tag) {
        Integer i = index.get(tag);
        if (i == null) {
            throw new IllegalArgumentException("tag '" + tag + "' is not in the tag set " + index.keySet());
        }
        return i;
    }

    /** token_accuracy, words, macro_f1, the span scores for chunk tags, per_tag, labels, confusion. */
    @Override
    public ObjectNode toJson() {
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("token_accuracy", tokenAccuracy);
        m.put("words", words);
        m.put("macro_f1", perTag.macroF1());
        if (spans != null) {
            m.put("span_f1", spans.f1());
            m.put("span_precision", spans.precision());
            m.put("span_recall", spans.recall());
            m.put("strict_span_f1", strictSpans.f1());
            m.put("strict_scheme", strictScheme.name());
            m.set("spans", spans.toJson());
        }
        m.set("per_tag", perTag.perClassJson());
        m.set("labels", perTag.labelsJson());
        m.set("confusion", perTag.confusionJson());
        return m;
    }
}
