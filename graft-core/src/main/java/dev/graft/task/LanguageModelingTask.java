package dev.graft.task;

import dev.graft.model.Checkpoint;
import dev.graft.model.LanguageModel;
import dev.graft.model.TokenBatch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pretraining objective as something the trainer can run: masked LM for encoders (BERT), causal
 * LM for decoders (GPT-2), on batches whose targets are already set (masking and shifting happen
 * where batches are built). Validation reports loss, perplexity and the accuracy of the arg-max
 * prediction on the predicted positions (masked-token or next-token accuracy).
 */
public final class LanguageModelingTask extends ModelTask<TokenBatch> {
    private final LanguageModel model;
    private final List<TokenBatch> validation;

    /**
     * @param validation  fixed held-out batches (their masks fixed too), may be empty
     * @param modelExtras writes files that belong with the model (tokenizer.json), may be null
     */
    public LanguageModelingTask(LanguageModel model, List<TokenBatch> validation, Checkpoint.Extras modelExtras) {
        super(model, modelExtras);
        this.model = model;
        this.validation = List.copyOf(validation);
    }

    @Override
    public LanguageModel model() {
        return model;
    }

    /** The Hugging Face class this checkpoint corresponds to. */
    @Override
    public String architectureName() {
        return model.config().isEncoder() ? "BertForMaskedLM" : "GPT2LMHeadModel";
    }

    /** {@link #unigram} of the validation batches, computed at the first evaluation. */
    private double[] unigram;

    @Override
    public StepResult trainStep(List<TokenBatch> microBatches) {
        int total = 0;
        for (TokenBatch b : microBatches) {
            total += LanguageModel.countTargets(b);
        }
        double sum = 0;
        long tokens = 0;
        for (TokenBatch b : microBatches) {
            float mean = model.forward(b, true, total);
            sum += (double) mean * model.lastTargetCount();
            tokens += b.realTokens();
        }
        return new StepResult(total == 0 ? 0 : sum / total, tokens, Map.of());
    }


    @Override
    public Map<String, Double> evaluate() {
        if (validation.isEmpty()) {
            return Map.of();
        }
        Validation v = validate(model, validation);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_loss", v.loss());
        m.put("val_perplexity", Math.exp(v.loss()));
        m.put(model.config().isEncoder() ? "val_masked_accuracy" : "val_next_token_accuracy", v.accuracy());
        if (unigram == null) {
            unigram = unigram(validation, model.config().vocabSize());
        }
        m.put("val_unigram_loss", unigram[0]);
        m.put("val_unigram_accuracy", unigram[1]);
        return m;
    }

    /**
     * Held-out scores of a language model: the mean loss over the positions with a target and the share of
     * them predicted right, NaN both when there are none.
     */
    record Validation(double loss, double accuracy) {
    }

    /** {@code model} on held-out batches, without gradients. */
    static Validation validate(LanguageModel model, List<TokenBatch> batches) {
        double sum = 0;
        long count = 0;
        long correct = 0;
        for (TokenBatch b : batches) {
            float mean = model.forward(b, false);
            sum += (double) mean * model.lastTargetCount();
            count += model.lastTargetCount();
            correct += model.lastCorrect();
        }
        return count == 0 ? new Validation(Double.NaN, Double.NaN)
                : new Validation(sum / count, (double) correct / count);
    }

    /** Add-α smoothing of the frequency baseline (α = 1/2, Jeffreys' prior). */
    static final double UNIGRAM_ALPHA = 0.5;

    /**
     * What word frequencies alone achieve on the validation targets: the loss of a context-free predictor
     * and the accuracy of always predicting the most frequent target. The loss is a held-out estimate, so it
     * is not flattered by fitting the very targets it scores: each target is predicted from the frequencies
     * of all the others, smoothed by add-α over the vocabulary, p(t) = (c_t − 1 + α) / (N − 1 + αV). A model
     * whose validation loss is not clearly below it has learned little beyond frequencies, and its features
     * will barely depend on the input.
     *
     * @param vocabularySize V, the number of classes a target can take
     * @return {loss in nats, accuracy}, NaN without targets
     */
    public static double[] unigram(List<TokenBatch> batches, int vocabularySize) {
        Map<Integer, Long> counts = new java.util.HashMap<>();
        long total = 0;
        for (TokenBatch b : batches) {
            for (int t : b.targets()) {
                if (t != TokenBatch.IGNORE) {
                    counts.merge(t, 1L, Long::sum);
                    total++;
                }
            }
        }
        if (total == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double denominator = total - 1 + UNIGRAM_ALPHA * vocabularySize;
        double loss = 0;
        long max = 0;
        for (long c : counts.values()) {
            loss -= c * Math.log((c - 1 + UNIGRAM_ALPHA) / denominator);
            max = Math.max(max, c);
        }
        return new double[] {loss / total, (double) max / total};
    }
}
