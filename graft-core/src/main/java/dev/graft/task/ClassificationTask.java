package dev.graft.task;

import dev.graft.eval.ClassificationMetrics;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Dropout;
import dev.graft.nn.ParameterSet;
import dev.graft.train.Trainable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sequence classification as something the trainer runs: single-label cross-entropy (class-weighted
 * when the model has weights) over micro-batches normalized together, and validation on fixed dev
 * batches reporting dev_loss, dev_accuracy and dev_macro_f1.
 */
public final class ClassificationTask implements Trainable<ClassificationBatch> {
    private final SequenceClassifier model;
    private final HeadConfig head;
    private final ClassificationData dev;
    private final List<ClassificationBatch> devBatches;
    private final Checkpoint.Extras modelExtras;

    /**
     * @param dev         labeled validation data, or null for none
     * @param modelExtras writes files that belong with the model (tokenizer.json), may be null
     */
    public ClassificationTask(SequenceClassifier model, HeadConfig head, ClassificationData dev, int evalBatchSize,
                              Checkpoint.Extras modelExtras) {
        this.model = model;
        this.head = head;
        this.dev = dev;
        this.devBatches = dev == null ? List.of() : dev.batches(evalBatchSize);
        this.modelExtras = modelExtras;
    }

    public SequenceClassifier model() {
        return model;
    }

    public HeadConfig head() {
        return head;
    }

    @Override
    public ParameterSet parameters() {
        return model.parameterSet();
    }

    @Override
    public void setTraining(boolean training) {
        model.setTraining(training);
    }

    @Override
    public List<Dropout> dropouts() {
        return model.dropouts();
    }

    @Override
    public void skipBackwardBelow(int group) {
        model.backbone().setBackwardFloor(group);
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
            tokens += LanguageModelingTask.realTokens(b.tokens());
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
                model.logits(b.tokens());
            }
            for (int i = 0; i < rows; i++) {
                model.probabilities(i, p);
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
        return ClassificationMetrics.compute(gold, p.predicted(), head.labels());
    }

    @Override
    public Map<String, Double> evaluate() {
        if (dev == null || dev.size() == 0) {
            return Map.of();
        }
        Predictions p = predict(dev, devBatches);
        ClassificationMetrics m = score(dev, p);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("dev_loss", p.meanLoss());
        out.put("dev_accuracy", m.accuracy());
        out.put("dev_macro_f1", m.macroF1());
        return out;
    }

    @Override
    public void saveModel(Path folder, Checkpoint.Extras extras) throws IOException {
        Checkpoint.save(folder, model.config(), head.architecture(model.config()), model.parameterSet(), Map.of(),
                staged -> {
                    head.write(staged.resolve(Checkpoint.CONFIG), model.config());
                    if (modelExtras != null) {
                        modelExtras.writeInto(staged);
                    }
                    if (extras != null) {
                        extras.writeInto(staged);
                    }
                });
    }

    @Override
    public void writeModelFiles(Path folder) throws IOException {
        head.write(folder.resolve(Checkpoint.CONFIG), model.config());
        Checkpoint.writeWeights(folder.resolve(Checkpoint.WEIGHTS), model.parameterSet(), Map.of());
        if (modelExtras != null) {
            modelExtras.writeInto(folder);
        }
    }
}
