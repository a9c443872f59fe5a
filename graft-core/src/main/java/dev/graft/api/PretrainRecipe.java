package dev.graft.api;

import dev.graft.pretrain.PretrainSpec;

import java.nio.file.Path;
import java.util.List;

/**
 * The compute-efficient pretraining levers of {@link PretrainOptions} (docs/PRETRAINING.md, "Recipe options"):
 * each null or false keeps {@code graft pretrain}'s default. Immutable; derive variants with the
 * {@code with...} methods, starting from {@link #defaults()}.
 *
 * @param electra             ELECTRA replaced-token detection instead of masked LM (encoders)
 * @param generatorSize       ELECTRA: the generator's width as a fraction of the discriminator's, or null (1/4)
 * @param preNorm             pre-LN encoder blocks with a final LayerNorm, or null for the preset's (post-LN)
 * @param noBias              bias-free linears in attention and the feed-forward
 * @param dropout             hidden and attention dropout while pretraining, or null for the preset's (0.1)
 * @param beta1               AdamW β1, or null (0.9)
 * @param beta2               AdamW β2, or null (0.98)
 * @param maskProbability     MLM selection probability, or null (0.15)
 * @param schedule            linear, cosine, constant, linear-time or cosine-time, or null (linear)
 * @param sentences           every sentence is its own example, never packed with its neighbours
 * @param inDomain            text files (a document per line) mixed into the corpus, may be empty
 * @param inDomainRepeat      how many times the in-domain text is repeated, or null (1)
 */
public record PretrainRecipe(boolean electra, Double generatorSize, Boolean preNorm, boolean noBias, Float dropout,
                             Float beta1, Float beta2, Double maskProbability, String schedule, boolean sentences,
                             List<Path> inDomain, Integer inDomainRepeat) {

    public PretrainRecipe {
        inDomain = inDomain == null ? List.of() : List.copyOf(inDomain);
    }

    /** Every lever at {@code graft pretrain}'s default. */
    public static PretrainRecipe defaults() {
        return new PretrainRecipe(false, null, null, false, null, null, null, null, null, false, List.of(), null);
    }

    /** Cramming's choices (Geiping and Goldstein 2022): pre-LN, bias-free linears, no dropout, β (0.9, 0.98). */
    public static PretrainRecipe cramming() {
        return defaults().withPreNorm(true).withNoBias(true).withDropout(0f);
    }

    public PretrainRecipe withElectra(boolean v) {
        return new PretrainRecipe(v, generatorSize, preNorm, noBias, dropout, beta1, beta2, maskProbability, schedule,
                sentences, inDomain, inDomainRepeat);
    }

    public PretrainRecipe withGeneratorSize(double v) {
        return new PretrainRecipe(electra, v, preNorm, noBias, dropout, beta1, beta2, maskProbability, schedule,
                sentences, inDomain, inDomainRepeat);
    }

    public PretrainRecipe withPreNorm(boolean v) {
        return new PretrainRecipe(electra, generatorSize, v, noBias, dropout, beta1, beta2, maskProbability, schedule,
                sentences, inDomain, inDomainRepeat);
    }

    public PretrainRecipe withNoBias(boolean v) {
        return new PretrainRecipe(electra, generatorSize, preNorm, v, dropout, beta1, beta2, maskProbability, schedule,
                sentences, inDomain, inDomainRepeat);
    }

    public PretrainRecipe withDropout(float v) {
        return new PretrainRecipe(electra, generatorSize, preNorm, noBias, v, beta1, beta2, maskProbability, schedule,
                sentences, inDomain, inDomainRepeat);
    }

    public PretrainRecipe withBetas(float b1, float b2) {
        return new PretrainRecipe(electra, generatorSize, preNorm, noBias, dropout, b1, b2, maskProbability, schedule,
                sentences, inDomain, inDomainRepeat);
    }

    public PretrainRecipe withMaskProbability(double v) {
        return new PretrainRecipe(electra, generatorSize, preNorm, noBias, dropout, beta1, beta2, v, schedule,
                sentences, inDomain, inDomainRepeat);
    }

    public PretrainRecipe withSchedule(String v) {
        return new PretrainRecipe(electra, generatorSize, preNorm, noBias, dropout, beta1, beta2, maskProbability, v,
                sentences, inDomain, inDomainRepeat);
    }

    public PretrainRecipe withSentences(boolean v) {
        return new PretrainRecipe(electra, generatorSize, preNorm, noBias, dropout, beta1, beta2, maskProbability,
                schedule, v, inDomain, inDomainRepeat);
    }

    public PretrainRecipe withInDomain(List<Path> files, int repeat) {
        return new PretrainRecipe(electra, generatorSize, preNorm, noBias, dropout, beta1, beta2, maskProbability,
                schedule, sentences, files, repeat);
    }

    /** Sets the levers that are not at their defaults on {@code b}. */
    public PretrainSpec.Builder applyTo(PretrainSpec.Builder b) {
        b.electra(electra).preNorm(preNorm).noBias(noBias).sentences(sentences).inDomain(inDomain);
        if (generatorSize != null) {
            b.generatorSize(generatorSize);
        }
        if (dropout != null) {
            b.dropout(dropout);
        }
        if (beta1 != null) {
            b.beta1(beta1);
        }
        if (beta2 != null) {
            b.beta2(beta2);
        }
        if (maskProbability != null) {
            b.maskProbability(maskProbability);
        }
        if (schedule != null) {
            b.schedule(schedule);
        }
        if (inDomainRepeat != null) {
            b.inDomainRepeat(inDomainRepeat);
        }
        return b;
    }
}
