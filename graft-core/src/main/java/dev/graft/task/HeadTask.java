package dev.graft.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.eval.HeadMetrics;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HeadModel;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.Trainable;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task head as something the trainer runs: a {@link HeadModel} (backbone plus head), the head's
 * configuration, and its loss, evaluation and prediction. This class holds what every head shares (with
 * {@link ModelTask}: the delegation of {@link Trainable} to the model and saving the model folder with the
 * head's config.json; here: validation on fixed dev batches); a head adds {@link #trainStep}, {@link #score}
 * and {@link #predictLines}.
 *
 * @param <E> the labeled example type
 * @param <B> the batch type
 */
public abstract class HeadTask<E, B> extends ModelTask<B> {
    /** A scored labeled set: the metrics and the mean loss (NaN when unlabeled). */
    public record Scored(HeadMetrics metrics, double meanLoss) {
    }

    /**
     * Predictions of raw input lines ({@code graft predict}), one JSON object per line.
     *
     * @param truncated      inputs cut to the maximum length
     * @param splitSentences sentences tagged in several windows
     */
    public record PredictedLines(List<ObjectNode> outputs, long truncated, long splitSentences) {
    }

    /** A raw input line ({@link #predictLines}) the head cannot read; {@code index} is its place in the list. */
    public static final class BadLine extends IllegalArgumentException {
        private final int index;

        public BadLine(int index, String message) {
            super(message);
            this.index = index;
        }

        public int index() {
            return index;
        }
    }

    private final HeadModel model;
    private final String metric;
    private HeadConfig head;
    private final List<E> devGold;
    private final Encoded<B> dev;
    private final List<B> devBatches;

    /**
     * @param metric      the early-stopping metric: {@code dev_} and the first of the head's scalars
     * @param devGold     the dev examples (gold), or null when {@link #score} does not read them
     * @param dev         encoded validation data, or null for none
     * @param modelExtras writes files that belong with the model (tokenizer.json), may be null
     */
    protected HeadTask(HeadModel model, String metric, HeadConfig head, List<E> devGold, Encoded<B> dev,
                       int evalBatchSize, Checkpoint.Extras modelExtras) {
        super(model, modelExtras);
        this.model = model;
        this.metric = metric;
        this.head = head;
        this.devGold = devGold;
        this.dev = dev;
        this.devBatches = dev == null ? List.of() : dev.batches(evalBatchSize);
    }

    @Override
    public HeadModel model() {
        return model;
    }

    public HeadConfig head() {
        return head;
    }

    /** Replaces the head's configuration (e.g. tuned thresholds); the model's shape must not change. */
    protected void setHead(HeadConfig head) {
        this.head = head;
    }

    @Override
    public String architectureName() {
        return head.architecture(model.config());
    }

    /** config.json with the head's fields ({@link HeadConfig#write}). */
    @Override
    protected void writeConfig(Path file) throws IOException {
        head.write(file, model.config());
    }

    /** dev_loss, then the head's {@link HeadMetrics#scalars()} with a {@code dev_} prefix. */
    @Override
    public Map<String, Double> evaluate() {
        if (dev == null || dev.size() == 0) {
            return Map.of();
        }
        Scored s = score(devGold, dev, devBatches);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("dev_loss", s.meanLoss());
        s.metrics().scalars().forEach((k, v) -> out.put("dev_" + k, v));
        return out;
    }

    // ------------------------------------------------------------------------------ the head's own

    /** The early-stopping metric: {@code dev_} and the first of the head's scalars ("dev_accuracy"). */
    public final String metric() {
        return metric;
    }

    /**
     * Predicts {@code data} (dropout as currently set: call with training off) and scores it against the
     * gold labels.
     *
     * @param gold the examples {@code data} was encoded from
     */
    public abstract Scored score(List<E> gold, Encoded<B> data, List<B> batches);

    /** Predicts raw input lines (a text, a pair, a sentence: the head's input format) as JSON objects. */
    public abstract PredictedLines predictLines(Tokenizer tokenizer, int padId, List<String> lines, int batchSize);

    /**
     * Before training: what the head takes from the starting checkpoint ({@code extraTensors}, e.g. BERT's
     * pooler) and from the training set (balanced class weights). The default does nothing.
     */
    public void prepareTraining(Encoded<B> train, Map<String, float[]> extraTensors, boolean balancedClassWeights,
                                PrintStream log) {
    }

    /**
     * After training, with dropout off, before the final scores: what the head tunes on dev (multi-label
     * thresholds). Returns whether the head's configuration changed (the model folder's config.json is then
     * rewritten). The default does nothing.
     */
    public boolean afterTraining(List<E> devGold, Encoded<B> dev, int batchSize, PrintStream log) {
        return false;
    }
}
