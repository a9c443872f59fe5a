package dev.graft.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.BadInput;
import dev.graft.data.Dataset;
import dev.graft.data.LabelSet;
import dev.graft.data.MultiLabelExample;
import dev.graft.data.MultiLabelReader;
import dev.graft.eval.MultiLabelMetrics;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Buffers;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Multi-label sequence classification: the classification head of {@link SequenceClassifier} (pooling,
 * dropout, one logit per label) with a sigmoid per label and binary cross-entropy, the mean over all
 * examples and labels of the update (PyTorch's {@code BCEWithLogitsLoss()}, as Hugging Face's
 * {@code problem_type="multi_label_classification"}). A label is predicted when its probability reaches
 * its threshold: 0.5, or one per label tuned on the dev set after training
 * ({@link MultiLabelMetrics#tuneThresholds}) and saved in config.json. Validation reports dev_loss,
 * dev_micro_f1 (early stopping's metric), dev_macro_f1 and dev_subset_accuracy.
 */
public final class MultiLabelTask extends HeadTask<MultiLabelExample, MultiLabelBatch> {
    /** The multi-label classification head. */
    public static final Head<MultiLabelExample, MultiLabelBatch> HEAD = new Kind();

    private final SequenceClassifier model;
    private float[] dLogits; // (B, K)

    public MultiLabelTask(SequenceClassifier model, HeadConfig head, MultiLabelData dev, int evalBatchSize,
                          Checkpoint.Extras modelExtras) {
        super(model, "dev_micro_f1", head, null, dev, evalBatchSize, modelExtras);
        this.model = model;
    }

    /**
     * Σ over {@code n} logits of the binary cross-entropy with logits, max(x, 0) − x·y + log(1 + e^−|x|)
     * (the stable form PyTorch's {@code binary_cross_entropy_with_logits} uses); with {@code dLogits} not
     * null, writes its gradient times {@code scale}: scale·(σ(x) − y).
     */
    public static double binaryCrossEntropy(float[] logits, float[] targets, int n, double scale, float[] dLogits) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = logits[i];
            double y = targets[i];
            sum += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
            if (dLogits != null) {
                dLogits[i] = (float) (scale * (sigmoid(x) - y));
            }
        }
        return sum;
    }

    static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }

    @Override
    public StepResult trainStep(List<MultiLabelBatch> microBatches) {
        int k = model.labelCount();
        long rows = 0;
        for (MultiLabelBatch b : microBatches) {
            rows += b.tokens().batch();
        }
        double normalizer = Math.max(1, rows * k);
        double sum = 0;
        long tokens = 0;
        for (MultiLabelBatch b : microBatches) {
            int n = b.tokens().batch() * k;
            float[] logits = model.logits(b.tokens());
            dLogits = Buffers.ensure(dLogits, n);
            sum += binaryCrossEntropy(logits, b.targets(), n, 1 / normalizer, dLogits);
            model.backward(dLogits);
            tokens += b.tokens().realTokens();
        }
        return new StepResult(sum / normalizer, tokens, Map.of());
    }

    /** Probabilities (N, K) of a data set and the mean loss over its N·K decisions (NaN when unlabeled). */
    public record Predictions(float[][] probabilities, double meanLoss) {
    }

    /** Predicts every example of {@code data} (dropout as currently set: call with training off). */
    public Predictions predict(MultiLabelData data, List<MultiLabelBatch> batches) {
        int k = model.labelCount();
        float[][] probabilities = new float[data.size()][k];
        double lossSum = 0;
        long counted = 0;
        for (MultiLabelBatch b : batches) {
            int rows = b.tokens().batch();
            float[] logits = model.logits(b.tokens());
            if (b.targets() != null) {
                lossSum += binaryCrossEntropy(logits, b.targets(), rows * k, 1, null);
                counted += (long) rows * k;
            }
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < k; j++) {
                    probabilities[b.examples()[r]][j] = (float) sigmoid(logits[r * k + j]);
                }
            }
        }
        return new Predictions(probabilities, counted > 0 && data.gold() != null ? lossSum / counted : Double.NaN);
    }

    @Override
    public Scored score(List<MultiLabelExample> gold, Encoded<MultiLabelBatch> data, List<MultiLabelBatch> batches) {
        MultiLabelData d = (MultiLabelData) data;
        Predictions p = predict(d, batches);
        return new Scored(MultiLabelMetrics.compute(d.gold(), p.probabilities(), head().labels(), head().thresholds()),
                p.meanLoss());
    }

    /** Tunes one threshold per label on dev ({@link MultiLabelMetrics#tuneThresholds}); without dev, 0.5 each. */
    @Override
    public boolean afterTraining(List<MultiLabelExample> devGold, Encoded<MultiLabelBatch> dev, int batchSize,
                                 PrintStream log) {
        if (dev == null || dev.size() == 0) {
            log.println("thresholds: 0.5 for every label (no dev set to tune them on)");
            return false;
        }
        MultiLabelData d = (MultiLabelData) dev;
        Predictions p = predict(d, d.batches(batchSize));
        List<Double> t = MultiLabelMetrics.tuneThresholds(d.gold(), p.probabilities(), model.labelCount());
        setHead(head().withThresholds(t));
        List<String> parts = new ArrayList<>();
        for (int j = 0; j < t.size(); j++) {
            parts.add(String.format(Locale.ROOT, "%s %.2f", head().labels().get(j), t.get(j)));
        }
        log.println("thresholds (tuned on the " + dev.size() + " dev examples, best F1 per label): "
                + String.join(", ", parts));
        return true;
    }

    /** Each line is one text: {@code {"text", "labels": [...], "probabilities": {label: p}}}. */
    @Override
    public PredictedLines predictLines(Tokenizer tokenizer, int padId, List<String> lines, int batchSize) {
        int k = model.labelCount();
        MultiLabelData data = MultiLabelData.encode(tokenizer, lines, null, k, head().maxLength(), padId);
        Predictions p = predict(data, data.batches(batchSize));
        List<String> labels = head().labels();
        List<ObjectNode> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode o = ClassificationTask.JSON.createObjectNode();
            o.put("text", lines.get(i));
            ArrayNode chosen = o.putArray("labels");
            ObjectNode probs = o.putObject("probabilities");
            for (int j = 0; j < k; j++) {
                float q = p.probabilities()[i][j];
                if (q >= head().threshold(j)) {
                    chosen.add(labels.get(j));
                }
                probs.put(labels.get(j), Math.round(q * 1e6) / 1e6);
            }
            out.add(o);
        }
        return new PredictedLines(out, data.truncated(), 0);
    }

    /** The multi-label head: texts with a set of labels each (JSON Lines). */
    static final class Kind extends SequenceHead<MultiLabelExample, MultiLabelBatch> {
        Kind() {
            super(HeadConfig.Task.MULTI_LABEL, null, null, MultiLabelData.class, MultiLabelTask::new);
        }

        @Override
        public Dataset<MultiLabelExample> readFile(Path file, Columns columns, LabelSet known, BadInput bad)
                throws IOException {
            MultiLabelReader.Options o = MultiLabelReader.Options.defaults()
                    .withFields(columns.text(), columns.label() == null ? "labels" : columns.label())
                    .withKnownLabels(known);
            return Dataset.ofMultiLabel(MultiLabelReader.read(file, o, bad));
        }

        @Override
        public Encoded<MultiLabelBatch> encode(Tokenizer tokenizer, List<MultiLabelExample> examples, LabelSet labels,
                                               int maxLength, int padId) {
            List<String> texts = new ArrayList<>(examples.size());
            boolean[][] gold = new boolean[examples.size()][labels.size()];
            for (int i = 0; i < examples.size(); i++) {
                MultiLabelExample e = examples.get(i);
                texts.add(e.text());
                for (String l : e.labels()) {
                    int j = labels.indexOf(l);
                    if (j < 0) {
                        throw new IllegalArgumentException("example " + e.id() + " has label '" + l + "', which is not "
                                + "among the model's labels " + labels.labels());
                    }
                    gold[i][j] = true;
                }
            }
            return MultiLabelData.encode(tokenizer, texts, gold, labels.size(), maxLength, padId);
        }

        @Override
        public void describeData(PrintStream log, LabelSet labels, int maxLength, Encoded<MultiLabelBatch> train,
                                 Encoded<MultiLabelBatch> dev, Encoded<MultiLabelBatch> test) {
            long carried = 0;
            for (boolean[] row : ((MultiLabelData) train).gold()) {
                for (boolean b : row) {
                    carried += b ? 1 : 0;
                }
            }
            log.printf(Locale.ROOT, "data: %,d train, %,d dev, %s test examples; %d labels (%.2f per training "
                            + "example): %s%n", train.size(), dev.size(),
                    test == null ? "no" : String.format(Locale.ROOT, "%,d", test.size()), labels.size(),
                    train.size() == 0 ? 0.0 : (double) carried / train.size(), String.join(", ", labels.labels()));
            ClassificationTask.Kind.warnTruncated(log, "texts", maxLength, train, dev, test);
        }
    }
}
