package dev.graft.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.ClassificationReader;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.LabelSet;
import dev.graft.data.ResolvedSet;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.ClassifierInference;
import dev.graft.model.EncoderInference;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Pooling;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sequence classification as something the trainer runs: single-label cross-entropy (class-weighted
 * when the model has weights) over micro-batches normalized together, and validation on fixed dev
 * batches reporting dev_loss, dev_accuracy and dev_macro_f1. Its head is {@link #HEAD}; the
 * sentence-pair head ({@link PairTask}) shares this loss and evaluation.
 */
public class ClassificationTask extends HeadTask<ClassificationExample, ClassificationBatch> {
    /** The single-label classification head. */
    public static final Head<ClassificationExample, ClassificationBatch> HEAD = new Kind();
    static final ObjectMapper JSON = new ObjectMapper();

    private final SequenceClassifier model;
    /** The inference forward for unlabeled predictions of a frozen encoder model, or null: {@link #frozen}. */
    private ClassifierInference inference;

    /**
     * @param dev         labeled validation data, or null for none
     * @param modelExtras writes files that belong with the model (tokenizer.json), may be null
     */
    public ClassificationTask(SequenceClassifier model, HeadConfig head, ClassificationData dev, int evalBatchSize,
                              Checkpoint.Extras modelExtras) {
        super(model, "dev_accuracy", head, null, dev, evalBatchSize, modelExtras);
        this.model = model;
    }

    /**
     * For a model whose weights no longer change (loaded to predict or serve): unlabeled predictions of an
     * encoder go through {@link ClassifierInference} (real tokens only, a text's probabilities independent of
     * its batch, bit for bit); labeled ones (with a loss) and decoders keep the training forward. Returns this.
     */
    public ClassificationTask frozen() {
        if (EncoderInference.supports(model.config())) {
            inference = new ClassifierInference(model, model.backbone().compute());
        }
        return this;
    }

    /**
     * A frozen task over the same model computing on {@code compute}, with buffers of its own and the packed
     * weights shared ({@link ClassifierInference#on}): one per thread that predicts at the same time. Empty
     * when the model has no inference forward (a decoder: load it again for another thread).
     */
    public java.util.Optional<ClassificationTask> frozenOn(dev.graft.nn.Compute compute) {
        if (inference == null) {
            return java.util.Optional.empty();
        }
        ClassificationTask t = new ClassificationTask(model, head(), null, 1, null);
        t.inference = inference.on(compute);
        return java.util.Optional.of(t);
    }

    @Override
    public StepResult trainStep(List<ClassificationBatch> microBatches) {
        double total = 0;
        for (ClassificationBatch b : microBatches) {
            for (int i = 0; i < b.tokens().batch(); i++) {
                total += model.weightOf(b.labels()[i]);
            }
        }
        double normalizer = total > 0 ? total : 1;
        double sum = 0;
        long tokens = 0;
        for (ClassificationBatch b : microBatches) {
            sum += model.forward(b.tokens(), b.labels(), true, normalizer);
            tokens += b.tokens().realTokens();
        }
        return new StepResult(sum / normalizer, tokens, Map.of());
    }

    /** Predictions of a data set (dropout as currently set: call with training off). */
    public record Predictions(int[] predicted, float[][] probabilities, double meanLoss) {
    }

    /** Predicts every example of {@code data} (by its batches); the loss is NaN when unlabeled. */
    public Predictions predict(ClassificationData data, List<ClassificationBatch> batches) {
        int n = data.size();
        int k = model.labelCount();
        int[] predicted = new int[n];
        float[][] probabilities = new float[n][k];
        double lossSum = 0;
        double weightSum = 0;
        boolean labeled = true;
        float[] p = new float[k];
        for (ClassificationBatch b : batches) {
            int rows = b.tokens().batch();
            boolean hasLabels = b.labels() != null && b.labels().length > 0 && b.labels()[0] >= 0;
            if (hasLabels) {
                lossSum += model.forward(b.tokens(), b.labels(), false, 1);
                for (int i = 0; i < rows; i++) {
                    weightSum += model.weightOf(b.labels()[i]);
                }
            } else {
                labeled = false;
                if (inference != null) {
                    inference.logits(b.tokens());
                } else {
                    model.logits(b.tokens());
                }
            }
            boolean fast = !hasLabels && inference != null;
            for (int i = 0; i < rows; i++) {
                if (fast) {
                    inference.probabilities(i, p);
                } else {
                    model.probabilities(i, p);
                }
                int ex = b.examples()[i];
                System.arraycopy(p, 0, probabilities[ex], 0, k);
                int best = 0;
                for (int j = 1; j < k; j++) {
                    if (p[j] > p[best]) {
                        best = j;
                    }
                }
                predicted[ex] = best;
            }
        }
        return new Predictions(predicted, probabilities, labeled && weightSum > 0 ? lossSum / weightSum : Double.NaN);
    }

    /** Metrics of a labeled data set. */
    public ClassificationMetrics score(ClassificationData data, Predictions p) {
        int[] gold = new int[data.size()];
        for (int i = 0; i < gold.length; i++) {
            gold[i] = data.label(i);
        }
        return ClassificationMetrics.compute(gold, p.predicted(), head().labels());
    }

    @Override
    public Scored score(List<ClassificationExample> gold, Encoded<ClassificationBatch> data,
                        List<ClassificationBatch> batches) {
        ClassificationData d = (ClassificationData) data;
        Predictions p = predict(d, batches);
        return new Scored(score(d, p), p.meanLoss());
    }

    /** Loads BERT's trained pooler when the checkpoint has one; balanced class weights when asked. */
    @Override
    public void prepareTraining(Encoded<ClassificationBatch> train, Map<String, float[]> extraTensors,
                                boolean balancedClassWeights, PrintStream log) {
        if (model.pooling() == Pooling.CLS && extraTensors.containsKey("bert.pooler.dense.weight")
                && extraTensors.containsKey("bert.pooler.dense.bias")) {
            model.parameterSet().get("bert.pooler.dense.weight").value()
                    .copyFrom(extraTensors.get("bert.pooler.dense.weight"));
            model.parameterSet().get("bert.pooler.dense.bias").value()
                    .copyFrom(extraTensors.get("bert.pooler.dense.bias"));
            log.println("pooler: loaded from the checkpoint");
        }
        if (balancedClassWeights) {
            model.setClassWeights(balancedWeights((ClassificationData) train, model.labelCount()));
        }
    }

    private static float[] balancedWeights(ClassificationData data, int k) {
        int[] counts = new int[k];
        for (int i = 0; i < data.size(); i++) {
            counts[data.label(i)]++;
        }
        float[] w = new float[k];
        for (int c = 0; c < k; c++) {
            w[c] = counts[c] == 0 ? 1f : (float) data.size() / (k * counts[c]);
        }
        return w;
    }

    /** Each line is one text: {@code {"text", "label", "probabilities": {label: p}}}. */
    @Override
    public PredictedLines predictLines(Tokenizer tokenizer, int padId, List<String> lines, int batchSize) {
        return predictEncoded(lines, ClassificationData.encode(tokenizer, lines, null, head().maxLength(), padId),
                batchSize, (o, i) -> o.put("text", lines.get(i)));
    }

    /** Predicts encoded inputs into one JSON object each, {@code input} writing the input's fields first. */
    PredictedLines predictEncoded(List<String> lines, ClassificationData data, int batchSize,
                                  java.util.function.ObjIntConsumer<ObjectNode> input) {
        Predictions p = predict(data, data.batches(batchSize));
        List<String> labels = head().labels();
        List<ObjectNode> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode o = JSON.createObjectNode();
            input.accept(o, i);
            o.put("label", labels.get(p.predicted()[i]));
            ObjectNode probs = o.putObject("probabilities");
            for (int k = 0; k < labels.size(); k++) {
                probs.put(labels.get(k), Math.round(p.probabilities()[i][k] * 1e6) / 1e6);
            }
            out.add(o);
        }
        return new PredictedLines(out, data.truncated(), 0);
    }

    /** The label ids of examples ({@code labels.indexOf}). */
    static int[] labelIds(List<ClassificationExample> examples, LabelSet labels) {
        int[] y = new int[examples.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.indexOf(examples.get(i).label());
        }
        return y;
    }

    /** The single-label classification head: texts with one label each. */
    static class Kind extends SequenceHead<ClassificationExample, ClassificationBatch> {
        Kind() {
            this(HeadConfig.Task.CLASSIFY, DatasetDefinition.SetKind.CLASSIFICATION, ResolvedSet::classification,
                    ClassificationTask::new);
        }

        Kind(HeadConfig.Task task, DatasetDefinition.SetKind registryKind,
             RegistryReader<ClassificationExample> registryReader,
             TaskMaker<ClassificationExample, ClassificationBatch, ClassificationData> maker) {
            super(task, registryKind, registryReader, ClassificationData.class, maker);
        }

        @Override
        public Dataset<ClassificationExample> readFile(Path file, Columns columns, LabelSet known, BadInput bad)
                throws IOException {
            return Dataset.ofClassification(ClassificationReader.read(file, options(columns, known), bad));
        }

        ClassificationReader.Options options(Columns columns, LabelSet known) {
            return ClassificationReader.Options.defaults()
                    .withColumns(columns.text(), columns.label() == null ? "label" : columns.label())
                    .withKnownLabels(known);
        }

        @Override
        public Encoded<ClassificationBatch> encode(Tokenizer tokenizer, List<ClassificationExample> examples,
                                                   LabelSet labels, int maxLength, int padId) {
            List<String> texts = new ArrayList<>(examples.size());
            for (ClassificationExample e : examples) {
                texts.add(e.text());
            }
            return ClassificationData.encode(tokenizer, texts, labelIds(examples, labels), maxLength, padId);
        }

        @Override
        public void describeData(PrintStream log, LabelSet labels, int maxLength, Encoded<ClassificationBatch> train,
                                 Encoded<ClassificationBatch> dev, Encoded<ClassificationBatch> test) {
            log.printf(Locale.ROOT, "data: %,d train, %,d dev, %s test %s; %d labels: %s%n", train.size(),
                    dev.size(), test == null ? "no" : String.format(Locale.ROOT, "%,d", test.size()), examplesWord(),
                    labels.size(), String.join(", ", labels.labels()));
            warnTruncated(log, textsWord(), maxLength, train, dev, test);
        }

        /** Says how many texts of the sets (test may be null) were cut to {@code maxLength} tokens, if any. */
        static void warnTruncated(PrintStream log, String texts, int maxLength, Encoded<?> train, Encoded<?> dev,
                                  Encoded<?> test) {
            int cut = train.truncated() + dev.truncated() + (test == null ? 0 : test.truncated());
            if (cut > 0) {
                log.printf(Locale.ROOT, "warning: %,d %s are longer than %d tokens and were truncated%n", cut, texts,
                        maxLength);
            }
        }

        String examplesWord() {
            return "examples";
        }

        String textsWord() {
            return "texts";
        }
    }
}
