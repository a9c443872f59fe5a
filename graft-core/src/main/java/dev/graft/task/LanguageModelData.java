package dev.graft.task;

import dev.graft.SpecException;
import dev.graft.model.ModelConfig;
import dev.graft.tokenizer.SpecialTokens;
import dev.graft.tokenizer.Tokenizer;

import java.util.Iterator;
import java.util.List;

/**
 * The language-modeling side of fine-tuning (multitask training, task-adaptive LM fine-tuning): a
 * corpus cut into MLM sequences for an encoder or CLM windows for a decoder, as {@code graft
 * pretrain} cuts them ({@link PretrainingData}), with BERT's masking for MLM.
 *
 * @param data      the sequences
 * @param masker    BERT masking (MLM), null for CLM
 * @param objective MLM for encoders, CLM for decoders
 */
public record LanguageModelData(PretrainingData data, MaskedLanguageModeling masker,
                                PretrainingData.Objective objective) {

    /** The objective a model family pretrains with. */
    public static PretrainingData.Objective objectiveFor(ModelConfig config) {
        return config.isEncoder() ? PretrainingData.Objective.MLM : PretrainingData.Objective.CLM;
    }

    /** The special ids an objective needs, from the tokenizer (an error naming what is missing). */
    public static PretrainingData.SpecialIds specialIds(Tokenizer tokenizer, PretrainingData.Objective objective) {
        return specialIds(tokenizer.specialTokens(), objective, "", List.of());
    }

    /**
     * The special ids an objective needs, or an error naming the tokens missing from the vocabulary.
     *
     * @param hint       what to do about a missing token, after "; " when not empty ("train one with ...")
     * @param hintFields the spec fields {@code hint} names (the error is a {@link SpecException} naming them)
     */
    public static PretrainingData.SpecialIds specialIds(SpecialTokens sp, PretrainingData.Objective objective,
                                                        String hint, List<String> hintFields) {
        String todo = hint.isEmpty() ? "" : "; " + hint;
        if (objective == PretrainingData.Objective.MLM) {
            if (sp.padding().isEmpty() || sp.classifier().isEmpty() || sp.separator().isEmpty() || sp.mask().isEmpty()) {
                throw new SpecException(hintFields, "masked LM needs [PAD], [CLS], [SEP] and [MASK] in the "
                        + "tokenizer's vocabulary" + todo);
            }
            int first = Math.max(Math.max(sp.padding().getAsInt(), sp.classifier().getAsInt()),
                    Math.max(sp.separator().getAsInt(), sp.mask().getAsInt())) + 1;
            return new PretrainingData.SpecialIds(sp.padding().getAsInt(), sp.classifier().getAsInt(),
                    sp.separator().getAsInt(), sp.mask().getAsInt(), -1, first);
        }
        if (sp.endOfText().isEmpty()) {
            throw new SpecException(hintFields, "causal LM needs an end-of-text token (<|endoftext|>) in the "
                    + "tokenizer" + todo);
        }
        return new PretrainingData.SpecialIds(sp.padding().orElse(-1), -1, -1, -1, sp.endOfText().getAsInt(), 0);
    }

    /**
     * Encodes {@code documents} (a line is a sentence, a document a unit of the validation split) into
     * sequences of {@code seqLen} tokens for {@code config}'s objective. The text is tokenized once per
     * process ({@link EncodedCorpusCache}): the folds and cells of an experiment share it.
     */
    public static LanguageModelData prepare(Tokenizer tokenizer, Iterator<String> documents, ModelConfig config,
                                            int seqLen, double maskProbability, double validationFraction,
                                            int maxValidationSequences, long seed, int threads) {
        PretrainingData.Objective objective = objectiveFor(config);
        PretrainingData.SpecialIds ids = specialIds(tokenizer, objective);
        EncodedCorpus encoded = EncodedCorpusCache.encode(tokenizer, documents, threads);
        int len = Math.min(seqLen, config.maxPositions());
        PretrainingData data = PretrainingData.build(encoded, objective, len, config.vocabSize(), ids,
                validationFraction, maxValidationSequences, seed);
        MaskedLanguageModeling masker = objective == PretrainingData.Objective.MLM
                ? new MaskedLanguageModeling(maskProbability, ids.mask(), ids.firstRegular(), config.vocabSize(), false,
                seed)
                : null;
        return new LanguageModelData(data, masker, objective);
    }
}
