package dev.graft.spark.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.CorpusReader;
import dev.graft.model.ModelOverrides;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.spark.pretrain.Diloco;
import dev.graft.spark.pretrain.DilocoSettings;
import dev.graft.spark.pretrain.SyncDataParallel;
import dev.graft.tokenizer.TokenizerSpec;
import dev.graft.train.Monitoring;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.RunOptions;
import dev.graft.train.ScheduleKind;
import dev.graft.train.Trainer;
import dev.graft.task.PretrainingData;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft spark pretrain}: {@code graft pretrain} across Spark's executors with DiLoCo. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Pretrain as 'graft pretrain' does, across Spark's executors with DiLoCo (Douillard et al. "
                + "2023): each round, --workers tasks each take --inner-steps AdamW steps on their own shard of the "
                + "batches from the round's parameters; the driver averages their parameter deltas and takes an "
                + "outer Nesterov-momentum step (--outer-lr, --outer-momentum), then logs, evaluates and writes a "
                + "round checkpoint. One round is one Spark job. --mode sync instead sums every update's gradient "
                + "over the workers (equal to graft pretrain --accumulate workers x accumulate).",
            "The run folder is graft pretrain's (graft finetune --from takes it); every executor must reach it at "
                + "the same path (one machine, or a shared file system): the workers keep their optimizer states "
                + "there. --steps counts each worker's inner steps. The last line printed is a JSON summary."})
final class PretrainCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The defaults of the options graft pretrain has too: {@link PretrainSpec}'s, the one source of them. */
    private static final PretrainSpec DEFAULTS = PretrainSpec.defaults();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Mixin
    SparkOptions spark;

    @Option(names = "--mode", description = "diloco (workers train apart for --inner-steps, then average) or sync "
            + "(every update's gradient summed over the workers: equal to graft pretrain --accumulate "
            + "workers x accumulate) (default: ${DEFAULT-VALUE}).")
    String mode = "diloco";

    @Option(names = "--workers", description = "K, the workers: Spark tasks per round (diloco) or per update (sync) "
            + "(default: ${DEFAULT-VALUE}).")
    int workers = 2;

    @Option(names = "--checkpoint-every", description = "sync mode: updates between checkpoints (default: "
            + "${DEFAULT-VALUE}); diloco writes one every round.")
    int checkpointEvery = DEFAULTS.monitoring().checkpointEvery();

    @Option(names = "--inner-steps", description = "H, each worker's AdamW steps per round (default: "
            + "${DEFAULT-VALUE}).")
    int innerSteps = 100;

    @Option(names = "--outer-lr", description = "Outer learning rate (default: ${DEFAULT-VALUE}, the paper's).")
    double outerLr = 0.7;

    @Option(names = "--outer-momentum", description = "Outer momentum (default: ${DEFAULT-VALUE}, the paper's).")
    double outerMomentum = 0.9;

    @Option(names = "--no-nesterov", description = "Heavy-ball outer momentum instead of Nesterov's.")
    boolean noNesterov;

    @Option(names = "--stop-after-rounds", description = "End this job after this many rounds (0: at the end); "
            + "--resume continues the run.")
    int stopAfterRounds;

    @Option(names = "--tokenize-on-executors", description = "Tokenize the corpus with a Spark job (the corpus: "
            + "text files read with --layout, JSON lines files (.jsonl, a document per object's \"text\"), hdfs:// / "
            + "s3a:// URIs, or dataset names, whose training split is read by paragraph) instead of on the driver; the ids are the same. A tokenizer is trained on the driver "
            + "unless --tokenizer is given.")
    boolean tokenizeOnExecutors;

    @Option(names = "--arch", description = "Model preset: bert-tiny, bert-mini, bert-small, bert-medium, gpt-tiny, "
            + "gpt-mini, gpt-small (default: ${DEFAULT-VALUE}).")
    String arch = PretrainSpec.DEFAULT_ARCH;

    @Option(names = "--layers", description = "Override the number of transformer blocks.")
    Integer layers;

    @Option(names = "--hidden-size", description = "Override the hidden size.")
    Integer hidden;

    @Option(names = "--heads", description = "Override the number of attention heads.")
    Integer heads;

    @Option(names = "--ffn-size", description = "Override the feed-forward size (default 4 x hidden).")
    Integer ffn;

    @Option(names = "--dropout", description = "Override hidden and attention dropout (preset: 0.1).")
    Float dropout;

    @Option(names = "--objective", description = "mlm or clm (default: mlm for bert-*, clm for gpt-*).")
    String objective;

    @Option(names = "--corpus", required = true, split = ",",
            description = "Dataset names (graft data list) or text files, comma-separated or repeated; read and "
                    + "tokenized by the driver, then broadcast to the executors once.")
    List<String> corpus;

    @Option(names = "--layout", description = "How to read corpus files: lines (a document per line) or paragraphs "
            + "(blank-line-separated; lines are sentences) (default: lines).")
    CorpusReader.Layout layout = CorpusReader.Layout.LINES;

    @Option(names = "--tokenizer", descriptionKey = "tokenizer.path", description = "A tokenizer.json file or a "
            + "folder holding one; without it a tokenizer is trained on the corpus.")
    Path tokenizerPath;

    @Option(names = "--train-tokenizer", descriptionKey = "tokenizer.type", description = "bpe or wordpiece "
            + "(default: wordpiece for mlm, bpe for clm).")
    String tokenizerType;

    @Option(names = "--vocab-size", description = "Vocabulary size of a trained tokenizer (default: ${DEFAULT-VALUE}).")
    int vocabSize = DEFAULTS.tokenizer().vocabSize();

    @Option(names = "--cased", description = "Keep case in a trained WordPiece tokenizer (default: lowercase).")
    boolean cased;

    @Option(names = "--out", required = true, description = "Run folder (must be new or empty, unless --resume or "
            + "--overwrite).")
    Path out;

    @Option(names = "--steps", description = "diloco: inner steps of each worker in all (rounds = "
            + "steps / inner steps, rounded up); sync: updates.")
    long steps;

    @Option(names = "--epochs", description = "Instead of --steps: passes over the corpus (diloco: by all workers "
            + "together).")
    double epochs;

    @Option(names = "--max-time", converter = Durations.class, description = "Wall-clock budget of the training, "
            + "e.g. 20m, 1h30m (with or instead of --steps/--epochs). diloco: the rounds are planned from a short "
            + "timing job and refitted after every round, so that the last one ends near the budget; sync: as "
            + "graft pretrain. The schedule is fitted to the plan; --resume continues to the same budget.")
    Duration maxTime;

    @Option(names = "--skip-nonfinite", description = "Skip an inner step (diloco) or update (sync) whose loss is "
            + "NaN or infinite instead of stopping.")
    boolean skipNonFinite;

    @Option(names = "--batch-size", description = "Sequences per inner step of a worker (default: ${DEFAULT-VALUE}).")
    int batchSize = DEFAULTS.batchSize();

    @Option(names = "--accumulate", description = "Micro-batches per inner step (diloco) or per worker and update "
            + "(sync) (default: ${DEFAULT-VALUE}).")
    int accumulate = DEFAULTS.accumulate();

    @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen = DEFAULTS.seqLen();

    @Option(names = "--lr", description = "Peak inner learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate = DEFAULTS.optimizer().learningRate();

    @Option(names = "--warmup", description = "Warm-up fraction of the inner steps (default: ${DEFAULT-VALUE}).")
    double warmup = DEFAULTS.optimizer().warmup();

    @Option(names = "--schedule", description = "linear, cosine or constant, over the inner steps (default: "
            + "${DEFAULT-VALUE}).")
    String schedule = DEFAULTS.optimizer().schedule().id();

    @Option(names = "--weight-decay", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay = DEFAULTS.optimizer().weightDecay();

    @Option(names = "--clip", description = "Gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double clip = DEFAULTS.optimizer().clip();

    @Option(names = "--mask-prob", description = "MLM selection probability (default: ${DEFAULT-VALUE}).")
    double maskProbability = DEFAULTS.maskProbability();

    @Option(names = "--whole-word-mask", description = "Mask whole words (all their sub-words) in MLM.")
    boolean wholeWordMask;

    @Option(names = "--log-every", description = "Inner steps between logged losses (default: ${DEFAULT-VALUE}).")
    int logEvery = DEFAULTS.monitoring().logEvery();

    @Option(names = "--eval-every", description = "Inner steps between validation passes, taken at the end of "
            + "the round that reaches them (default: ${DEFAULT-VALUE}).")
    int evalEvery = DEFAULTS.monitoring().evalEvery();

    @Option(names = "--keep-checkpoints", description = "Round checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints = DEFAULTS.monitoring().keepCheckpoints();

    @Option(names = "--validation-sequences", description = "Held-out sequences evaluated (default: ${DEFAULT-VALUE}).")
    int validationSequences = DEFAULTS.monitoring().validationSequences();

    @Option(names = "--threads-per-task", description = "Compute threads of each worker's task, and of the driver "
            + "(default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}); worker k's dropout uses seed + k.")
    long seed = DEFAULTS.run().seed();

    @Option(names = "--resume", description = "Continue the run in --out from its newest round checkpoint.")
    boolean resume;

    @Option(names = "--overwrite", description = "Delete an existing --out folder first.")
    boolean overwrite;

    @Override
    public Integer call() throws IOException {
        PretrainSpec spec = PretrainSpec.builder(arch, corpus, out)
                .model(new ModelOverrides(layers, hidden, heads, ffn, dropout))
                .objective(objective()).layout(layout)
                .tokenizer(new TokenizerSpec(tokenizerPath, tokenizerType, vocabSize, cased))
                .batchSize(batchSize).accumulate(accumulate).seqLen(seqLen).maskProbability(maskProbability)
                .wholeWordMask(wholeWordMask)
                .optimizer(new OptimizerSpec(learningRate, warmup, ScheduleKind.parse(schedule), weightDecay, clip,
                        DEFAULTS.optimizer().beta1(), DEFAULTS.optimizer().beta2()))
                .monitoring(new Monitoring(logEvery, evalEvery, checkpointEvery, keepCheckpoints,
                        validationSequences))
                .run(new RunOptions(out, steps, epochs, maxTime, threads, seed, resume, overwrite))
                .skipNonFinite(skipNonFinite).build();
        boolean sync = switch (mode.toLowerCase(Locale.ROOT)) {
            case "diloco" -> false;
            case "sync" -> true;
            default -> throw new IllegalArgumentException("--mode " + mode + ": choose diloco or sync");
        };
        DilocoSettings settings = new DilocoSettings(workers, innerSteps, outerLr, outerMomentum, !noNesterov,
                stopAfterRounds);
        // the fields the library's hints name (run.resume), printed as this command's flags
        java.io.PrintStream log = dev.graft.io.FieldNamingLog.of(System.out,
                field -> SparkMain.flagOf(command.commandLine(), field));
        SparkSession session = spark.start("graft pretrain");
        try {
            if (sync) {
                Trainer.Summary s = SyncDataParallel.run(spec, workers, session, tokenizeOnExecutors, log);
                ObjectNode summary = JSON.createObjectNode();
                summary.put("steps", s.steps());
                summary.put("workers", workers);
                summary.put("tokens_seen", s.tokens());
                summary.put("skipped_steps", s.skippedSteps());
                summary.put("final_train_loss", s.lastLoss());
                s.validation().forEach(summary::put);
                summary.put("stopped_by", s.stoppedBy());
                summary.put("model", out.toString());
                System.out.println(JSON.writeValueAsString(summary));
            } else {
                Diloco.Result r = Diloco.run(spec, settings, session, tokenizeOnExecutors, log);
                System.out.println(JSON.writeValueAsString(r.toJson()));
            }
        } finally {
            session.stop();
        }
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
