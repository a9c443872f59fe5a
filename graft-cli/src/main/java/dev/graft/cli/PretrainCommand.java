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

    @Option(names = "--objective", description = "mlm or clm (default: mlm for bert-*, clm for gpt-*).")
    String objective;

    @Option(names = "--corpus", required = true, split = ",",
            description = "Dataset names (graft data list) or text files, comma-separated or repeated.")
    List<String> corpus;

    @Option(names = "--layout", description = "How to read corpus files: lines (a document per line) or paragraphs "
            + "(blank-line-separated; lines are sentences) (default: lines).")
    CorpusReader.Layout layout = CorpusReader.Layout.LINES;

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

    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr = DEFAULTS.lr();

    @Option(names = "--warmup", description = "Warm-up fraction of the run (default: ${DEFAULT-VALUE}).")
    double warmup = DEFAULTS.warmup();

    @Option(names = "--schedule", description = "linear, cosine or constant (default: ${DEFAULT-VALUE}).")
    String schedule = DEFAULTS.schedule();

    @Option(names = "--weight-decay", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay = DEFAULTS.weightDecay();

    @Option(names = "--clip", description = "Gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double clip = DEFAULTS.clip();

    @Option(names = "--mask-prob", description = "MLM selection probability (default: ${DEFAULT-VALUE}).")
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
                .objective(objective()).layout(layout).tokenizer(tokenizerPath).tokenizerType(tokenizerType)
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
            default -> throw new IllegalArgumentException("unknown --objective '" + objective + "': use mlm or clm");
        };
    }
}
