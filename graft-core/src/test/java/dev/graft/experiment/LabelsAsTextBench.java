package dev.graft.experiment;

import dev.graft.data.ClassificationExample;
import dev.graft.data.ClassificationReader;
import dev.graft.data.LabelSet;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.finetune.StartingPoint;
import dev.graft.nn.Compute;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Time to score a labeled file with labels-as-text: loads a causal LM checkpoint folder (with
 * {@code -Dbench.random=true} a gpt-mini of random weights is used instead, with the folder's
 * tokenizer), then scores every text of the file against every label, {@code rounds} times, and
 * prints each round's seconds, the median and the accuracy. Tokenization is inside the timed region
 * (it is part of scoring).
 *
 * <p>Arguments: checkpoint folder, labeled file (jsonl/csv/tsv), threads (default 2), rounds
 * (default 5), max length (default 128).
 */
public final class LabelsAsTextBench {
    private LabelsAsTextBench() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        List<ClassificationExample> test = ClassificationReader.read(Path.of(args[1]));
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int maxLength = args.length > 4 ? Integer.parseInt(args[4]) : 128;
        Compute compute = Compute.create(threads);
        try {
            StartingPoint start = StartingPoint.fromCheckpoint(folder, compute, 1, null, null);
            if (Boolean.getBoolean("bench.random")) {
                start = StartingPoint.fromScratch("gpt-mini", start.tokenizer(), maxLength, compute, 1, null);
            }
            LabelSet labels = LabelSet.ofClassification(test);
            LabelsAsText scorer = LabelsAsText.scorer(start.languageModel(), start.tokenizer(), labels,
                    LabelsAsText.Template.defaults(), maxLength);
            System.out.printf(Locale.ROOT, "%s, %d texts, labels %s, %d threads, max length %d%n", start.description(),
                    test.size(), labels.describe(), threads, maxLength);
            double[] seconds = new double[rounds];
            ClassificationMetrics m = null;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                m = scorer.evaluate(test);
                seconds[r] = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "round %d: %.3f s%n", r + 1, seconds[r]);
            }
            double[] sorted = seconds.clone();
            Arrays.sort(sorted);
            List<String> all = new ArrayList<>();
            for (double s : seconds) {
                all.add(String.format(Locale.ROOT, "%.3f", s));
            }
            System.out.printf(Locale.ROOT, "median %.3f s over %d rounds (%s); accuracy %.4f, macro-F1 %.4f; "
                            + "truncated %d texts per round%n", sorted[rounds / 2], rounds, String.join(", ", all),
                    m.accuracy(), m.macroF1(), scorer.truncatedTexts() / rounds);
        } finally {
            compute.parallel().close();
        }
    }
}
