package dev.graft.finetune;

import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.data.LabelSet;
import dev.graft.data.Split;
import dev.graft.data.TaggingExample;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.eval.TaggingMetrics;
import dev.graft.model.HeadConfig;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import dev.graft.task.TaggingData;
import dev.graft.task.TaggingTask;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scores a fine-tuned model on labeled data (a file or a dataset; a bare dataset name means its test
 * split). Labels the model does not know are an error naming them (exit code 2 on the command line).
 *
 * @param metrics        {@link ClassificationMetrics#toMap()} or {@link TaggingMetrics#toMap()}
 * @param report         a plain-text report
 * @param truncated      texts cut to the model's length (classification)
 * @param splitSentences sentences tagged in several windows (tagging)
 */
public record Evaluation(HeadConfig.Task task, int examples, Map<String, Object> metrics, String report,
                         int truncated, int splitSentences) {

    public static Evaluation run(FineTunedModel model, String data, DataSources sources, BadInput bad, int batchSize)
            throws IOException {
        LabelSet known = LabelSet.ordered(model.head().labels());
        if (model.head().task() == HeadConfig.Task.CLASSIFY) {
            Dataset<ClassificationExample> d = sources.classification(data, Split.TEST, known, bad);
            List<String> texts = new ArrayList<>(d.size());
            int[] y = new int[d.size()];
            for (int i = 0; i < d.size(); i++) {
                texts.add(d.get(i).text());
                y[i] = known.indexOf(d.get(i).label());
            }
            ClassificationData encoded = ClassificationData.encode(model.tokenizer(), texts, y,
                    model.head().maxLength(), model.padId());
            ClassificationTask task = new ClassificationTask(model.classifier(), model.head(), null, batchSize, null);
            ClassificationMetrics m = task.score(encoded, task.predict(encoded, encoded.batches(batchSize)));
            return new Evaluation(model.head().task(), d.size(), m.toMap(), m.report(), encoded.truncated(), 0);
        }
        Dataset<TaggingExample> d = sources.tagging(data, Split.TEST, known, bad);
        List<List<String>> words = new ArrayList<>(d.size());
        List<List<String>> gold = new ArrayList<>(d.size());
        List<int[]> ids = new ArrayList<>(d.size());
        for (TaggingExample e : d) {
            words.add(e.tokens());
            gold.add(e.tags());
            int[] t = new int[e.size()];
            for (int i = 0; i < t.length; i++) {
                t[i] = known.indexOf(e.tags().get(i));
            }
            ids.add(t);
        }
        TaggingData encoded = TaggingData.encode(model.tokenizer(), words, ids, model.head().maxLength(),
                model.padId());
        TaggingTask task = new TaggingTask(model.tagger(), model.head(), null, null, batchSize, null);
        TaggingMetrics m = task.score(gold, task.predict(encoded, encoded.batches(batchSize)));
        StringBuilder report = new StringBuilder();
        report.append(String.format(java.util.Locale.ROOT, "token accuracy %.4f over %,d words%n", m.tokenAccuracy(),
                m.words()));
        if (m.spans() != null) {
            report.append(String.format(java.util.Locale.ROOT,
                    "span F1 %.4f (P %.4f, R %.4f; seqeval default mode), strict %s F1 %.4f%n", m.spans().f1(),
                    m.spans().precision(), m.spans().recall(), m.strictScheme(), m.strictSpans().f1()));
        }
        report.append('\n').append(m.perTag().report());
        return new Evaluation(model.head().task(), d.size(), m.toMap(), report.toString(), 0,
                encoded.splitSentences());
    }
}
