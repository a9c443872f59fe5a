package dev.graft.cli;

import dev.graft.data.CorpusReader;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.pretrain.Pretraining;
import dev.graft.task.PretrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft pretrain}: masked or causal LM pretraining on a corpus. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain a BERT-style (masked LM) or GPT-style (causal LM) model on unlabeled text. "
                + "The last line printed is a JSON summary.")
final class PretrainCommand implements Callable<Integer> {
    /** The defaults of every option: {@link PretrainSpec}'s, the one source the library reads too. */
    private static final PretrainSpec DEFAULTS = PretrainSpec.defaults();

    @Spec
    CommandSpec command;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    SeedOption seed = new SeedOption(DEFAULTS.seed());

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--objective", description = "mlm, clm or electra (replaced-token detection: a small generator "
            + "fills the masks, the saved encoder learns from every token) (default: mlm for bert-*, clm for gpt-*).")
    String objective;

    @Option(names = "--generator-size", description = "ELECTRA: the generator's width as a fraction of the "
            + "discriminator's, same depth (default: ${DEFAULT-VALUE}).")
    double generatorSize = DEFAULTS.generatorSize();

    @Option(names = "--discriminator-weight", description = "ELECTRA: weight of the discriminator's loss "
            + "(default: ${DEFAULT-VALUE}).")
    double discriminatorWeight = DEFAULTS.discriminatorWeight();

    @Option(names = "--norm", description = "Encoder layer norms: post (BERT) or pre (pre-LN with a final LayerNorm, "
            + "as Cramming) (default: post for bert-*; gpt-* are pre-LN).")
    String norm;

    @Option(names = "--no-bias", description = "Bias-free linears in attention and the feed-forward (Cramming).")
    boolean noBias;

    @Option(names = "--beta1", description = "AdamW beta1 (default: ${DEFAULT-VALUE}).")
    float beta1 = DEFAULTS.beta1();

    @Option(names = "--beta2", description = "AdamW beta2 (default: ${DEFAULT-VALUE}).")
    float beta2 = DEFAULTS.beta2();

    @Option(names = "--in-domain", split = ",", description = "Text files (a document per line, e.g. a task's "
            + "unlabeled training text) mixed into the corpus.")
    List<Path> inDomain = new ArrayList<>();

    @Option(names = "--in-domain-repeat", description = "How many times the --in-domain text is repeated in the "
            + "corpus (default: ${DEFAULT-VALUE}).")
    int inDomainRepeat = DEFAULTS.inDomainRepeat();

    @Option(names = "--corpus", required = true, split = ",",
            description = "Dataset names (graft data list) or text files, comma-separated or repeated.")
    List<String> corpus;

    @Option(names = "--layout", description = "How to read corpus files: lines (a document per line), paragraphs "
            + "(blank-line-separated; lines are sentences) or sentences (every line of a file or a dataset is its "
            + "own example, never packed with its neighbours; with --seq-len 64 for sentence tasks) "
            + "(default: lines).")
    String layout = "lines";

    @Option(names = "--tokenizer", description = "A tokenizer.json file or a folder holding one; without it a "
            + "tokenizer is trained on the corpus.")
    Path tokenizerPath;

    @Option(names = "--train-tokenizer", description = "bpe or wordpiece (default: wordpiece for mlm, bpe for clm).")
    String tokenizerType;

    @Option(names = "--vocab-size", description = "Vocabulary size of a trained tokenizer (default: ${DEFAULT-VALUE}).")
    int vocabSize = DEFAULTS.vocabSize();

    @Option(names = "--cased", description = "Keep case in a trained WordPiece tokenizer (default: lowercase).")
    boolean cased;

    @Option(names = "--steps", description = "Stop after this many updates.")
    long steps;

    @Option(names = "--epochs", description = "Stop after this many passes over the corpus.")
    double epochs;

    @Option(names = "--max-time", converter = Durations.class, description = "Wall-clock budget, e.g. 20m, 1h30m; "
            + "the schedule is fitted to it.")
    Duration maxTime;

    @Option(names = "--batch-size", description = "Sequences per update (default: ${DEFAULT-VALUE}).")
    int batchSize = DEFAULTS.batchSize();

    @Option(names = "--accumulate", description = "Micro-batches per update (default: ${DEFAULT-VALUE}).")
    int accumulate = DEFAULTS.accumulate();

    @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen = DEFAULTS.seqLen();

    @Option(names = "--lr", descriptionKey = "learningRate",
            description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr = DEFAULTS.lr();

    @Option(names = "--warmup", description = "Warm-up fraction of the run (default: ${DEFAULT-VALUE}).")
    double warmup = DEFAULTS.warmup();

    @Option(names = "--schedule", description = "linear, cosine or constant over the planned steps, or linear-time or "
            + "cosine-time: decay to 0 exactly when --max-time ends (not bit-reproducible across machines) "
            + "(default: ${DEFAULT-VALUE}).")
    String schedule = DEFAULTS.schedule();

    @Option(names = "--weight-decay", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay = DEFAULTS.weightDecay();

    @Option(names = "--clip", description = "Gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double clip = DEFAULTS.clip();

    @Option(names = "--mask-prob", description = "MLM selection probability; 0.15-0.40 is the range studied "
            + "(default: ${DEFAULT-VALUE}).")
    double maskProbability = DEFAULTS.maskProbability();

    @Option(names = "--whole-word-mask", description = "Mask whole words (all their sub-words) in MLM.")
    boolean wholeWordMask;

    @Option(names = "--log-every", description = "Steps between log lines (default: ${DEFAULT-VALUE}).")
    int logEvery = DEFAULTS.logEvery();

    @Option(names = "--eval-every", description = "Steps between validation passes (default: ${DEFAULT-VALUE}).")
    int evalEvery = DEFAULTS.evalEvery();

    @Option(names = "--checkpoint-every", description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery = DEFAULTS.checkpointEvery();

    @Option(names = "--keep-checkpoints", description = "Checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keep = DEFAULTS.keep();

    @Option(names = "--validation-sequences", description = "Held-out sequences evaluated (default: ${DEFAULT-VALUE}).")
    int validationSequences = DEFAULTS.validationSequences();

    @Option(names = "--resume", description = "Continue the run in --out from its newest checkpoint.")
    boolean resume;

    @Option(names = "--skip-nonfinite", description = "Skip updates whose loss is NaN or infinite instead of stopping.")
    boolean skipNonFinite;

    /** The core spec these options describe. */
    PretrainSpec spec() {
        return model.builder(corpus, output.out())
                .objective(objective()).layout(layout()).sentences("sentences".equalsIgnoreCase(layout))
                .electra("electra".equalsIgnoreCase(objective)).generatorSize(generatorSize)
                .discriminatorWeight(discriminatorWeight).preNorm(preNorm()).noBias(noBias).beta1(beta1).beta2(beta2)
                .inDomain(inDomain).inDomainRepeat(inDomainRepeat)
                .tokenizer(tokenizerPath).tokenizerType(tokenizerType)
                .vocabSize(vocabSize).cased(cased).steps(steps).epochs(epochs).maxTime(maxTime).batchSize(batchSize)
                .accumulate(accumulate).seqLen(seqLen).lr(lr).warmup(warmup).schedule(schedule)
                .weightDecay(weightDecay).clip(clip).maskProbability(maskProbability).wholeWordMask(wholeWordMask)
                .logEvery(logEvery).evalEvery(evalEvery).checkpointEvery(checkpointEvery).keep(keep)
                .validationSequences(validationSequences).threads(threads.threads()).seed(seed.seed()).resume(resume)
                .overwrite(output.overwrite()).skipNonFinite(skipNonFinite).build();
    }

    @Override
    public Integer call() throws IOException {
        Pretraining.Result r = Pretraining.run(spec(), System.out);
        command.commandLine().getOut().println(Pretraining.summaryJson(r));
        return 0;
    }

    private PretrainingData.Objective objective() {
        if (objective == null) {
            return null;
        }
        return switch (objective.toLowerCase(Locale.ROOT)) {
            case "mlm" -> PretrainingData.Objective.MLM;
            case "clm" -> PretrainingData.Objective.CLM;
            case "electra" -> PretrainingData.Objective.MLM;
            default -> throw new IllegalArgumentException("unknown --objective '" + objective
                    + "': use mlm, clm or electra");
        };
    }

    private CorpusReader.Layout layout() {
        return switch (layout.toLowerCase(Locale.ROOT)) {
            case "lines", "sentences" -> CorpusReader.Layout.LINES;
            case "paragraphs" -> CorpusReader.Layout.PARAGRAPHS;
            default -> throw new IllegalArgumentException("unknown --layout '" + layout
                    + "': use lines, paragraphs or sentences");
        };
    }

    private Boolean preNorm() {
        if (norm == null) {
            return null;
        }
        return switch (norm.toLowerCase(Locale.ROOT)) {
            case "pre" -> true;
            case "post" -> false;
            default -> throw new IllegalArgumentException("unknown --norm '" + norm + "': use pre or post");
        };
    }
}
