package dev.graft.experiment;

import java.util.List;

/**
 * What an experiment report says beyond the cells' results.
 *
 * @param title             the report's heading
 * @param task              "classify" or "tag"
 * @param dataName          the labeled data set, e.g. "sentiment-uci"
 * @param metric            the score's name, e.g. "accuracy" or "token_accuracy"
 * @param referenceStrategy the strategy others are measured against, normally "scratch"; null for "scratch"
 * @param config            the resolved run configuration as JSON text (as {@code experiment.json} holds it),
 *                          printed as it is; null or blank for none
 * @param data              the data used, with versions and checksums; null for none
 * @param pretraining       the pretraining runs behind the strategies that pretrain; null or empty omits the
 *                          pretraining section
 */
public record ReportContext(String title, String task, String dataName, String metric, String referenceStrategy,
                            String config, List<DataProvenance> data,
                            List<PretrainingSummary> pretraining) {
    public ReportContext {
        if (title == null || title.isBlank()) {
            throw new IllegalArgumentException("a report needs a title");
        }
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException("a report needs the metric's name (accuracy, token_accuracy)");
        }
        if (referenceStrategy == null || referenceStrategy.isBlank()) {
            referenceStrategy = "scratch";
        }
        config = config == null ? "" : config.strip();
        data = data == null ? List.of() : List.copyOf(data);
        pretraining = pretraining == null ? List.of() : List.copyOf(pretraining);
    }
}
