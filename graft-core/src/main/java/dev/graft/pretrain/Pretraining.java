package dev.graft.pretrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.Corpora;
import dev.graft.data.DatasetRegistry;
import dev.graft.io.RunFolder;
import dev.graft.model.AtomicFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.task.CorpusEncoder;
import dev.graft.task.EncodedCorpus;
import dev.graft.task.LanguageModelData;
import dev.graft.task.LanguageModelingTask;
import dev.graft.task.MaskedLanguageModeling;
import dev.graft.task.PretrainingData;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.SpecialTokens;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import dev.graft.train.BatchStream;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import dev.graft.train.TrainingOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Masked or causal LM pretraining on a corpus: resolves the corpus, trains (or loads) a
 * tokenizer, packs the corpus into sequences, and runs the {@link Trainer} with checkpoints,
 * validation, metrics and resume. What {@code graft pretrain} and the pretraining strategies of
 * {@code graft experiment} run.
 */
public final class Pretraining {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Pretraining() {
    }

    /**
     * The outcome of a run.
     *
     * @param out     the run folder (a checkpoint folder: config.json, model.safetensors, tokenizer.json)
     * @param trainer the trainer's summary
     */
    public record Result(Path out, Trainer.Summary trainer) {
        /** The JSON summary {@code graft pretrain} prints as its last line. */
        public ObjectNode toJson() {
            Trainer.Summary s = trainer;
            ObjectNode summary = JSON.createObjectNode();
            summary.put("steps", s.steps());
            summary.put("tokens_seen", s.tokens());
            summary.put("skipped_steps", s.skippedSteps());
            summary.put("final_train_loss", s.lastLoss());
            s.validation().forEach(summary::put);
            summary.put("tokens_per_s", Math.round(s.tokensPerSecond() * 10) / 10.0);
            summary.put("wall_s", Math.round(s.wallSeconds() * 10) / 10.0); // all runs of this training
            summary.put("run_wall_s", Math.round(s.runSeconds() * 10) / 10.0); // this process's part
            summary.put("stopped_by", s.stoppedBy());
            summary.put("checkpoint", s.checkpoint() == null ? null : s.checkpoint().toString());
            summary.put("model", out.toString());
            return summary;
        }
    }

    /** Runs {@code spec} with the standard dataset registry. */
    public static Result run(PretrainSpec spec, PrintStream log) throws IOException {
        return run(spec, DatasetRegistry.standard(), log);
    }

    /**
     * Runs {@code spec}, resolving dataset names with {@code registry}, logging to {@code log}. The run
     * folder is checked and locked first ({@link RunFolder}); every setting and input is validated
     * (corpus read, tokenizer trained or loaded, sequences built) before anything is written into it.
     */
    public static Result run(PretrainSpec spec, DatasetRegistry registry, PrintStream log) throws IOException {
        return run(spec, registry, log, TrainingListener.NONE);
    }

    /** As {@link #run(PretrainSpec, DatasetRegistry, PrintStream)}, telling {@code listener} of the training. */
    public static Result run(PretrainSpec spec, DatasetRegistry registry, PrintStream log, TrainingListener listener)
            throws IOException {
        Path out = spec.out();
        try (RunFolder folder = RunFolder.open(out, new RunFolder.Request("pretrain", spec.overwrite(), spec.resume(),
                Trainer::latestCheckpoint), log)) {
            return run(spec, registry, folder, log, listener);
        }
    }

    private static Result run(PretrainSpec spec, DatasetRegistry registry, RunFolder folder, PrintStream log,
                              TrainingListener listener) throws IOException {
        Path out = spec.out();
        boolean resuming = folder.resuming();
        Corpora corpora = Corpora.resolve(spec.corpus(), registry, spec.layout(), log);
        log.println("corpus: " + String.join(", ", corpora.descriptions()));
        PretrainingData.Objective obj = spec.objective();

        Tokenizer tokenizer = tokenizer(spec, resuming, corpora, log);
        int vocab = tokenizer.vocabularySize();
        PretrainingData.SpecialIds ids = specialIds(tokenizer.specialTokens(), obj);

        long t0 = System.nanoTime();
        EncodedCorpus encoded;
        try (Stream<String> docs = corpora.documents()) {
            encoded = CorpusEncoder.encode(tokenizer, docs.iterator(), spec.threads(), null);
        }
        log.printf(Locale.ROOT, "tokenized: %,d tokens, %,d sentences, %,d documents in %.1f s%n",
                encoded.tokenCount(), encoded.sentenceCount(), encoded.documentCount(), (System.nanoTime() - t0) / 1e9);

        PretrainingData data = PretrainingData.build(encoded, obj, spec.seqLen(), vocab, ids, 0.05,
                spec.validationSequences(), spec.seed());
        log.printf(Locale.ROOT, "sequences: %,d for training (%,d tokens), %,d held out for validation%n",
                data.trainingSequences(), data.trainingTokens(), data.validationSequences());

        ModelConfig config = spec.modelConfig(vocab, spec.seqLen(), obj == PretrainingData.Objective.MLM ? ids.pad() : -1);
        MaskedLanguageModeling masker = obj == PretrainingData.Objective.MLM
                ? new MaskedLanguageModeling(spec.maskProbability(), ids.mask(), ids.firstRegular(), vocab,
                spec.wholeWordMask(), spec.seed())
                : null;
        TrainingOptions options = new TrainingOptions(spec.steps(), spec.epochs(), spec.maxTime(), spec.lr(),
                spec.learningRateSchedule(), spec.weightDecay(), 0.9f, 0.98f, 1e-6f, spec.clip(),
                spec.accumulate(), spec.logEvery(), spec.evalEvery(), spec.checkpointEvery(), spec.keep(),
                spec.skipNonFinite());
        try (Parallel parallel = new Parallel(spec.threads())) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            LanguageModel lm = new LanguageModel(compute, config, spec.seed());
            log.printf(Locale.ROOT, "model: %s, %,d parameters, %s kernels, %d thread(s)%n", spec.arch(),
                    lm.parameterSet().count(), compute.kernels().name(), spec.threads());
            List<TokenBatch> validation = data.validationBatches(spec.batchSize(), masker);
            // everything is validated: from here on the run folder is written
            folder.begin();
            Path tokenizerFile = out.resolve(Checkpoint.TOKENIZER);
            if (!resuming || !Files.exists(tokenizerFile)) {
                tokenizer.save(tokenizerFile);
            }
            LanguageModelingTask task = new LanguageModelingTask(lm, validation,
                    dir -> Files.copy(tokenizerFile, dir.resolve(Checkpoint.TOKENIZER),
                            StandardCopyOption.REPLACE_EXISTING));
            BatchStream<TokenBatch> stream = data.trainingStream(spec.batchSize(), masker, spec.seed());
            writeRunConfig(spec, resuming, config, tokenizer, data);
            Trainer<TokenBatch> trainer = new Trainer<>(compute, task, stream, options, out, log)
                    .resumeHint("add --resume to the same graft pretrain command").offeringSkipNonFinite()
                    .listener(listener);
            Trainer.Summary s = trainer.run(resuming);
            return new Result(out, s);
        }
    }

    /** The summary as the one-line JSON {@code graft pretrain} prints. */
    public static String summaryJson(Result r) throws IOException {
        return JSON.writeValueAsString(r.toJson());
    }

    /**
     * The run's tokenizer (not yet saved): the resumed run's, the given one, or one trained on the corpus. Public
     * for other drivers of the same run folder layout (graft-spark's distributed pretraining).
     */
    public static Tokenizer tokenizer(PretrainSpec spec, boolean resuming, Corpora corpora, PrintStream log)
            throws IOException {
        Path saved = spec.out().resolve(Checkpoint.TOKENIZER);
        if (resuming && Files.exists(saved)) {
            log.println("tokenizer: " + saved + " (from the run being resumed)");
            return Tokenizer.load(saved);
        }
        Tokenizer t;
        if (spec.tokenizer() != null) {
            t = Tokenizer.load(spec.tokenizer());
            log.println("tokenizer: " + spec.tokenizer() + " (" + t.modelType() + ", " + t.vocabularySize()
                    + " tokens)");
        } else {
            String type = spec.tokenizerType() != null ? spec.tokenizerType()
                    : (spec.objective() == PretrainingData.Objective.MLM ? "wordpiece" : "bpe");
            TokenizerTrainer.Type tt = type.equalsIgnoreCase("bpe") ? TokenizerTrainer.Type.BPE
                    : TokenizerTrainer.Type.WORDPIECE;
            TokenizerTrainer.Settings settings = TokenizerTrainer.Settings.of(tt, spec.vocabSize())
                    .withThreads(spec.threads())
                    .withLowercase(tt == TokenizerTrainer.Type.WORDPIECE && !spec.cased());
            TokenizerTrainer.Result r = TokenizerTrainer.train(settings, corpora.asIterable());
            t = r.tokenizer();
            log.println("tokenizer: trained " + r.summary());
        }
        return t;
    }

    /** The special-token ids the objective needs, or a clear error naming what is missing. */
    public static PretrainingData.SpecialIds specialIds(SpecialTokens sp, PretrainingData.Objective obj) {
        return LanguageModelData.specialIds(sp, obj, "train one with --train-tokenizer "
                + (obj == PretrainingData.Objective.MLM ? "wordpiece" : "bpe"));
    }

    private static void writeRunConfig(PretrainSpec spec, boolean resuming, ModelConfig config, Tokenizer tokenizer,
                                       PretrainingData data) throws IOException {
        ObjectNode run = JSON.createObjectNode();
        run.put("command", "pretrain");
        run.put("arch", spec.arch());
        run.put("objective", spec.objective().name().toLowerCase(Locale.ROOT));
        run.putPOJO("corpus", spec.corpus());
        run.put("tokenizer", tokenizer.modelType() + " " + tokenizer.vocabularySize());
        run.set("model", JSON.valueToTree(config));
        run.put("batch_size", spec.batchSize());
        run.put("accumulate", spec.accumulate());
        run.put("seq_len", spec.seqLen());
        run.put("lr", spec.lr());
        run.put("warmup", spec.warmup());
        run.put("schedule", spec.schedule());
        run.put("weight_decay", spec.weightDecay());
        run.put("clip", spec.clip());
        run.put("mask_prob", spec.maskProbability());
        run.put("whole_word_mask", spec.wholeWordMask());
        run.put("steps", spec.steps());
        run.put("epochs", spec.epochs());
        run.put("max_time_s", spec.maxTime() == null ? null : spec.maxTime().toSeconds());
        run.put("threads", spec.threads());
        run.put("seed", spec.seed());
        run.put("training_sequences", data.trainingSequences());
        run.put("validation_sequences", data.validationSequences());
        AtomicFiles.writeString(spec.out().resolve(resuming ? "run-resumed.json" : "run.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run) + "\n");
    }
}
