package dev.graft.finetune;

import dev.graft.data.BadInput;
import dev.graft.data.Dataset;
import dev.graft.data.LabelSet;
import dev.graft.data.Split;
import dev.graft.eval.HeadMetrics;
import dev.graft.model.HeadConfig;
import dev.graft.task.Encoded;
import dev.graft.task.Head;
import dev.graft.task.HeadTask;
import dev.graft.task.Heads;

import java.io.IOException;

/**
 * Scores a fine-tuned model on labeled data (a file or a dataset; a bare dataset name means its test
 * split). Labels the model does not know are an error naming them (exit code 2 on the command line).
 *
 * @param metrics        the head's metrics ({@link dev.graft.eval.ClassificationMetrics},
 *                       {@link dev.graft.eval.TaggingMetrics}, {@link dev.graft.eval.MultiLabelMetrics});
 *                       {@link HeadMetrics#toJson()} is what {@code graft eval --json} prints
 * @param report         a plain-text report
 * @param truncated      texts cut to the model's length (sequence heads)
 * @param splitSentences sentences tagged in several windows (tagging)
 */
public record Evaluation(HeadConfig.Task task, int examples, HeadMetrics metrics, String report,
                         int truncated, int splitSentences) {

    public static Evaluation run(FineTunedModel model, String data, DataSources sources, BadInput bad, int batchSize)
            throws IOException {
        return run(model, Heads.of(model.head().task()), data, sources, bad, batchSize);
    }

    private static <E, B> Evaluation run(FineTunedModel model, Head<E, B> head, String data, DataSources sources,
                                         BadInput bad, int batchSize) throws IOException {
        LabelSet known = LabelSet.ordered(model.head().labels());
        Dataset<E> d = sources.labeled(head, data, Split.TEST, known, bad);
        Encoded<B> encoded = head.encode(model.tokenizer(), d.examples(), known, model.head().maxLength(),
                model.padId());
        HeadTask<E, B> task = head.task(model.model(), model.head());
        HeadMetrics m = task.score(d.examples(), encoded, encoded.batches(batchSize)).metrics();
        return new Evaluation(model.head().task(), d.size(), m, m.report(), encoded.truncated(),
                encoded.splitSentences());
    }
}
