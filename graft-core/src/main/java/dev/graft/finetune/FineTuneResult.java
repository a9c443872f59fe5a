package dev.graft.finetune;

import dev.graft.model.HeadConfig;

import java.nio.file.Path;
import java.util.Map;

/**
 * The outcome of a fine-tuning run. Scores are the head's headline score ({@link dev.graft.eval.HeadMetrics#score()}:
 * accuracy for classification and pairs, token accuracy for tagging, micro-F1 for multi-label) of the
 * best-on-dev model; the full metrics are in {@code dev} and {@code test} ({@link dev.graft.eval.HeadMetrics#toMap()}).
 *
 * @param out          the model folder (config.json, model.safetensors, tokenizer.json, run.json, results.json,
 *                     metrics.jsonl)
 * @param metric       the dev metric early stopping maximized ("dev_accuracy", "dev_token_accuracy", "dev_micro_f1")
 * @param devScore     the headline score on dev
 * @param testScore    on test, NaN without a test set
 * @param dev          all dev metrics
 * @param test         all test metrics, or null
 * @param steps        updates done
 * @param bestStep     the update after which the kept model was evaluated
 * @param stoppedBy    "epochs", "early-stop", "time", ...
 * @param trainSize    training examples (after sub-sampling and the dev carve)
 * @param devSize      dev examples
 * @param devCarved    whether dev was carved from the training set
 * @param testSize     test examples, 0 without a test set
 * @param wallSeconds  training time
 * @param summary      the JSON summary {@code graft finetune} prints
 */
public record FineTuneResult(Path out, HeadConfig.Task task, String metric, double devScore, double testScore,
                             Map<String, Object> dev, Map<String, Object> test, long steps, long bestStep,
                             String stoppedBy, int trainSize, int devSize, boolean devCarved, int testSize,
                             double wallSeconds, Map<String, Object> summary) {
}
