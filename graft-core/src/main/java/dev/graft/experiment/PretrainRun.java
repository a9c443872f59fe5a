package dev.graft.experiment;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.List;

/**
 * A pretraining (or LM fine-tuning) run that strategies start from, as the experiment reads it: the summary
 * its trainer wrote (and the experiment keeps in the run's {@code graft-done.json}), typed once here so no
 * other code reads it out of a map.
 *
 * @param name            the run's name in {@code pretrain/} (e.g. "base-bert-mini-1a2b3c4d5e"), or "base
 *                        (given: DIR)" for {@code --base}
 * @param folder          the run's folder (its checkpoint and metrics.jsonl)
 * @param tokens          tokens seen in training ({@code tokens_seen}), 0 when unknown
 * @param seconds         wall time ({@code wall_s}), 0 when unknown
 * @param validationLoss  the last validation loss ({@code val_loss}), NaN when unknown
 * @param perplexity      exp of it as the run reported ({@code val_perplexity}), NaN when unknown
 * @param unigramLoss     the validation loss of word frequencies alone ({@code val_unigram_loss}), NaN when unknown
 * @param accuracy        the last masked-token accuracy, or next-token accuracy for a causal LM, NaN when unknown
 * @param unigramAccuracy the accuracy of always the most frequent target ({@code val_unigram_accuracy}), NaN
 *                        when unknown
 */
record PretrainRun(String name, Path folder, long tokens, double seconds, double validationLoss, double perplexity,
                   double unigramLoss, double accuracy, double unigramAccuracy) {

    /** A trainer's summary (or a {@code graft-done.json} read back), which names its folder under "folder". */
    static PretrainRun of(String name, JsonNode summary) {
        JsonNode folder = summary.get("folder");
        if (folder == null || !folder.isTextual()) {
            throw new IllegalArgumentException("pretraining run " + name + ": its summary names no folder; delete its "
                    + "graft-done.json to run it again");
        }
        double masked = number(summary, "val_masked_accuracy");
        return new PretrainRun(name, Path.of(folder.asText()), (long) orZero(summary, "tokens_seen"), orZero(summary, "wall_s"),
                number(summary, "val_loss"), number(summary, "val_perplexity"), number(summary, "val_unigram_loss"),
                Double.isFinite(masked) ? masked : number(summary, "val_next_token_accuracy"),
                number(summary, "val_unigram_accuracy"));
    }

    /** The run as the report shows it, with its validation curve. */
    PretrainingSummary summary(List<double[]> curve) {
        return new PretrainingSummary(name, tokens, seconds, validationLoss, perplexity, curve, unigramLoss, accuracy,
                unigramAccuracy);
    }

    /** Whether the run learned little beyond word frequencies ({@link PretrainingSummary#frequencyOnly()}). */
    boolean frequencyOnly() {
        return PretrainingSummary.frequencyOnly(validationLoss, unigramLoss, accuracy, unigramAccuracy);
    }

    /** "validation loss 6.952 against 7.137 for word frequencies alone; ...". */
    String frequencyComparison() {
        return summary(List.of()).frequencyComparison();
    }

    private static double number(JsonNode m, String key) {
        JsonNode v = m.get(key);
        return v != null && v.isNumber() ? v.doubleValue() : Double.NaN;
    }

    private static double orZero(JsonNode m, String key) {
        JsonNode v = m.get(key);
        return v != null && v.isNumber() ? v.doubleValue() : 0;
    }
}
