package dev.graft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.CorpusReader;
import dev.graft.data.Corpora;
import dev.graft.data.DatasetRegistry;
import dev.graft.model.AtomicFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.task.CorpusEncoder;
import dev.graft.task.EncodedCorpus;
import dev.graft.task.LanguageModelingTask;
import dev.graft.task.MaskedLanguageModeling;
import dev.graft.task.PretrainingData;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.SpecialTokens;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import dev.graft.train.BatchStream;
import dev.graft.train.Schedule;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code graft pretrain}: masked or causal LM pretraining on a corpus. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain a BERT-style (masked LM) or GPT-style (causal LM) model on unlabeled text. "
                + "The last line printed is a JSON summary.")
final class PretrainCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--objective", description = "mlm or clm (default: mlm for bert-*, clm for gpt-*).")
    String objective;

    @Option(names = "--corpus", required = true, split = ",",
            description = "Dataset names (graft data list) or text files, comma-separated or repeated.")
    List<String> corpus;

    @Option(names = "--layout", description = "How to read corpus files: lines (a document per line) or paragraphs "
            + "(blank-line-separated; lines are sentences) (default: ${DEFAULT-VALUE}).")
    CorpusReader.Layout layout = CorpusReader.Layout.LINES;

    @Option(names = "--tokenizer", description = "A tokenizer.json file or a folder holding one; without it a "
            + "tokenizer is trained on the corpus.")
    Path tokenizerPath;

    @Option(names = "--train-tokenizer", description = "bpe or wordpiece (default: wordpiece for mlm, bpe for clm).")
    String tokenizerType;

    @Option(names = "--vocab-size", description = "Vocabulary size of a trained tokenizer (default: ${DEFAULT-VALUE}).")
    int vocabSize = 8192;

    @Option(names = "--cased", description = "Keep case in a trained WordPiece tokenizer (default: lowercase).")
    boolean cased;

    @Option(names = "--out", required = true, description = "Run folder (must be new or empty, unless --resume or "
            + "--overwrite).")
    Path out;

    @Option(names = "--steps", description = "Stop after this many updates.")
    long steps;

    @Option(names = "--epochs", description = "Stop after this many passes over the corpus.")
    double epochs;

    @Option(names = "--max-time", converter = Durations.class, description = "Wall-clock budget, e.g. 20m, 1h30m; "
            + "the schedule is fitted to it.")
    Duration maxTime;

    @Option(names = "--batch-size", description = "Sequences per update (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--accumulate", description = "Micro-batches per update (default: ${DEFAULT-VALUE}).")
    int accumulate = 1;

    @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen = 128;

    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr = 5e-4f;

    @Option(names = "--warmup", description = "Warm-up fraction of the run (default: ${DEFAULT-VALUE}).")
    double warmup = 0.06;

    @Option(names = "--schedule", description = "linear, cosine or constant (default: ${DEFAULT-VALUE}).")
    String schedule = "linear";

    @Option(names = "--weight-decay", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay = 0.01f;

    @Option(names = "--clip", description = "Gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double clip = 1.0;

    @Option(names = "--mask-prob", description = "MLM selection probability (default: ${DEFAULT-VALUE}).")
    double maskProbability = 0.15;

    @Option(names = "--whole-word-mask", description = "Mask whole words (all their sub-words) in MLM.")
    boolean wholeWordMask;

    @Option(names = "--log-every", description = "Steps between log lines (default: ${DEFAULT-VALUE}).")
    int logEvery = 20;

    @Option(names = "--eval-every", description = "Steps between validation passes (default: ${DEFAULT-VALUE}).")
    int evalEvery = 200;

    @Option(names = "--checkpoint-every", description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery = 500;

    @Option(names = "--keep-checkpoints", description = "Checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keep = 2;

    @Option(names = "--validation-sequences", description = "Held-out sequences evaluated (default: ${DEFAULT-VALUE}).")
    int validationSequences = 256;

    @Option(names = "--threads", description = "Threads (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--resume", description = "Continue the run in --out from its newest checkpoint.")
    boolean resume;

    @Option(names = "--overwrite", description = "Delete an existing --out folder first.")
    boolean overwrite;

    @Option(names = "--skip-nonfinite", description = "Skip updates whose loss is NaN or infinite instead of stopping.")
    boolean skipNonFinite;

    @Override
    public Integer call() throws IOException {
        PretrainingData.Objective obj = objective();
        prepareOutput();
        DatasetRegistry registry = DatasetRegistry.standard();
        Corpora corpora = Corpora.resolve(corpus, registry, layout, System.out);
        System.out.println("corpus: " + String.join(", ", corpora.descriptions()));

        Tokenizer tokenizer = tokenizer(corpora, obj);
        int vocab = tokenizer.vocabularySize();
        SpecialTokens sp = tokenizer.specialTokens();
        PretrainingData.SpecialIds ids = specialIds(sp, obj);

        long t0 = System.nanoTime();
        EncodedCorpus encoded;
        try (Stream<String> docs = corpora.documents()) {
            encoded = CorpusEncoder.encode(tokenizer, docs.iterator(), threads, null);
        }
        System.out.printf(Locale.ROOT, "tokenized: %,d tokens, %,d sentences, %,d documents in %.1f s%n",
                encoded.tokenCount(), encoded.sentenceCount(), encoded.documentCount(), (System.nanoTime() - t0) / 1e9);

        PretrainingData data = PretrainingData.build(encoded, obj, seqLen, vocab, ids, 0.05, validationSequences, seed);
        System.out.printf(Locale.ROOT, "sequences: %,d for training (%,d tokens), %,d held out for validation%n",
                data.trainingSequences(), data.trainingTokens(), data.validationSequences());

        ModelConfig config = model.resolve(vocab, seqLen, obj == PretrainingData.Objective.MLM ? ids.pad() : -1);
        if (config.isEncoder() != (obj == PretrainingData.Objective.MLM)) {
            throw new IllegalArgumentException("--objective " + obj.name().toLowerCase(Locale.ROOT) + " does not fit "
                    + model.arch + ": use mlm with bert-* presets and clm with gpt-* presets");
        }
        MaskedLanguageModeling masker = obj == PretrainingData.Objective.MLM
                ? new MaskedLanguageModeling(maskProbability, ids.mask(), ids.firstRegular(), vocab, wholeWordMask, seed)
                : null;
        try (Parallel parallel = new Parallel(threads)) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            LanguageModel lm = new LanguageModel(compute, config, seed);
            System.out.printf(Locale.ROOT, "model: %s, %,d parameters, %s kernels, %d thread(s)%n", model.arch,
                    lm.parameterSet().count(), compute.kernels().name(), threads);
            List<TokenBatch> validation = data.validationBatches(batchSize, masker);
            Path tokenizerFile = out.resolve(Checkpoint.TOKENIZER);
            LanguageModelingTask task = new LanguageModelingTask(lm, validation,
                    folder -> Files.copy(tokenizerFile, folder.resolve(Checkpoint.TOKENIZER),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING));
            BatchStream<TokenBatch> stream = data.trainingStream(batchSize, masker, seed);
            TrainingOptions options = new TrainingOptions(steps, epochs, maxTime, lr, parseSchedule(), weightDecay, 0.9f,
                    0.98f, 1e-6f, clip, accumulate, logEvery, evalEvery, checkpointEvery, keep, skipNonFinite);
            writeRunConfig(config, obj, tokenizer, data);
            Trainer<TokenBatch> trainer = new Trainer<>(compute, task, stream, options, out, System.out);
            Trainer.Summary s = trainer.run(resume);
            ObjectNode summary = JSON.createObjectNode();
            summary.put("steps", s.steps());
            summary.put("tokens_seen", s.tokens());
            summary.put("skipped_steps", s.skippedSteps());
            summary.put("final_train_loss", s.lastLoss());
            for (Map.Entry<String, Double> e : s.validation().entrySet()) {
                summary.put(e.getKey(), e.getValue());
            }
            summary.put("tokens_per_s", Math.round(s.tokensPerSecond() * 10) / 10.0);
            summary.put("wall_s", Math.round(s.wallSeconds() * 10) / 10.0);
            summary.put("stopped_by", s.stoppedBy());
            summary.put("checkpoint", s.checkpoint() == null ? null : s.checkpoint().toString());
            summary.put("model", out.toString());
            System.out.println(JSON.writeValueAsString(summary));
        }
        return 0;
    }

    private PretrainingData.Objective objective() {
        if (objective == null) {
            return dev.graft.model.Presets.get(model.arch).isEncoder() ? PretrainingData.Objective.MLM
                    : PretrainingData.Objective.CLM;
        }
        return switch (objective.toLowerCase(Locale.ROOT)) {
            case "mlm" -> PretrainingData.Objective.MLM;
            case "clm" -> PretrainingData.Objective.CLM;
            default -> throw new IllegalArgumentException("unknown --objective '" + objective + "': use mlm or clm");
        };
    }

    private Schedule parseSchedule() {
        return switch (schedule.toLowerCase(Locale.ROOT)) {
            case "constant" -> new Schedule.Constant(warmup);
            case "linear" -> new Schedule.WarmupLinear(warmup);
            case "cosine" -> new Schedule.WarmupCosine(warmup);
            default -> throw new IllegalArgumentException("unknown --schedule '" + schedule
                    + "': use linear, cosine or constant");
        };
    }

    private void prepareOutput() throws IOException {
        boolean nonEmpty = Files.isDirectory(out) && hasEntries(out);
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException(out + " exists and is not a folder: choose another --out");
        }
        if (resume) {
            if (Trainer.latestCheckpoint(out) == null) {
                throw new IllegalArgumentException(out + " has no checkpoint to resume from: run without --resume");
            }
            return;
        }
        if (nonEmpty) {
            if (!overwrite) {
                throw new IllegalArgumentException(out + " already holds files: pass --resume to continue that run, "
                        + "--overwrite to replace it, or choose another --out");
            }
            AtomicFiles.deleteRecursively(out);
        }
        Files.createDirectories(out);
    }

    private static boolean hasEntries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    private Tokenizer tokenizer(Corpora corpora, PretrainingData.Objective obj) throws IOException {
        Path saved = out.resolve(Checkpoint.TOKENIZER);
        if (resume && Files.exists(saved)) {
            System.out.println("tokenizer: " + saved + " (from the run being resumed)");
            return Tokenizer.load(saved);
        }
        Tokenizer t;
        if (tokenizerPath != null) {
            t = Tokenizer.load(tokenizerPath);
            System.out.println("tokenizer: " + tokenizerPath + " (" + t.modelType() + ", " + t.vocabularySize()
                    + " tokens)");
        } else {
            String type = tokenizerType != null ? tokenizerType
                    : (obj == PretrainingData.Objective.MLM ? "wordpiece" : "bpe");
            TokenizerTrainer.Type tt = switch (type.toLowerCase(Locale.ROOT)) {
                case "bpe" -> TokenizerTrainer.Type.BPE;
                case "wordpiece" -> TokenizerTrainer.Type.WORDPIECE;
                default -> throw new IllegalArgumentException("unknown --train-tokenizer '" + type
                        + "': use bpe or wordpiece");
            };
            TokenizerTrainer.Settings settings = TokenizerTrainer.Settings.of(tt, vocabSize).withThreads(threads)
                    .withLowercase(tt == TokenizerTrainer.Type.WORDPIECE && !cased);
            TokenizerTrainer.Result r = TokenizerTrainer.train(settings, corpora.asIterable());
            t = r.tokenizer();
            System.out.println("tokenizer: trained " + r.summary());
        }
        t.save(saved);
        return t;
    }

    private static PretrainingData.SpecialIds specialIds(SpecialTokens sp, PretrainingData.Objective obj) {
        if (obj == PretrainingData.Objective.MLM) {
            if (sp.padding().isEmpty() || sp.classifier().isEmpty() || sp.separator().isEmpty() || sp.mask().isEmpty()) {
                throw new IllegalArgumentException("masked LM needs [PAD], [CLS], [SEP] and [MASK] in the tokenizer's "
                        + "vocabulary; train one with --train-tokenizer wordpiece");
            }
            int first = Math.max(Math.max(sp.padding().getAsInt(), sp.classifier().getAsInt()),
                    Math.max(sp.separator().getAsInt(), sp.mask().getAsInt())) + 1;
            return new PretrainingData.SpecialIds(sp.padding().getAsInt(), sp.classifier().getAsInt(),
                    sp.separator().getAsInt(), sp.mask().getAsInt(), -1, first);
        }
        if (sp.endOfText().isEmpty()) {
            throw new IllegalArgumentException("causal LM needs an end-of-text token (<|endoftext|>) in the tokenizer; "
                    + "train one with --train-tokenizer bpe");
        }
        int eot = sp.endOfText().getAsInt();
        return new PretrainingData.SpecialIds(sp.padding().orElse(-1), -1, -1, -1, eot, 0);
    }

    private void writeRunConfig(ModelConfig config, PretrainingData.Objective obj, Tokenizer tokenizer,
                                PretrainingData data) throws IOException {
        ObjectNode run = JSON.createObjectNode();
        run.put("command", "pretrain");
        run.put("arch", model.arch);
        run.put("objective", obj.name().toLowerCase(Locale.ROOT));
        run.putPOJO("corpus", new ArrayList<>(corpus));
        run.put("tokenizer", tokenizer.modelType() + " " + tokenizer.vocabularySize());
        run.set("model", JSON.valueToTree(config));
        run.put("batch_size", batchSize);
        run.put("accumulate", accumulate);
        run.put("seq_len", seqLen);
        run.put("lr", lr);
        run.put("warmup", warmup);
        run.put("schedule", schedule);
        run.put("weight_decay", weightDecay);
        run.put("clip", clip);
        run.put("mask_prob", maskProbability);
        run.put("whole_word_mask", wholeWordMask);
        run.put("steps", steps);
        run.put("epochs", epochs);
        run.put("max_time_s", maxTime == null ? null : maxTime.toSeconds());
        run.put("threads", threads);
        run.put("seed", seed);
        run.put("training_sequences", data.trainingSequences());
        run.put("validation_sequences", data.validationSequences());
        AtomicFiles.writeString(out.resolve(resume ? "run-resumed.json" : "run.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run) + "\n");
    }
}
