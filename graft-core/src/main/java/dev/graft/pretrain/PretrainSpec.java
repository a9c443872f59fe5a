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
 */
public record PretrainSpec(
        String arch, Integer layers, Integer hidden, Integer heads, Integer ffn, Float dropout,
        PretrainingData.Objective objective, List<String> corpus, CorpusReader.Layout layout,
        Path tokenizer, String tokenizerType, int vocabSize, boolean cased, Path out,
        long steps, double epochs, Duration maxTime, int batchSize, int accumulate, int seqLen, float lr,
        double warmup, String schedule, float weightDecay, double clip, double maskProbability,
        boolean wholeWordMask, int logEvery, int evalEvery, int checkpointEvery, int keep,
        int validationSequences, int threads, long seed, boolean resume, boolean overwrite,
        boolean skipNonFinite) {

    /** The preset when none is named ({@code graft pretrain} and {@code dev.graft.Graft}). */
    public static final String DEFAULT_ARCH = "bert-mini";

    public PretrainSpec {
        if (arch == null || arch.isBlank()) {
            throw new IllegalArgumentException("a model preset is required (--arch bert-mini, gpt-mini, ...)");
        }
        ModelConfig preset = Presets.get(arch);
        if (objective == null) {
            objective = preset.isEncoder() ? PretrainingData.Objective.MLM : PretrainingData.Objective.CLM;
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
        parseSchedule(schedule, warmup);
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
            default -> throw new IllegalArgumentException("unknown --schedule '" + name
                    + "': use linear, cosine or constant");
        };
    }

    /** This run's schedule. */
    public Schedule learningRateSchedule() {
        return parseSchedule(schedule, warmup);
    }

    /** The preset with this spec's overrides, for a vocabulary, a number of positions and a padding id. */
    public ModelConfig modelConfig(int vocab, int positions, int padId) {
        ModelConfig p = Presets.get(arch);
        int h = hidden != null ? hidden : p.hiddenSize();
        int f = ffn != null ? ffn : (hidden != null ? 4 * h : p.intermediateSize());
        float d = dropout != null ? dropout : p.hiddenDropout();
        float ad = dropout != null ? dropout : p.attentionDropout();
        return new ModelConfig(p.architecture(), vocab, h, layers != null ? layers : p.numberOfLayers(),
                heads != null ? heads : p.numberOfHeads(), f, Math.max(positions, p.maxPositions()),
                p.typeVocabSize(), p.layerNormEps(), d, ad, p.gelu(), p.initializerRange(),
                p.isEncoder() ? padId : -1);
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

        public PretrainSpec build() {
            return new PretrainSpec(arch, layers, hidden, heads, ffn, dropout, objective, corpus, layout, tokenizer,
                    tokenizerType, vocabSize, cased, out, steps, epochs, maxTime, batchSize, accumulate, seqLen, lr,
                    warmup, schedule, weightDecay, clip, maskProbability, wholeWordMask, logEvery, evalEvery,
                    checkpointEvery, keep, validationSequences, threads, seed, resume, overwrite, skipNonFinite);
        }
    }
}
