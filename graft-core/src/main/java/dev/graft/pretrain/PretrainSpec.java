package dev.graft.pretrain;

import dev.graft.data.CorpusReader;
import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import dev.graft.task.PretrainingData;
import dev.graft.train.Schedule;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Everything one pretraining run needs ({@code graft pretrain}, or a strategy of {@code graft
 * experiment}); immutable and validated here. Build with {@link #builder}.
 *
 * @param arch            model preset (bert-mini, gpt-mini, ...)
 * @param layers          override of the preset's number of blocks, or null
 * @param hidden          override of the hidden size, or null
 * @param heads           override of the number of heads, or null
 * @param ffn             override of the feed-forward size (default 4 x an overridden hidden size), or null
 * @param dropout         override of hidden and attention dropout, or null
 * @param objective       MLM or CLM; null for the preset's (mlm for encoders, clm for decoders)
 * @param corpus          dataset names ({@code graft data list}) or text files
 * @param layout          how corpus files are read
 * @param tokenizer       a tokenizer.json (or folder holding one) to use, or null to train one on the corpus
 * @param tokenizerType   "bpe" or "wordpiece" for a trained tokenizer; null for wordpiece with MLM, bpe with CLM
 * @param vocabSize       vocabulary of a trained tokenizer
 * @param cased           keep case in a trained WordPiece tokenizer
 * @param out             run folder
 * @param steps           stop after this many updates (0: no limit)
 * @param epochs          stop after this many passes (0: no limit)
 * @param maxTime         wall-clock budget the schedule is fitted to, or null
 * @param batchSize       sequences per update
 * @param accumulate      micro-batches per update
 * @param seqLen          tokens per sequence
 * @param lr              peak learning rate
 * @param warmup          warm-up fraction
 * @param schedule        "linear", "cosine" or "constant"
 * @param weightDecay     AdamW weight decay
 * @param clip            gradient-norm clip, 0 for none
 * @param maskProbability MLM selection probability
 * @param wholeWordMask   mask all sub-words of a selected word
 * @param logEvery        steps between log lines
 * @param evalEvery       steps between validation passes
 * @param checkpointEvery steps between checkpoints
 * @param keep            checkpoints kept
 * @param validationSequences held-out sequences evaluated
 * @param threads         compute threads
 * @param seed            seeds the model, the masks, the batch order and the validation carve
 * @param resume          continue the run in {@code out} from its newest checkpoint
 * @param overwrite       delete a non-empty {@code out} first
 * @param skipNonFinite   skip updates whose loss is not finite instead of stopping
 * @param electra         ELECTRA replaced-token detection ({@code --objective electra}) on MLM-masked sequences
 * @param generatorSize   ELECTRA: the generator's width as a fraction of the discriminator's
 * @param discriminatorWeight ELECTRA: λ, the discriminator loss's weight
 * @param preNorm         pre-LN encoder blocks with a final LayerNorm ({@code --norm pre}); null for the preset's
 * @param noBias          bias-free linears in attention and the feed-forward ({@code --no-bias})
 * @param beta1           AdamW β1
 * @param beta2           AdamW β2
 * @param sentences       every sentence (line) is its own example, never packed with its neighbours
 * @param inDomain        text files (one document per line) mixed into the corpus, or empty
 * @param inDomainRepeat  how many times the in-domain text is repeated in the corpus
 */
public record PretrainSpec(
        String arch, Integer layers, Integer hidden, Integer heads, Integer ffn, Float dropout,
        PretrainingData.Objective objective, List<String> corpus, CorpusReader.Layout layout,
        Path tokenizer, String tokenizerType, int vocabSize, boolean cased, Path out,
        long steps, double epochs, Duration maxTime, int batchSize, int accumulate, int seqLen, float lr,
        double warmup, String schedule, float weightDecay, double clip, double maskProbability,
        boolean wholeWordMask, int logEvery, int evalEvery, int checkpointEvery, int keep,
        int validationSequences, int threads, long seed, boolean resume, boolean overwrite,
        boolean skipNonFinite, boolean electra, double generatorSize, double discriminatorWeight, Boolean preNorm,
        boolean noBias, float beta1, float beta2, boolean sentences, List<Path> inDomain, int inDomainRepeat) {

    /** The preset when none is named ({@code graft pretrain} and {@code dev.graft.Graft}). */
    public static final String DEFAULT_ARCH = "bert-mini";

    /** {@code --arch auto}: an encoder sized to the time budget ({@link ArchAuto}). */
    public static final String AUTO_ARCH = "auto";

    public PretrainSpec {
        if (arch == null || arch.isBlank()) {
            throw new IllegalArgumentException("a model preset is required (--arch bert-mini, gpt-mini, ..., auto)");
        }
        if (AUTO_ARCH.equalsIgnoreCase(arch)) {
            arch = AUTO_ARCH;
            if (maxTime == null) {
                throw new IllegalArgumentException("--arch auto sizes the model to the time budget: give --max-time");
            }
            if (layers != null || hidden != null || heads != null || ffn != null) {
                throw new IllegalArgumentException("--arch auto chooses --layers, --hidden-size, --heads and --ffn-size itself: "
                        + "drop them, or name a preset");
            }
        }
        ModelConfig preset = Presets.get(AUTO_ARCH.equals(arch) ? DEFAULT_ARCH : arch);
        if (objective == null) {
            objective = preset.isEncoder() ? PretrainingData.Objective.MLM : PretrainingData.Objective.CLM;
        }
        if (electra && (!preset.isEncoder() || objective != PretrainingData.Objective.MLM)) {
            throw new IllegalArgumentException("--objective electra trains an encoder: use it with bert-* presets");
        }
        if (!(generatorSize > 0 && generatorSize <= 1)) {
            throw new IllegalArgumentException("--generator-size is a fraction of the discriminator's width in (0, 1], "
                    + "got " + generatorSize);
        }
        if (!(discriminatorWeight > 0)) {
            throw new IllegalArgumentException("--discriminator-weight must be > 0, got " + discriminatorWeight);
        }
        if (preNorm != null && !preNorm && !preset.isEncoder()) {
            throw new IllegalArgumentException("--norm post is for encoders: GPT-2 decoders are pre-LN");
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("--beta1 and --beta2 must be in [0, 1), got " + beta1 + " and " + beta2);
        }
        inDomain = inDomain == null ? List.of() : List.copyOf(inDomain);
        if (inDomainRepeat < 1) {
            throw new IllegalArgumentException("--in-domain-repeat must be >= 1, got " + inDomainRepeat);
        }
        if (preset.isEncoder() != (objective == PretrainingData.Objective.MLM)) {
            throw new IllegalArgumentException("--objective " + objective.name().toLowerCase(Locale.ROOT)
                    + " does not fit " + arch + ": use mlm with bert-* presets and clm with gpt-* presets");
        }
        if (corpus == null || corpus.isEmpty()) {
            throw new IllegalArgumentException("a corpus is required (--corpus NAME|FILE...)");
        }
        corpus = List.copyOf(corpus);
        if (layout == null) {
            layout = CorpusReader.Layout.LINES;
        }
        if (tokenizerType != null && !List.of("bpe", "wordpiece").contains(tokenizerType.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("unknown --train-tokenizer '" + tokenizerType + "': use bpe or wordpiece");
        }
        if (out == null) {
            throw new IllegalArgumentException("an output folder is required (--out DIR)");
        }
        if (steps < 0 || !(epochs >= 0)) {
            throw new IllegalArgumentException("--steps and --epochs must be >= 0");
        }
        if (steps == 0 && epochs == 0 && maxTime == null) {
            throw new IllegalArgumentException("give a length: --steps N, --epochs E or --max-time 20m");
        }
        if (maxTime != null && (maxTime.isNegative() || maxTime.isZero())) {
            throw new IllegalArgumentException("--max-time must be more than 0, got "
                    + dev.graft.train.Progress.format(maxTime) + ": give a budget such as --max-time 20m");
        }
        positive("--batch-size", batchSize);
        positive("--accumulate", accumulate);
        positive("--seq-len", seqLen);
        positive("--vocab-size", vocabSize);
        positive("--threads", threads);
        positive("--log-every", logEvery);
        positive("--keep-checkpoints", keep);
        if (seqLen < PretrainingData.MIN_SEQUENCE_LENGTH) {
            throw new IllegalArgumentException("--seq-len must be at least " + PretrainingData.MIN_SEQUENCE_LENGTH
                    + " (room for the special tokens and a few words), got " + seqLen);
        }
        if (evalEvery < 0 || checkpointEvery < 0 || validationSequences < 0) {
            throw new IllegalArgumentException("--eval-every, --checkpoint-every and --validation-sequences must be "
                    + ">= 0 (0: only at the end), got " + evalEvery + ", " + checkpointEvery + ", "
                    + validationSequences);
        }
        if (!(clip >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("--clip and --weight-decay must be >= 0, got " + clip + " and "
                    + weightDecay);
        }
        if (!(warmup >= 0 && warmup < 1)) {
            throw new IllegalArgumentException("--warmup is a fraction of the run in [0, 1), got " + warmup);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        }
        schedule = schedule == null ? "linear" : schedule.toLowerCase(Locale.ROOT);
        if (parseSchedule(schedule, warmup) instanceof Schedule.TimeDecay && maxTime == null) {
            throw new IllegalArgumentException("--schedule " + schedule + " decays to 0 at the time budget: give "
                    + "--max-time");
        }
        if (!(maskProbability > 0 && maskProbability < 1)) {
            throw new IllegalArgumentException("--mask-prob must be in (0, 1), got " + maskProbability);
        }
        if (resume && overwrite) {
            throw new IllegalArgumentException("--resume and --overwrite contradict each other: choose one");
        }
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
    }

    /** The learning-rate schedule named {@code name} with warm-up fraction {@code warmup}. */
    static Schedule parseSchedule(String name, double warmup) {
        return switch (name) {
            case "constant" -> new Schedule.Constant(warmup);
            case "linear" -> new Schedule.WarmupLinear(warmup);
            case "cosine" -> new Schedule.WarmupCosine(warmup);
            case "linear-time" -> new Schedule.TimeDecay(warmup, false);
            case "cosine-time" -> new Schedule.TimeDecay(warmup, true);
            default -> throw new IllegalArgumentException("unknown --schedule '" + name
                    + "': use linear, cosine, constant, linear-time or cosine-time");
        };
    }

    /** This run's schedule. */
    public Schedule learningRateSchedule() {
        return parseSchedule(schedule, warmup);
    }

    /** The preset with this spec's overrides, for a vocabulary, a number of positions and a padding id. */
    public ModelConfig modelConfig(int vocab, int positions, int padId) {
        if (AUTO_ARCH.equals(arch)) {
            throw new IllegalStateException("--arch auto has no shape until the speed probe: use ArchAuto.choose");
        }
        ModelConfig p = Presets.get(arch);
        int h = hidden != null ? hidden : p.hiddenSize();
        int f = ffn != null ? ffn : (hidden != null ? 4 * h : p.intermediateSize());
        float d = dropout != null ? dropout : p.hiddenDropout();
        float ad = dropout != null ? dropout : p.attentionDropout();
        return new ModelConfig(p.architecture(), vocab, h, layers != null ? layers : p.numberOfLayers(),
                heads != null ? heads : p.numberOfHeads(), f, Math.max(positions, p.maxPositions()),
                p.typeVocabSize(), p.layerNormEps(), d, ad, p.gelu(), p.initializerRange(),
                p.isEncoder() ? padId : -1, preNorm != null ? preNorm : p.preNorm(), !noBias);
    }

    /**
     * A spec holding every default (the preset {@link #DEFAULT_ARCH}, one step on a placeholder corpus
     * into a placeholder folder): where {@code graft pretrain} reads its options' defaults.
     */
    public static PretrainSpec defaults() {
        return builder(DEFAULT_ARCH, List.of("corpus"), Path.of("out")).steps(1).build();
    }

    /** A builder with {@code graft pretrain}'s defaults. */
    public static Builder builder(String arch, List<String> corpus, Path out) {
        return new Builder(arch, corpus, out);
    }

    /** This spec as a builder, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder(arch, corpus, out);
        b.layers = layers;
        b.hidden = hidden;
        b.heads = heads;
        b.ffn = ffn;
        b.dropout = dropout;
        b.objective = objective;
        b.layout = layout;
        b.tokenizer = tokenizer;
        b.tokenizerType = tokenizerType;
        b.vocabSize = vocabSize;
        b.cased = cased;
        b.steps = steps;
        b.epochs = epochs;
        b.maxTime = maxTime;
        b.batchSize = batchSize;
        b.accumulate = accumulate;
        b.seqLen = seqLen;
        b.lr = lr;
        b.warmup = warmup;
        b.schedule = schedule;
        b.weightDecay = weightDecay;
        b.clip = clip;
        b.maskProbability = maskProbability;
        b.wholeWordMask = wholeWordMask;
        b.logEvery = logEvery;
        b.evalEvery = evalEvery;
        b.checkpointEvery = checkpointEvery;
        b.keep = keep;
        b.validationSequences = validationSequences;
        b.threads = threads;
        b.seed = seed;
        b.resume = resume;
        b.overwrite = overwrite;
        b.skipNonFinite = skipNonFinite;
        b.electra = electra;
        b.generatorSize = generatorSize;
        b.discriminatorWeight = discriminatorWeight;
        b.preNorm = preNorm;
        b.noBias = noBias;
        b.beta1 = beta1;
        b.beta2 = beta2;
        b.sentences = sentences;
        b.inDomain = inDomain;
        b.inDomainRepeat = inDomainRepeat;
        return b;
    }

    /** Builds a {@link PretrainSpec}; every setter returns this builder. */
    public static final class Builder {
        private String arch;
        private List<String> corpus;
        private Path out;
        private Integer layers;
        private Integer hidden;
        private Integer heads;
        private Integer ffn;
        private Float dropout;
        private PretrainingData.Objective objective;
        private CorpusReader.Layout layout = CorpusReader.Layout.LINES;
        private Path tokenizer;
        private String tokenizerType;
        private int vocabSize = 8192;
        private boolean cased;
        private long steps;
        private double epochs;
        private Duration maxTime;
        private int batchSize = 32;
        private int accumulate = 1;
        private int seqLen = 128;
        private float lr = 5e-4f;
        private double warmup = 0.06;
        private String schedule = "linear";
        private float weightDecay = 0.01f;
        private double clip = 1.0;
        private double maskProbability = 0.15;
        private boolean wholeWordMask;
        private int logEvery = 20;
        private int evalEvery = 200;
        private int checkpointEvery = 500;
        private int keep = 2;
        private int validationSequences = 256;
        private int threads = Runtime.getRuntime().availableProcessors();
        private long seed = 42;
        private boolean resume;
        private boolean overwrite;
        private boolean skipNonFinite;
        private boolean electra;
        private double generatorSize = 0.25;
        private double discriminatorWeight = 50;
        private Boolean preNorm;
        private boolean noBias;
        private float beta1 = 0.9f;
        private float beta2 = 0.98f;
        private boolean sentences;
        private List<Path> inDomain = List.of();
        private int inDomainRepeat = 1;

        private Builder(String arch, List<String> corpus, Path out) {
            this.arch = arch;
            this.corpus = corpus;
            this.out = out;
        }

        public Builder arch(String v) { arch = v; return this; }
        public Builder corpus(List<String> v) { corpus = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder layers(Integer v) { layers = v; return this; }
        public Builder hidden(Integer v) { hidden = v; return this; }
        public Builder heads(Integer v) { heads = v; return this; }
        public Builder ffn(Integer v) { ffn = v; return this; }
        public Builder dropout(Float v) { dropout = v; return this; }
        public Builder objective(PretrainingData.Objective v) { objective = v; return this; }
        public Builder layout(CorpusReader.Layout v) { layout = v; return this; }
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        public Builder tokenizerType(String v) { tokenizerType = v; return this; }
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder cased(boolean v) { cased = v; return this; }
        public Builder steps(long v) { steps = v; return this; }
        public Builder epochs(double v) { epochs = v; return this; }
        public Builder maxTime(Duration v) { maxTime = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder accumulate(int v) { accumulate = v; return this; }
        public Builder seqLen(int v) { seqLen = v; return this; }
        public Builder lr(float v) { lr = v; return this; }
        public Builder warmup(double v) { warmup = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder weightDecay(float v) { weightDecay = v; return this; }
        public Builder clip(double v) { clip = v; return this; }
        public Builder maskProbability(double v) { maskProbability = v; return this; }
        public Builder wholeWordMask(boolean v) { wholeWordMask = v; return this; }
        public Builder logEvery(int v) { logEvery = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder keep(int v) { keep = v; return this; }
        public Builder validationSequences(int v) { validationSequences = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder overwrite(boolean v) { overwrite = v; return this; }
        public Builder skipNonFinite(boolean v) { skipNonFinite = v; return this; }
        public Builder electra(boolean v) { electra = v; return this; }
        public Builder generatorSize(double v) { generatorSize = v; return this; }
        public Builder discriminatorWeight(double v) { discriminatorWeight = v; return this; }
        public Builder preNorm(Boolean v) { preNorm = v; return this; }
        public Builder noBias(boolean v) { noBias = v; return this; }
        public Builder beta1(float v) { beta1 = v; return this; }
        public Builder beta2(float v) { beta2 = v; return this; }
        public Builder sentences(boolean v) { sentences = v; return this; }
        public Builder inDomain(List<Path> v) { inDomain = v; return this; }
        public Builder inDomainRepeat(int v) { inDomainRepeat = v; return this; }

        public PretrainSpec build() {
            return new PretrainSpec(arch, layers, hidden, heads, ffn, dropout, objective, corpus, layout, tokenizer,
                    tokenizerType, vocabSize, cased, out, steps, epochs, maxTime, batchSize, accumulate, seqLen, lr,
                    warmup, schedule, weightDecay, clip, maskProbability, wholeWordMask, logEvery, evalEvery,
                    checkpointEvery, keep, validationSequences, threads, seed, resume, overwrite, skipNonFinite, electra,
                    generatorSize, discriminatorWeight, preNorm, noBias, beta1, beta2, sentences, inDomain,
                    inDomainRepeat);
        }
    }
}
