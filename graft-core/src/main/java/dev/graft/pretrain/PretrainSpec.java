package dev.graft.pretrain;

import dev.graft.SpecException;
import dev.graft.data.CorpusReader;
import dev.graft.model.ModelConfig;
import dev.graft.model.ModelOverrides;
import dev.graft.model.Presets;
import dev.graft.task.PretrainingData;
import dev.graft.tokenizer.TokenizerSpec;
import dev.graft.train.Monitoring;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.RunOptions;
import dev.graft.train.ScheduleKind;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Everything one pretraining run needs ({@code graft pretrain}, or a strategy of {@code graft
 * experiment}); immutable and validated here, errors naming the spec's fields ({@code batchSize},
 * {@code optimizer.learningRate}, {@code run.maxTime}). Build with {@link #builder}.
 *
 * @param arch            model preset (bert-mini, gpt-mini, ...) or {@value #AUTO_ARCH}
 * @param model           overrides of the preset's shape and dropout
 * @param preNorm         pre-LN encoder blocks with a final LayerNorm; null for the preset's
 * @param noBias          bias-free linears in attention and the feed-forward
 * @param objective       MLM or CLM; null for the preset's (mlm for encoders, clm for decoders)
 * @param electra         ELECTRA replaced-token detection on MLM-masked sequences
 * @param generatorSize   ELECTRA: the generator's width as a fraction of the discriminator's
 * @param embeddingSize   ELECTRA: the width of the embeddings (shared with the generator) when narrower than the
 *                        hidden size (ELECTRA-Small's 128 for 256), projected to it; 0 for the hidden size
 * @param discriminatorWeight ELECTRA: λ, the discriminator loss's weight
 * @param corpus          dataset names ({@code graft data list}) or text files
 * @param layout          how corpus files are read
 * @param sentences       every sentence (line) is its own example, never packed with its neighbours
 * @param groupByLength   batches of sequences of about one length ({@link
 *                        PretrainingData#trainingStream(int, dev.graft.task.MaskedLanguageModeling, long,
 *                        boolean)}); null for the default: on when every sentence is its own example (their
 *                        lengths differ), off otherwise, and a resumed run keeps what it started with
 * @param inDomain        text files (one document per line) mixed into the corpus, or empty
 * @param inDomainRepeat  how many times the in-domain text is repeated in the corpus
 * @param initEmbeddings  a folder of static vectors over the tokenizer's tokens ({@code graft vectors train
 *                        --tokenizer}) that initializes the token embeddings ({@link
 *                        dev.graft.vectors.EmbeddingInit}), or null for the initializer's random draw
 * @param tokenizer       the tokenizer to use, or how to train one on the corpus
 * @param batchSize       sequences per update
 * @param accumulate      micro-batches per update
 * @param seqLen          tokens per sequence
 * @param maskProbability MLM selection probability
 * @param wholeWordMask   mask all sub-words of a selected word
 * @param optimizer       AdamW and the learning-rate schedule
 * @param monitoring      log, validation and checkpoint intervals
 * @param run             folder, length, threads, seed, resume or overwrite
 * @param skipNonFinite   skip updates whose loss is not finite instead of stopping
 */
public record PretrainSpec(
        String arch, ModelOverrides model, Boolean preNorm, boolean noBias,
        PretrainingData.Objective objective, boolean electra, double generatorSize, int embeddingSize,
        double discriminatorWeight,
        List<String> corpus, CorpusReader.Layout layout, boolean sentences, Boolean groupByLength, List<Path> inDomain,
        int inDomainRepeat, Path initEmbeddings, TokenizerSpec tokenizer, int batchSize, int accumulate, int seqLen,
        double maskProbability, boolean wholeWordMask, OptimizerSpec optimizer, Monitoring monitoring, RunOptions run,
        boolean skipNonFinite) {

    /** The preset when none is named ({@code graft pretrain} and {@code dev.graft.Graft}). */
    public static final String DEFAULT_ARCH = "bert-mini";

    /** {@code arch auto}: an encoder sized to the time budget ({@link ArchAuto}). */
    public static final String AUTO_ARCH = "auto";

    /** The optimizer of a pretraining run unless changed: RoBERTa's AdamW (β2 0.98), peak rate 5e-4, 6% warm-up. */
    public static final OptimizerSpec DEFAULT_OPTIMIZER = new OptimizerSpec(5e-4f, 0.06, ScheduleKind.LINEAR, 0.01f,
            1.0, 0.9f, 0.98f);

    /** The monitoring of a pretraining run unless changed. */
    public static final Monitoring DEFAULT_MONITORING = new Monitoring(20, 200, 500, 2, 256);

    public PretrainSpec {
        if (arch == null || arch.isBlank()) {
            throw new SpecException("arch", "arch is required: a model preset (bert-mini, gpt-mini, ..., auto)");
        }
        model = model == null ? ModelOverrides.NONE : model;
        if (optimizer == null || monitoring == null || run == null || tokenizer == null) {
            throw new IllegalArgumentException("optimizer, monitoring, run and tokenizer are required: start from "
                    + "PretrainSpec.builder");
        }
        if (AUTO_ARCH.equalsIgnoreCase(arch)) {
            arch = AUTO_ARCH;
            if (run.maxTime() == null) {
                throw new SpecException(List.of("arch", "run.maxTime"), "arch auto sizes the model to the time "
                        + "budget: give run.maxTime");
            }
            if (model.changesShape()) {
                throw new SpecException(List.of("arch", "model.layers", "model.hidden", "model.heads", "model.ffn"),
                        "arch auto chooses model.layers, model.hidden, model.heads and model.ffn itself: drop them, "
                                + "or name a preset");
            }
        }
        ModelConfig preset = Presets.get(AUTO_ARCH.equals(arch) ? DEFAULT_ARCH : arch);
        if (objective == null) {
            objective = preset.isEncoder() ? PretrainingData.Objective.MLM : PretrainingData.Objective.CLM;
        }
        if (electra && (!preset.isEncoder() || objective != PretrainingData.Objective.MLM)) {
            throw new SpecException("objective", "objective electra trains an encoder: use it with bert-* presets");
        }
        if (!(generatorSize > 0 && generatorSize <= 1)) {
            throw new SpecException("generatorSize", "generatorSize is a fraction of the discriminator's width in "
                    + "(0, 1], got " + generatorSize);
        }
        if (embeddingSize != 0) {
            if (!electra || embeddingSize < 0) {
                throw new SpecException("embeddingSize", "embeddingSize (embeddings narrower than the hidden size, "
                        + "projected to it) is ELECTRA's: use it with objective electra, a positive width; got "
                        + embeddingSize);
            }
            if (AUTO_ARCH.equals(arch)) {
                throw new SpecException(List.of("arch", "embeddingSize"), "arch auto chooses the shape itself: drop "
                        + "embeddingSize, or name a preset");
            }
            int hidden = model.applyTo(preset).hiddenSize();
            if (embeddingSize > hidden) {
                throw new SpecException("embeddingSize", "embeddingSize " + embeddingSize + " is wider than the "
                        + "hidden size " + hidden + ": give at most " + hidden);
            }
        }
        SpecException.positive("discriminatorWeight", discriminatorWeight);
        if (preNorm != null && !preNorm && !preset.isEncoder()) {
            throw new SpecException("preNorm", "preNorm: post-LN is for encoders; GPT-2 decoders are pre-LN");
        }
        inDomain = inDomain == null ? List.of() : List.copyOf(inDomain);
        SpecException.positive("inDomainRepeat", inDomainRepeat);
        if (preset.isEncoder() != (objective == PretrainingData.Objective.MLM)) {
            throw new SpecException("objective", "objective " + objective.name().toLowerCase(Locale.ROOT)
                    + " does not fit " + arch + ": use mlm with bert-* presets and clm with gpt-* presets");
        }
        corpus = dev.graft.data.Corpora.require(corpus);
        if (layout == null) {
            layout = CorpusReader.Layout.LINES;
        }
        run.requireLength();
        optimizer.checkAgainst(run);
        SpecException.positive("batchSize", batchSize);
        SpecException.positive("accumulate", accumulate);
        requireSeqLen(seqLen, PretrainingData.MIN_SEQUENCE_LENGTH);
        if (!(maskProbability > 0 && maskProbability < 1)) {
            throw new SpecException("maskProbability", "maskProbability must be in (0, 1), got " + maskProbability);
        }
    }

    /** Fails unless {@code seqLen} holds the special tokens and a few words ({@code min} tokens). */
    public static void requireSeqLen(int seqLen, int min) {
        requireSeqLen("seqLen", seqLen, min);
    }

    /** {@link #requireSeqLen(int, int)} for a sequence length a spec names {@code field} (a nested one's path). */
    public static void requireSeqLen(String field, int seqLen, int min) {
        if (seqLen < min) {
            throw new SpecException(field, field + " must be at least " + min + " (room for the special tokens and "
                    + "a few words), got " + seqLen);
        }
    }

    /**
     * Whether batches are grouped by length: {@link #groupByLength} when given; else, in a run that resumes,
     * what it started with ({@code recorded}, null when its run.json predates the setting: off), and in a new
     * run, on when every sentence is its own example.
     */
    public boolean groupsByLength(Boolean recorded, boolean resuming) {
        if (groupByLength != null) {
            return groupByLength;
        }
        if (resuming) {
            return recorded != null && recorded;
        }
        return sentences;
    }

    /** Where the run writes. */
    public Path out() {
        return run.out();
    }

    /** The preset with this spec's overrides, for a vocabulary, a number of positions and a padding id. */
    public ModelConfig modelConfig(int vocab, int positions, int padId) {
        if (AUTO_ARCH.equals(arch)) {
            throw new IllegalStateException("arch auto has no shape until the speed probe: use ArchAuto.choose");
        }
        ModelConfig p = model.applyTo(Presets.get(arch));
        return new ModelConfig(p.architecture(), vocab, p.hiddenSize(), p.numberOfLayers(), p.numberOfHeads(),
                p.intermediateSize(), Math.max(positions, p.maxPositions()), p.typeVocabSize(), p.layerNormEps(),
                p.hiddenDropout(), p.attentionDropout(), p.gelu(), p.initializerRange(), p.isEncoder() ? padId : -1,
                preNorm != null ? preNorm : p.preNorm(), !noBias);
    }

    /**
     * A spec holding every default (the preset {@link #DEFAULT_ARCH}, one step on a placeholder corpus
     * into a placeholder folder): where {@code graft pretrain} reads its options' defaults.
     */
    public static PretrainSpec defaults() {
        return builder(DEFAULT_ARCH, List.of("corpus"), Path.of("out")).run(r -> r.withSteps(1)).build();
    }

    /** A builder with {@code graft pretrain}'s defaults. */
    public static Builder builder(String arch, List<String> corpus, Path out) {
        return new Builder(arch, corpus, out);
    }

    /** This spec as a builder, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder(arch, corpus, run.out());
        b.preNorm = preNorm;
        b.noBias = noBias;
        b.objective = objective;
        b.electra = electra;
        b.generatorSize = generatorSize;
        b.embeddingSize = embeddingSize;
        b.discriminatorWeight = discriminatorWeight;
        b.sentences = sentences;
        b.groupByLength = groupByLength;
        b.inDomain = inDomain;
        b.inDomainRepeat = inDomainRepeat;
        b.initEmbeddings = initEmbeddings;
        b.tokenizer = tokenizer;
        b.accumulate = accumulate;
        b.maskProbability = maskProbability;
        b.wholeWordMask = wholeWordMask;
        b.skipNonFinite = skipNonFinite;
        return b.layout(layout).batchSize(batchSize).seqLen(seqLen).model(model).optimizer(optimizer)
                .monitoring(monitoring).run(run);
    }

    /**
     * A named set of pretraining settings ({@code graft pretrain --recipe}, an experiment's
     * {@code pretrain_recipe}). {@link #DEFAULT} is graft's own (BERT's post-LN with biases and dropout 0.1,
     * 15% masking, peak rate 5e-4, clip 1, documents packed into 128 tokens); {@link #CRAMMING} is the
     * compute-efficient recipe of Geiping and Goldstein (2022) as docs/FINETUNING.md measured it: pre-LN,
     * bias-free linears, no dropout, 25% masking, peak rate 1e-3, clip 0.5, every line its own example of at
     * most 64 tokens (AdamW's betas 0.9/0.98, the 6% warm-up and the linear decay to zero at the last update
     * are the default's too).
     */
    public enum Recipe implements dev.graft.Named {
        DEFAULT,
        CRAMMING;

        /**
         * The settings a recipe sets, by their spec names; {@link #applyTo} leaves alone those its caller
         * keeps (the flags a user gave).
         */
        public static final List<String> SETTINGS = List.of("preNorm", "noBias", "model.dropout", "maskProbability",
                "optimizer.learningRate", "optimizer.clip", "sentences", "seqLen");

        public static Recipe parse(String s) {
            return dev.graft.Named.parse(Recipe.class, "recipe", s);
        }

        /**
         * Sets this recipe's values on {@code b}, but for the settings in {@link #SETTINGS} that {@code kept}
         * says to keep as they are; {@link #DEFAULT} changes nothing (the builder starts from it).
         */
        public Builder applyTo(Builder b, java.util.function.Predicate<String> kept) {
            if (this == DEFAULT) {
                return b;
            }
            if (!kept.test("preNorm")) {
                b.preNorm(true);
            }
            if (!kept.test("noBias")) {
                b.noBias(true);
            }
            if (!kept.test("model.dropout")) {
                b.model(m -> m.withDropout(0f));
            }
            if (!kept.test("maskProbability")) {
                b.maskProbability(0.25);
            }
            if (!kept.test("optimizer.learningRate")) {
                b.optimizer(o -> o.withLearningRate(1e-3f));
            }
            if (!kept.test("optimizer.clip")) {
                b.optimizer(o -> o.withClip(0.5));
            }
            if (!kept.test("sentences")) {
                b.sentences(true).layout(CorpusReader.Layout.LINES);
            }
            if (!kept.test("seqLen")) {
                b.seqLen(64);
            }
            return b;
        }
    }

    /** Builds a {@link PretrainSpec}; every setter returns this builder. */
    public static final class Builder extends CorpusSpecBuilder<Builder> {
        private String arch;
        private Boolean preNorm;
        private boolean noBias;
        private PretrainingData.Objective objective;
        private boolean electra;
        private double generatorSize = 0.25;
        private int embeddingSize;
        private double discriminatorWeight = 50;
        private boolean sentences;
        private Boolean groupByLength;
        private List<Path> inDomain = List.of();
        private int inDomainRepeat = 1;
        private Path initEmbeddings;
        private TokenizerSpec tokenizer = TokenizerSpec.DEFAULT;
        private int accumulate = 1;
        private double maskProbability = 0.15;
        private boolean wholeWordMask;
        private boolean skipNonFinite;

        private Builder(String arch, List<String> corpus, Path out) {
            super(corpus, DEFAULT_OPTIMIZER, DEFAULT_MONITORING, RunOptions.defaults(out));
            this.arch = arch;
        }

        public Builder arch(String v) { arch = v; return this; }
        public Builder preNorm(Boolean v) { preNorm = v; return this; }
        public Builder noBias(boolean v) { noBias = v; return this; }
        public Builder objective(PretrainingData.Objective v) { objective = v; return this; }
        public Builder electra(boolean v) { electra = v; return this; }
        public Builder generatorSize(double v) { generatorSize = v; return this; }
        public Builder embeddingSize(int v) { embeddingSize = v; return this; }
        public Builder discriminatorWeight(double v) { discriminatorWeight = v; return this; }
        public Builder sentences(boolean v) { sentences = v; return this; }
        public Builder groupByLength(Boolean v) { groupByLength = v; return this; }
        public Builder inDomain(List<Path> v) { inDomain = v; return this; }
        public Builder inDomainRepeat(int v) { inDomainRepeat = v; return this; }
        public Builder initEmbeddings(Path v) { initEmbeddings = v; return this; }
        public Builder tokenizer(TokenizerSpec v) { tokenizer = v; return this; }
        public Builder tokenizer(UnaryOperator<TokenizerSpec> change) {
            tokenizer = change.apply(tokenizer);
            return this;
        }
        public Builder accumulate(int v) { accumulate = v; return this; }
        public Builder maskProbability(double v) { maskProbability = v; return this; }
        public Builder wholeWordMask(boolean v) { wholeWordMask = v; return this; }
        public Builder skipNonFinite(boolean v) { skipNonFinite = v; return this; }

        public PretrainSpec build() {
            return new PretrainSpec(arch, model, preNorm, noBias, objective, electra, generatorSize, embeddingSize,
                    discriminatorWeight, corpus, layout, sentences, groupByLength, inDomain, inDomainRepeat,
                    initEmbeddings, tokenizer, batchSize, accumulate, seqLen, maskProbability, wholeWordMask, optimizer,
                    monitoring, run, skipNonFinite);
        }
    }
}
