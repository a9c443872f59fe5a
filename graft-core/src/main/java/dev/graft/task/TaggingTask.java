package dev.graft.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.BadInput;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.LabelSet;
import dev.graft.data.ResolvedSet;
import dev.graft.data.TaggingExample;
import dev.graft.data.TaggingReader;
import dev.graft.eval.TaggingMetrics;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HeadModel;
import dev.graft.model.Logits;
import dev.graft.model.TokenBatch;
import dev.graft.model.TokenTagger;
import dev.graft.nn.Compute;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Token tagging as something the trainer runs: mean cross-entropy over the first sub-words of all
 * micro-batches of an update, validation on fixed dev batches reporting dev_loss,
 * dev_token_accuracy and (for chunk tags) dev_span_f1, all at the word level.
 */
public final class TaggingTask extends HeadTask<TaggingExample, TaggingBatch> {
    /** The token-tagging head. */
    public static final Head<TaggingExample, TaggingBatch> HEAD = new Kind();

    private final TokenTagger model;
    private final List<List<String>> devGold;

    /**
     * @param dev     validation windows (tagged), or null
     * @param devGold the dev sentences' gold tags (word level), or null
     */
    public TaggingTask(TokenTagger model, HeadConfig head, TaggingData dev, List<List<String>> devGold,
                       int evalBatchSize, Checkpoint.Extras modelExtras) {
        super(model, "dev_token_accuracy", head, null, dev, evalBatchSize, modelExtras);
        this.model = model;
        this.devGold = devGold;
    }

    static int countTargets(TaggingBatch b) {
        int n = 0;
        int[] t = b.tokens().targets();
        for (int i = 0; i < b.tokens().rows(); i++) {
            if (t[i] != TokenBatch.IGNORE) {
                n++;
            }
        }
        return n;
    }

    @Override
    public StepResult trainStep(List<TaggingBatch> microBatches) {
        int total = 0;
        for (TaggingBatch b : microBatches) {
            total += countTargets(b);
        }
        double normalizer = Math.max(1, total);
        double sum = 0;
        long tokens = 0;
        for (TaggingBatch b : microBatches) {
            sum += model.forward(b.tokens(), true, normalizer);
            tokens += b.tokens().realTokens();
        }
        return new StepResult(sum / normalizer, tokens, Map.of());
    }

    /** Word-level predictions (tag ids) per sentence, and the mean loss over tagged words (NaN when untagged). */
    public record Predictions(int[][] tags, double meanLoss) {
    }

    public Predictions predict(TaggingData data, List<TaggingBatch> batches) {
        List<int[]> perWindow = new ArrayList<>(data.windowCount());
        for (int i = 0; i < data.windowCount(); i++) {
            perWindow.add(null);
        }
        int k = model.tagCount();
        double lossSum = 0;
        long counted = 0;
        boolean tagged = true;
        for (TaggingBatch b : batches) {
            float[] logits = model.logits(b.tokens());
            int[] targets = b.tokens().targets();
            if (targets != null) {
                for (int i = 0; i < b.tokens().rows(); i++) {
                    if (targets[i] != TokenBatch.IGNORE) {
                        lossSum += crossEntropy(logits, i * k, k, targets[i]);
                        counted++;
                    }
                }
            } else {
                tagged = false;
            }
            int time = b.tokens().time();
            for (int r = 0; r < b.windows().length; r++) {
                TaggingData.Window w = data.windows().get(b.windows()[r]);
                int[] p = new int[w.wordPositions().length];
                for (int j = 0; j < p.length; j++) {
                    int row = r * time + w.wordPositions()[j];
                    int best = 0;
                    for (int c = 1; c < k; c++) {
                        if (logits[row * k + c] > logits[row * k + best]) {
                            best = c;
                        }
                    }
                    p[j] = best;
                }
                perWindow.set(b.windows()[r], p);
            }
        }
        return new Predictions(data.assemble(perWindow), tagged && counted > 0 ? lossSum / counted : Double.NaN);
    }

    private static double crossEntropy(float[] logits, int off, int k, int target) {
        return Logits.logSumExp(logits, off, k) - logits[off + target];
    }

    /** Word tags as strings. */
    public List<List<String>> names(int[][] tags) {
        List<List<String>> out = new ArrayList<>(tags.length);
        for (int[] s : tags) {
            List<String> row = new ArrayList<>(s.length);
            for (int t : s) {
                row.add(head().labels().get(t));
            }
            out.add(row);
        }
        return out;
    }

    public TaggingMetrics score(List<List<String>> gold, Predictions p) {
        return TaggingMetrics.compute(gold, names(p.tags()), head().labels());
    }

    /** Scores against {@code gold}'s tags, or the dev gold tags given at construction when null. */
    @Override
    public Scored score(List<TaggingExample> gold, Encoded<TaggingBatch> data, List<TaggingBatch> batches) {
        Predictions p = predict((TaggingData) data, batches);
        return new Scored(score(gold == null ? devGold : Kind.gold(gold), p), p.meanLoss());
    }

    /**
     * Each line is a whitespace-tokenized sentence: {@code {"tokens", "tags"}}, one tag per word (a blank
     * line gives empty lists).
     */
    @Override
    public PredictedLines predictLines(Tokenizer tokenizer, int padId, List<String> lines, int batchSize) {
        List<List<String>> words = new ArrayList<>(lines.size());
        List<List<String>> present = new ArrayList<>();
        for (String line : lines) {
            String s = line.strip();
            List<String> w = s.isEmpty() ? List.of() : Arrays.asList(s.split("\\s+"));
            words.add(w);
            if (!w.isEmpty()) {
                present.add(w);
            }
        }
        int[][] tags = new int[0][];
        long split = 0;
        if (!present.isEmpty()) {
            TaggingData data = TaggingData.encode(tokenizer, present, null, head().maxLength(), padId);
            tags = predict(data, data.batches(batchSize)).tags();
            split = data.splitSentences();
        }
        List<String> names = head().labels();
        List<ObjectNode> out = new ArrayList<>(lines.size());
        int k = 0;
        for (List<String> w : words) {
            ObjectNode o = ClassificationTask.JSON.createObjectNode();
            ArrayNode tokens = o.putArray("tokens");
            ArrayNode t = o.putArray("tags");
            if (!w.isEmpty()) {
                int[] s = tags[k++];
                for (int j = 0; j < w.size(); j++) {
                    tokens.add(w.get(j));
                    t.add(names.get(s[j]));
                }
            }
            out.add(o);
        }
        return new PredictedLines(out, 0, split);
    }

    /** The token-tagging head: sentences with a tag per word. */
    static final class Kind extends NamedHead<TaggingExample, TaggingBatch> {
        Kind() {
            super(HeadConfig.Task.TAG, DatasetDefinition.SetKind.TAGGING, ResolvedSet::tagging);
        }

        @Override
        public String labelWord() {
            return "tag";
        }

        @Override
        public String modelWord() {
            return "a tagger";
        }

        @Override
        public int defaultBatchSize() {
            return 32;
        }

        /**
         * 5e-4: a token task wants a higher rate than a sentence task. On brown-pos, from two bert-mini
         * bases, 5e-4 beat 1e-4 (docs/FINETUNING.md, "Tagging's default rate").
         */
        @Override
        public float defaultLearningRate() {
            return 5e-4f;
        }

        @Override
        public Dataset<TaggingExample> readFile(Path file, Columns columns, LabelSet known, BadInput bad)
                throws IOException {
            TaggingReader.Options o = TaggingReader.Options.defaults().withKnownTags(known);
            return Dataset.ofTagging(TaggingReader.read(file, o, bad));
        }

        @Override
        public Encoded<TaggingBatch> encode(Tokenizer tokenizer, List<TaggingExample> examples, LabelSet tags,
                                            int maxLength, int padId) {
            List<List<String>> words = new ArrayList<>(examples.size());
            List<int[]> ids = new ArrayList<>(examples.size());
            for (TaggingExample e : examples) {
                words.add(e.tokens());
                int[] t = new int[e.size()];
                for (int i = 0; i < t.length; i++) {
                    t[i] = tags.indexOf(e.tags().get(i));
                }
                ids.add(t);
            }
            return TaggingData.encode(tokenizer, words, ids, maxLength, padId);
        }

        static List<List<String>> gold(List<TaggingExample> examples) {
            List<List<String>> g = new ArrayList<>(examples.size());
            for (TaggingExample e : examples) {
                g.add(e.tags());
            }
            return g;
        }

        @Override
        public void describeData(PrintStream log, LabelSet tags, int maxLength, Encoded<TaggingBatch> train,
                                 Encoded<TaggingBatch> dev, Encoded<TaggingBatch> test) {
            log.printf(Locale.ROOT, "data: %,d train, %,d dev, %s test sentences; %d tags: %s%n", train.size(),
                    dev.size(), test == null ? "no" : String.format(Locale.ROOT, "%,d", test.size()), tags.size(),
                    String.join(" ", tags.labels()));
            warnWindows(log, "train", (TaggingData) train, maxLength);
            warnWindows(log, "dev", (TaggingData) dev, maxLength);
            if (test != null) {
                warnWindows(log, "test", (TaggingData) test, maxLength);
            }
        }

        private static void warnWindows(PrintStream log, String which, TaggingData d, int maxLength) {
            if (d.splitSentences() > 0) {
                log.printf(Locale.ROOT, "warning: %,d %s sentences are longer than %d tokens; each is tagged in "
                        + "windows split at word boundaries (no word is dropped)%n", d.splitSentences(), which,
                        maxLength);
            }
            if (d.cutWords() > 0) {
                log.printf(Locale.ROOT, "warning: %,d %s words are longer than a whole window; only their first "
                        + "tokens are used%n", d.cutWords(), which);
            }
            if (d.emptyWords() > 0) {
                log.printf(Locale.ROOT, "note: %,d %s words give no token and stand as the unknown token%n",
                        d.emptyWords(), which);
            }
        }

        @Override
        public HeadModel newModel(Compute compute, Backbone backbone, HeadConfig config, long seed) {
            return new TokenTagger(compute, backbone, config.labels().size(), seed);
        }

        @Override
        public HeadTask<TaggingExample, TaggingBatch> task(HeadModel model, HeadConfig config,
                List<TaggingExample> devGold, Encoded<TaggingBatch> dev, int evalBatchSize,
                Checkpoint.Extras modelExtras) {
            return new TaggingTask((TokenTagger) model, config, (TaggingData) dev,
                    devGold == null ? null : gold(devGold), evalBatchSize, modelExtras);
        }
    }
}
