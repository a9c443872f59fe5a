package dev.graft.finetune;

import dev.graft.Named;
import dev.graft.SpecException;
import dev.graft.model.HeadConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Pooling;
import dev.graft.task.Heads;
import dev.graft.task.PretrainingData;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.OptimizingSpecBuilder;
import dev.graft.train.RunOptions;
import dev.graft.train.ScheduleKind;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Everything one fine-tuning run needs; immutable, validated here, errors naming the spec's fields
 * ({@code optimizer.learningRate}, {@code run.epochs}, ...). Build with {@link #builder}. The optimizer's rate
 * and schedule default to the recipe's ({@link Recipe#optimizer}) and are
 * resolved when the spec is built, so the run config records what was actually used; the other defaults that
 * depend on the recipe (discriminative rates, unfreezing) are resolved by the {@code effective*} methods.
 *
 * @param task              classify, tag, multilabel or pair
 * @param from              a checkpoint folder to start from, or null with {@code arch} (from scratch)
 * @param arch              a preset for from-scratch training, or null with {@code from}
 * @param tokenizer         tokenizer.json file or folder for from-scratch training (e.g. a pretrain run's)
 * @param initEmbeddings    from scratch only: static vectors over that tokenizer that initialize the token
 *                          embeddings ({@link dev.graft.vectors.EmbeddingInit}), or null for a random table
 * @param train             training data: file or dataset name ({@code sentiment-uci}, {@code brown-pos:train})
 * @param dev               dev data, or null to carve {@code devFraction} of the training set
 * @param test              test data, or null (a dataset named as train then gives its test split)
 * @param recipe            full fine-tuning, the ULMFiT recipe or SetFit
 * @param optimizer         AdamW and the schedule (the rate is the head's with discriminative rates; the
 *                          warm-up fraction applies to linear, constant and cosine); no time-based schedule
 * @param discriminative    factor between the rates of adjacent layer groups (1 = none); NaN for the recipe's
 * @param gradualUnfreeze   null for the recipe's default (ULMFiT: on)
 * @param maxTrain          a stratified sub-sample of this many training examples (0: all), before the dev carve
 * @param pooling           null for the default: concat with the ULMFiT recipe and for decoders; for encoders cls
 *                          when the checkpoint has a trained pooler, else mean
 * @param balancedClassWeights weight class c by n / (K·n_c) in the loss
 * @param batchSize         examples (classification) or sentences (tagging) per update; 0 for 16 / 32
 * @param patience          evaluations without dev improvement before stopping; 0 never stops early
 * @param evalsPerEpoch     dev evaluations per epoch
 * @param devFraction       share of the training set carved as dev when no dev set is given
 * @param maxLength         tokens per input, specials included; 0 for the model's maximum
 * @param dropout           hidden and attention dropout override, or null
 * @param multitaskCorpus   LM corpus (files, datasets) for multitask training, empty for none
 * @param lmWeight          λ of multitask training (task loss + λ·LM loss)
 * @param mix               LM batches per task batch in multitask training
 * @param lmSequenceLength  tokens per LM sequence in multitask training (sentences packed up to it, as
 *                          {@code graft pretrain} packs them), at most the model's positions
 * @param lmValidation      multitask training reports the held-out LM loss at each evaluation ({@code lm_val_loss});
 *                          cross-validation's fold runs leave it out (it chooses nothing, and at 50 labels it
 *                          cost a third of a fold run)
 * @param keepTrainingState keep the trainer's checkpoint-* folders (resumable) instead of deleting them
 * @param skipBad           skip bad records of data files (counted) instead of stopping
 * @param freezeBackbone    train the head only: every layer group below the head keeps its pretrained weights
 * @param freezeEmbeddings  keep the token embedding table as it starts (pretrained, or from static vectors with
 *                          {@code initEmbeddings}); position and type embeddings and everything above train
 * @param folds             k of the k-fold cross-validation that chooses the learning rate and the length of
 *                          training inside the labeled set ({@link CrossValidation}); 0 for none (a dev set,
 *                          given or carved, with early stopping)
 * @param learningRates     the candidate rates cross-validation chooses from; empty for the optimizer's rate
 *                          alone (cross-validation then chooses only the length)
 * @param stopAfterEpochs   end the run after this many epochs of the schedule planned for {@code run.epochs} (the
 *                          length cross-validation chose); NaN for none
 * @param checkpointEvery   updates between resumable checkpoints; 0 for one per epoch; -1 for none before the
 *                          end (a run that will not be resumed: the experiment's cells)
 * @param run               the output folder (new or empty, unless {@code run.overwrite}); {@code run.epochs},
 *                          passes over the training data (early stopping may end sooner), 0 for
 *                          {@link #autoEpochs}; {@code run.maxTime}; threads; the seed of the sub-sample, the dev
 *                          carve, the head, dropout and the batch order; {@code run.resume}: continue the run in
 *                          the folder from its newest checkpoint (cross-validation: skip the fold runs already
 *                          finished, continue the one in progress). Fine-tuning has no {@code run.steps}.
 */
public record FineTuneSpec(
        HeadConfig.Task task,
        Path from,
        String arch,
        Path tokenizer,
        Path initEmbeddings,
        String train,
        String dev,
        String test,
        Recipe recipe,
        OptimizerSpec optimizer,
        double discriminative,
        Boolean gradualUnfreeze,
        int maxTrain,
        Pooling pooling,
        boolean balancedClassWeights,
        int batchSize,
        int patience,
        int evalsPerEpoch,
        double devFraction,
        int maxLength,
        Float dropout,
        List<String> multitaskCorpus,
        float lmWeight,
        double mix,
        int lmSequenceLength,
        boolean lmValidation,
        boolean keepTrainingState,
        boolean skipBad,
        boolean freezeBackbone,
        boolean freezeEmbeddings,
        int folds,
        List<Float> learningRates,
        double stopAfterEpochs,
        int checkpointEvery,
        RunOptions run) {

    /** Default peak rate of full fine-tuning (small BERTs, Turc et al. 2019, searched 1e-4, 5e-5, 3e-5). */
    public static final float DEFAULT_LR = 1e-4f;
    /**
     * Default peak rate of the ULMFiT recipe, the head's: with a factor of 2.6 over 6 groups the
     * embeddings get 1/119 of it, and at 1e-4 a bert-mini's lower layers hardly moved (sentiment-uci,
     * 200 labels, 3 seeds: 0.499 test accuracy at 1e-4, 0.587 at 1e-3; docs/FINETUNING.md).
     */
    public static final float ULMFIT_LR = 1e-3f;
    /** ULMFiT's factor between layer groups. */
    public static final double ULMFIT_FACTOR = 2.6;

    /**
     * The optimizer of a fine-tuning run unless changed: BERT's AdamW (β2 0.999), 10% warm-up; its rate and
     * schedule are replaced by the recipe's unless given ({@link Builder#learningRate}, {@link Builder#schedule}).
     */
    public static final OptimizerSpec DEFAULT_OPTIMIZER = new OptimizerSpec(DEFAULT_LR, 0.1, ScheduleKind.LINEAR,
            0.01f, 1.0, 0.9f, 0.999f);

    /** AdamW's ε in fine-tuning (BERT's; pretraining uses {@link OptimizerSpec#ADAM_EPSILON}). */
    public static final float ADAM_EPSILON = 1e-8f;

    /** The ways to fine-tune, each with the peak rate and schedule of a run that names none. */
    public enum Recipe implements Named {
        /** BERT's: every layer at one rate, warm-up then linear decay. */
        FULL(DEFAULT_OPTIMIZER),
        /** ULMFiT's: discriminative rates (2.6), slanted triangular rates, gradual unfreezing. */
        ULMFIT(DEFAULT_OPTIMIZER.withLearningRate(ULMFIT_LR).withSchedule(ScheduleKind.STLR)),
        /** SetFit's: the encoder tuned on contrastive pairs, then logistic regression ({@link SetFit}). */
        SETFIT(DEFAULT_OPTIMIZER.withLearningRate(SetFit.DEFAULT_LR));

        /** The recipe's optimizer: its rate and schedule are a run's unless the run names them. */
        public final OptimizerSpec optimizer;

        Recipe(OptimizerSpec optimizer) {
            this.optimizer = optimizer;
        }

        public static Recipe parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "full" -> FULL;
                case "ulmfit" -> ULMFIT;
                case "setfit" -> SETFIT;
                default -> throw new IllegalArgumentException("unknown recipe '" + s + "': use full, ulmfit or setfit");
            };
        }
    }

    public FineTuneSpec {
        if (task == null) {
            throw new SpecException("task", "task is required: classify, tag, multilabel or pair");
        }
        if (optimizer == null || run == null) {
            throw new IllegalArgumentException("optimizer and run are required: start from FineTuneSpec.builder");
        }
        if ((from == null) == (arch == null)) {
            throw new SpecException(List.of("from", "arch", "tokenizer"), "give either from DIR (a pretrained "
                    + "checkpoint) or arch NAME and tokenizer DIR (a new model)");
        }
        if (arch != null && tokenizer == null) {
            throw new SpecException(List.of("arch", "tokenizer"), "training from scratch (arch " + arch + ") needs "
                    + "tokenizer: a JSON file or a folder holding one (e.g. the pretraining run's, for a fair "
                    + "comparison)");
        }
        if (initEmbeddings != null && from != null) {
            throw new SpecException(List.of("initEmbeddings", "from"), "initEmbeddings initializes a new model's token "
                    + "embeddings: use it with arch and tokenizer, not with from (whose embeddings are trained)");
        }
        if (train == null || train.isBlank()) {
            throw new SpecException("train", "train is required: a data file or a dataset name");
        }
        if (run.steps() != 0) {
            throw new SpecException(RunOptions.FIELD + ".steps", "fine-tuning is measured in " + RunOptions.FIELD
                    + ".epochs (0: automatic), not " + RunOptions.FIELD + ".steps");
        }
        if (optimizer.schedule().timeBased()) {
            throw new SpecException(OptimizerSpec.FIELD + ".schedule", OptimizerSpec.FIELD + ".schedule "
                    + optimizer.schedule().id() + " is for pretraining: use linear, stlr, constant or cosine");
        }
        if (recipe == null) {
            recipe = Recipe.FULL;
        }
        if (!Double.isNaN(discriminative) && !(discriminative >= 1)) {
            throw new SpecException("discriminative", "discriminative must be >= 1 (1 = one rate for all layers), "
                    + "got " + discriminative);
        }
        SpecException.nonNegative("maxTrain", maxTrain);
        SpecException.nonNegative("batchSize", batchSize);
        SpecException.nonNegative("maxLength", maxLength);
        SpecException.nonNegative("patience", patience);
        SpecException.positive("evalsPerEpoch", evalsPerEpoch);
        if (!(devFraction >= 0 && devFraction < 1)) {
            throw new SpecException("devFraction", "devFraction must be in [0, 1) (0: no dev set, the last model is "
                    + "kept), got " + devFraction);
        }
        if (checkpointEvery < -1) {
            throw new SpecException("checkpointEvery", "checkpointEvery must be >= 0 (0: one checkpoint per epoch), "
                    + "got " + checkpointEvery);
        }
        if (folds == 1 || folds < 0) {
            throw new SpecException("folds", "folds: cross-validation needs at least 2 (0 for none), got " + folds);
        }
        learningRates = learningRates == null ? List.of() : List.copyOf(learningRates);
        for (Float r : learningRates) {
            if (!(r > 0)) {
                throw new SpecException("learningRates", "learningRates must all be > 0, got " + learningRates);
            }
        }
        if (!learningRates.isEmpty() && folds == 0) {
            throw new SpecException(List.of("learningRates", "folds"), "learningRates " + learningRates + " need "
                    + "cross-validation folds (>= 2) to choose between them");
        }
        if (!Double.isNaN(stopAfterEpochs) && !(stopAfterEpochs > 0)) {
            throw new SpecException("stopAfterEpochs", "stopAfterEpochs must be > 0 (NaN for none), got "
                    + stopAfterEpochs);
        }
        if (pooling != null && !task.pooled()) {
            throw new SpecException("pooling", "pooling applies to classification, not tagging");
        }
        multitaskCorpus = multitaskCorpus == null ? List.of() : List.copyOf(multitaskCorpus);
        SpecException.nonNegative("lmWeight", lmWeight);
        SpecException.positive("mix", mix);
        SpecException.atLeast("lmSequenceLength", lmSequenceLength, PretrainingData.MIN_SEQUENCE_LENGTH);
    }

    /**
     * A spec holding every default (classification of a placeholder training set from a placeholder checkpoint
     * into a placeholder folder): where {@code graft finetune} reads its options' defaults, so the command line
     * and the library cannot drift.
     */
    public static FineTuneSpec defaults() {
        return builder(HeadConfig.Task.CLASSIFY, "train", Path.of("out")).from(Path.of("from")).build();
    }

    public static Builder builder(HeadConfig.Task task, String train, Path out) {
        return new Builder(task, train, out);
    }

    /** This spec as a builder, its rate and schedule given (they stay when the recipe changes). */
    public Builder toBuilder() {
        Builder b = new Builder(task, train, run.out());
        b.from = from;
        b.arch = arch;
        b.tokenizer = tokenizer;
        b.initEmbeddings = initEmbeddings;
        b.dev = dev;
        b.test = test;
        b.recipe = recipe;
        b.learningRate = optimizer.learningRate();
        b.schedule = optimizer.schedule();
        b.discriminative = discriminative;
        b.gradualUnfreeze = gradualUnfreeze;
        b.maxTrain = maxTrain;
        b.pooling = pooling;
        b.balancedClassWeights = balancedClassWeights;
        b.batchSize = batchSize;
        b.patience = patience;
        b.evalsPerEpoch = evalsPerEpoch;
        b.devFraction = devFraction;
        b.maxLength = maxLength;
        b.dropout = dropout;
        b.multitaskCorpus = multitaskCorpus;
        b.lmWeight = lmWeight;
        b.mix = mix;
        b.lmSequenceLength = lmSequenceLength;
        b.lmValidation = lmValidation;
        b.keepTrainingState = keepTrainingState;
        b.skipBad = skipBad;
        b.freezeBackbone = freezeBackbone;
        b.freezeEmbeddings = freezeEmbeddings;
        b.folds = folds;
        b.learningRates = learningRates;
        b.stopAfterEpochs = stopAfterEpochs;
        b.checkpointEvery = checkpointEvery;
        return b.optimizer(o -> optimizer).run(run);
    }

    /** Tokens per LM sequence in multitask training unless the spec says otherwise. */
    public static final int DEFAULT_LM_SEQUENCE_LENGTH = 128;

    /** Updates the automatic epoch count aims at. */
    public static final int AUTO_UPDATES = 1000;

    /**
     * The epochs of {@code run.epochs = 0}: enough for about {@link #AUTO_UPDATES} updates, at least
     * {@link #minimumAutoEpochs} and at most 20 (200 labels at batch 16: 20 epochs; 2,000: 8; Brown POS: 3).
     */
    public static double autoEpochs(HeadConfig.Task task, long stepsPerEpoch) {
        return Math.max(minimumAutoEpochs(task),
                Math.min(20, Math.ceil((double) AUTO_UPDATES / Math.max(1, stepsPerEpoch))));
    }

    /**
     * The fewest automatic epochs: 2, and 3 for tagging. A tagger learns a label for every word of tens of
     * thousands of sentences, and its dev accuracy was still rising at the end of 2 epochs in every run
     * measured: from an 18-minute bert-mini base, Brown POS reached 0.9402 test token accuracy in 2 epochs
     * (below the most-frequent-tag baseline, 0.9494) and 0.9614 in 3 (docs/FINETUNING.md, "Tagging's default
     * epochs").
     */
    public static int minimumAutoEpochs(HeadConfig.Task task) {
        return task == HeadConfig.Task.TAG ? 3 : 2;
    }

    /** The epochs a run with {@code stepsPerEpoch} updates per epoch trains. */
    public double effectiveEpochs(long stepsPerEpoch) {
        return run.epochs() > 0 ? run.epochs() : autoEpochs(task, stepsPerEpoch);
    }

    public double effectiveDiscriminative() {
        return !Double.isNaN(discriminative) ? discriminative : recipe == Recipe.ULMFIT ? ULMFIT_FACTOR : 1.0;
    }

    public boolean effectiveGradualUnfreeze() {
        return gradualUnfreeze != null ? gradualUnfreeze : recipe == Recipe.ULMFIT;
    }

    public int effectiveBatchSize() {
        return batchSize > 0 ? batchSize : Heads.of(task).defaultBatchSize();
    }

    public boolean multitask() {
        return !multitaskCorpus.isEmpty();
    }

    /** Whether cross-validation inside the labeled set chooses the rate and length of training. */
    public boolean crossValidates() {
        return folds >= 2;
    }

    /** The rates cross-validation chooses from: {@code learningRates}, or the optimizer's rate alone. */
    public List<Float> rateCandidates() {
        return learningRates.isEmpty() ? List.of(optimizer.learningRate()) : learningRates;
    }

    /** A mutable builder with the defaults of {@code graft finetune}. */
    public static final class Builder extends OptimizingSpecBuilder<Builder> {
        private final HeadConfig.Task task;
        private final String train;
        private Path from;
        private String arch;
        private Path tokenizer;
        private Path initEmbeddings;
        private String dev;
        private String test;
        private Recipe recipe = Recipe.FULL;
        private Float learningRate;
        private ScheduleKind schedule;
        private double discriminative = Double.NaN;
        private Boolean gradualUnfreeze;
        private int maxTrain;
        private Pooling pooling;
        private boolean balancedClassWeights;
        private int batchSize;
        private int patience = 3;
        private int evalsPerEpoch = 1;
        private double devFraction = 0.1;
        private int maxLength;
        private Float dropout;
        private List<String> multitaskCorpus = List.of();
        private float lmWeight = 0.5f;
        private double mix = 0.5;
        private int lmSequenceLength = DEFAULT_LM_SEQUENCE_LENGTH;
        private boolean lmValidation = true;
        private boolean keepTrainingState;
        private boolean skipBad;
        private boolean freezeBackbone;
        private boolean freezeEmbeddings;
        private int folds;
        private List<Float> learningRates = List.of();
        private double stopAfterEpochs = Double.NaN;
        private int checkpointEvery;

        private Builder(HeadConfig.Task task, String train, Path out) {
            super(DEFAULT_OPTIMIZER, RunOptions.defaults(out));
            this.task = task;
            this.train = train;
        }

        public Builder from(Path v) { from = v; return this; }
        public Builder scratch(String archName, Path tokenizerPath) { arch = archName; tokenizer = tokenizerPath; return this; }
        public Builder arch(String v) { arch = v; return this; }
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        public Builder initEmbeddings(Path v) { initEmbeddings = v; return this; }
        public Builder dev(String v) { dev = v; return this; }
        public Builder test(String v) { test = v; return this; }
        public Builder recipe(Recipe v) { recipe = v; return this; }
        /** The peak rate; null (the default) for the recipe's. */
        public Builder learningRate(Float v) { learningRate = v; return this; }
        /**
         * The schedule; null (the default) for the recipe's. The optimizer's warm-up, weight decay, clip and betas:
         * {@code optimizer(o -> ...)}.
         */
        public Builder schedule(ScheduleKind v) { schedule = v; return this; }
        public Builder discriminative(double v) { discriminative = v; return this; }
        public Builder gradualUnfreeze(Boolean v) { gradualUnfreeze = v; return this; }
        public Builder maxTrain(int v) { maxTrain = v; return this; }
        public Builder pooling(Pooling v) { pooling = v; return this; }
        public Builder balancedClassWeights(boolean v) { balancedClassWeights = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder patience(int v) { patience = v; return this; }
        public Builder evalsPerEpoch(int v) { evalsPerEpoch = v; return this; }
        public Builder devFraction(double v) { devFraction = v; return this; }
        public Builder maxLength(int v) { maxLength = v; return this; }
        public Builder dropout(Float v) { dropout = v; return this; }
        public Builder multitask(List<String> corpus, float weight, double ratio) {
            multitaskCorpus = corpus; lmWeight = weight; mix = ratio; return this;
        }
        public Builder lmSequenceLength(int v) { lmSequenceLength = v; return this; }
        public Builder lmValidation(boolean v) { lmValidation = v; return this; }
        public Builder keepTrainingState(boolean v) { keepTrainingState = v; return this; }
        public Builder skipBad(boolean v) { skipBad = v; return this; }
        public Builder freezeBackbone(boolean v) { freezeBackbone = v; return this; }
        public Builder freezeEmbeddings(boolean v) { freezeEmbeddings = v; return this; }
        public Builder folds(int v) { folds = v; return this; }
        public Builder learningRates(List<Float> v) { learningRates = v; return this; }
        public Builder stopAfterEpochs(double v) { stopAfterEpochs = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }

        public FineTuneSpec build() {
            Recipe r = recipe == null ? Recipe.FULL : recipe;
            // recipe full: the head's rate (a tagger's is higher); the other recipes' rates are their own
            float rate = learningRate != null ? learningRate
                    : r == Recipe.FULL && task != null ? Heads.of(task).defaultLearningRate() : r.optimizer.learningRate();
            OptimizerSpec o = optimizer.withLearningRate(rate)
                    .withSchedule(schedule != null ? schedule : r.optimizer.schedule());
            return new FineTuneSpec(task, from, arch, tokenizer, initEmbeddings, train, dev, test, recipe, o, discriminative,
                    gradualUnfreeze, maxTrain, pooling, balancedClassWeights, batchSize, patience, evalsPerEpoch,
                    devFraction, maxLength, dropout, multitaskCorpus, lmWeight, mix, lmSequenceLength, lmValidation,
                    keepTrainingState, skipBad,
                    freezeBackbone, freezeEmbeddings, folds, learningRates, stopAfterEpochs, checkpointEvery, run);
        }
    }
}
