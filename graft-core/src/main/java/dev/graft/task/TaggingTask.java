package dev.graft.task;

import dev.graft.eval.TaggingMetrics;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.TokenBatch;
import dev.graft.model.TokenTagger;
import dev.graft.nn.Dropout;
import dev.graft.nn.ParameterSet;
import dev.graft.train.Trainable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Token tagging as something the trainer runs: mean cross-entropy over the first sub-words of all
 * micro-batches of an update, validation on fixed dev batches reporting dev_loss,
 * dev_token_accuracy and (for chunk tags) dev_span_f1, all at the word level.
 */
public final class TaggingTask implements Trainable<TaggingBatch> {
    private final TokenTagger model;
    private final HeadConfig head;
    private final TaggingData dev;
    private final List<List<String>> devGold;
    private final List<TaggingBatch> devBatches;
    private final Checkpoint.Extras modelExtras;

    /**
     * @param dev     validation windows (tagged), or null
     * @param devGold the dev sentences' gold tags (word level), or null
     */
    public TaggingTask(TokenTagger model, HeadConfig head, TaggingData dev, List<List<String>> devGold,
                       int evalBatchSize, Checkpoint.Extras modelExtras) {
        this.model = model;
        this.head = head;
        this.dev = dev;
        this.devGold = devGold;
        this.devBatches = dev == null ? List.of() : dev.batches(evalBatchSize);
        this.modelExtras = modelExtras;
    }

    public TokenTagger model() {
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
    public void skipBackwardBelow(int group) {
        model.backbone().setBackwardFloor(group);
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
            tokens += LanguageModelingTask.realTokens(b.tokens());
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
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            max = Math.max(max, logits[off + j]);
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
            sum += Math.exp(logits[off + j] - max);
        }
        return Math.log(sum) + max - logits[off + target];
    }

    /** Word tags as strings. */
    public List<List<String>> names(int[][] tags) {
        List<List<String>> out = new ArrayList<>(tags.length);
        for (int[] s : tags) {
            List<String> row = new ArrayList<>(s.length);
            for (int t : s) {
                row.add(head.labels().get(t));
            }
            out.add(row);
        }
        return out;
    }

    public TaggingMetrics score(List<List<String>> gold, Predictions p) {
        return TaggingMetrics.compute(gold, names(p.tags()), head.labels());
    }

    @Override
    public Map<String, Double> evaluate() {
        if (dev == null || dev.windowCount() == 0) {
            return Map.of();
        }
        Predictions p = predict(dev, devBatches);
        TaggingMetrics m = score(devGold, p);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("dev_loss", p.meanLoss());
        out.put("dev_token_accuracy", m.tokenAccuracy());
        out.put("dev_macro_f1", m.perTag().macroF1());
        if (m.spans() != null) {
            out.put("dev_span_f1", m.spans().f1());
        }
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
