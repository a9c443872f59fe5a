package dev.graft.api;

import dev.graft.pretrain.PretrainSpec;
import dev.graft.train.ScheduleKind;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The compute-efficient pretraining levers of {@link PretrainOptions} (docs/PRETRAINING.md, "Recipe options"):
 * ELECTRA, pre-LN, bias-free linears, dropout, betas, masking rate, schedule, sentence examples, in-domain
 * text. Each lever not pulled keeps {@link PretrainSpec}'s default (the one source of them: nothing here
 * repeats a number). Immutable; derive variants with the {@code with...} methods, starting from
 * {@link #defaults()}; a later lever overrides an earlier one.
 */
public final class PretrainRecipe {
    private final SpecEdits<PretrainSpec.Builder> levers;

    private PretrainRecipe(SpecEdits<PretrainSpec.Builder> levers) {
        this.levers = levers;
    }

    /** Every lever at {@code graft pretrain}'s default. */
    public static PretrainRecipe defaults() {
        return new PretrainRecipe(SpecEdits.none());
    }

    /**
     * Cramming's choices (Geiping and Goldstein 2022), as {@code graft pretrain --recipe cramming} sets them
     * ({@link PretrainSpec.Recipe#CRAMMING}): pre-LN, bias-free linears, no dropout, 25% masking, peak rate 1e-3,
     * clip 0.5, sentences of at most 64 tokens (β (0.9, 0.98) is the default's too); levers pulled after it win.
     */
    public static PretrainRecipe cramming() {
        return defaults().with(b -> PretrainSpec.Recipe.CRAMMING.applyTo(b, setting -> false));
    }

    /** This recipe with one more lever. */
    private PretrainRecipe with(UnaryOperator<PretrainSpec.Builder> lever) {
        return new PretrainRecipe(levers.and(lever));
    }

    /** ELECTRA replaced-token detection instead of masked LM (encoders). */
    public PretrainRecipe withElectra(boolean v) {
        return with(b -> b.electra(v));
    }

    /** ELECTRA: the generator's width as a fraction of the discriminator's. */
    public PretrainRecipe withGeneratorSize(double v) {
        return with(b -> b.generatorSize(v));
    }

    /** Pre-LN encoder blocks with a final LayerNorm (true) or post-LN (false). */
    public PretrainRecipe withPreNorm(boolean v) {
        return with(b -> b.preNorm(v));
    }

    /** Bias-free linears in attention and the feed-forward. */
    public PretrainRecipe withNoBias(boolean v) {
        return with(b -> b.noBias(v));
    }

    /** Hidden and attention dropout while pretraining. */
    public PretrainRecipe withDropout(float v) {
        return with(b -> b.model(m -> m.withDropout(v)));
    }

    /** AdamW's β1 and β2. */
    public PretrainRecipe withBetas(float b1, float b2) {
        return with(b -> b.optimizer(o -> o.withBetas(b1, b2)));
    }

    /** The MLM selection probability. */
    public PretrainRecipe withMaskProbability(double v) {
        return with(b -> b.maskProbability(v));
    }

    /** The learning-rate schedule (the time-decay ones need a time budget). */
    public PretrainRecipe withSchedule(ScheduleKind v) {
        return with(b -> b.optimizer(o -> o.withSchedule(v)));
    }

    /** Every sentence is its own example, never packed with its neighbours. */
    public PretrainRecipe withSentences(boolean v) {
        return with(b -> b.sentences(v));
    }

    /** Text files (a document per line) mixed into the corpus {@code repeat} times. */
    public PretrainRecipe withInDomain(List<Path> files, int repeat) {
        return with(b -> b.inDomain(files).inDomainRepeat(repeat));
    }

    /** Pulls this recipe's levers on {@code b}, in the order they were given. */
    public PretrainSpec.Builder applyTo(PretrainSpec.Builder b) {
        return levers.applyTo(b);
    }
}
