package dev.graft.pretrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.Corpora;
import dev.graft.data.DatasetRegistry;
import dev.graft.io.RunFolder;
import dev.graft.model.Checkpoint;
import dev.graft.model.ElectraModel;
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
import dev.graft.train.RunRecord;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import dev.graft.train.TrainingOptions;
import dev.graft.vectors.EmbeddingInit;

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
        try (RunFolder folder = RunFolder.open(out, new RunFolder.Request("pretrain", spec.run().overwrite(),
                spec.run().resume(), Trainer::latestCheckpoint), log)) {
            return run(spec, registry, folder, log, listener);
        }
    }

    private static Result run(PretrainSpec spec, DatasetRegistry registry, RunFolder folder, PrintStream log,
                              TrainingListener listener) throws IOException {
        Path out = spec.out();
        boolean resuming = folder.resuming();
        boolean grouped = groupsByLength(spec, resuming);
        Corpora corpora = Corpora.resolve(corpusWithInDomain(spec), registry, spec.layout(), log);
        log.println("corpus: " + String.join(", ", corpora.descriptions()));
        if (!spec.inDomain().isEmpty()) {
            log.println("in-domain text: " + spec.inDomain() + " repeated " + spec.inDomainRepeat() + " time(s)");
        }
        PretrainingData.Objective obj = spec.objective();

        Tokenizer tokenizer = tokenizer(spec, resuming, corpora, log);
        int vocab = tokenizer.vocabularySize();
        PretrainingData.SpecialIds ids = specialIds(tokenizer.specialTokens(), obj);

        long t0 = System.nanoTime();
        EncodedCorpus encoded;
        try (Stream<String> docs = corpora.documents()) {
            Stream<String> units = spec.sentences() ? sentences(docs) : docs;
            encoded = CorpusEncoder.encode(tokenizer, units.iterator(), spec.run().threads(), null);
        }
        log.printf(Locale.ROOT, "tokenized: %,d tokens, %,d sentences, %,d documents in %.1f s%n",
                encoded.tokenCount(), encoded.sentenceCount(), encoded.documentCount(), (System.nanoTime() - t0) / 1e9);

        PretrainingData data = PretrainingData.build(encoded, obj, spec.seqLen(), vocab, ids, 0.05,
                spec.monitoring().validationSequences(), spec.run().seed());
        log.printf(Locale.ROOT, "sequences: %,d for training (%,d tokens), %,d held out for validation%n",
                data.trainingSequences(), data.trainingTokens(), data.validationSequences());
        double realGrouped = data.realShare(spec.batchSize(), spec.run().seed(), true);
        double realPlain = data.realShare(spec.batchSize(), spec.run().seed(), false);
        log.printf(Locale.ROOT, "batches: %s; %.0f%% of the positions computed are real tokens (%.0f%% %s)%n",
                grouped ? "grouped by length" : "not grouped by length", 100 * (grouped ? realGrouped : realPlain),
                100 * (grouped ? realPlain : realGrouped), grouped ? "without grouping" : "with --group-by-length");

        MaskedLanguageModeling masker = obj == PretrainingData.Objective.MLM
                ? new MaskedLanguageModeling(spec.maskProbability(), ids.mask(), ids.firstRegular(), vocab,
                spec.wholeWordMask(), spec.run().seed())
                : null;
        TrainingOptions options = spec.optimizer().trainingOptions(spec.run(), spec.monitoring(), spec.accumulate(),
                spec.skipNonFinite());
        try (Parallel parallel = new Parallel(spec.run().threads())) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            int pad = obj == PretrainingData.Objective.MLM ? ids.pad() : -1;
            ModelConfig config = PretrainSpec.AUTO_ARCH.equals(spec.arch())
                    ? autoConfig(spec, resuming, compute, data, masker, vocab, pad, grouped, log)
                    : spec.modelConfig(vocab, spec.seqLen(), pad);
            if (spec.electra() && spec.embeddingSize() > 0) {
                config = config.withFamily(ModelConfig.Family.ELECTRA, spec.embeddingSize());
            }
            List<TokenBatch> validation = data.validationBatches(spec.batchSize(), masker);
            Checkpoint.Extras tokenizerExtras = dir -> Files.copy(out.resolve(Checkpoint.TOKENIZER),
                    dir.resolve(Checkpoint.TOKENIZER), StandardCopyOption.REPLACE_EXISTING);
            dev.graft.train.Trainable<TokenBatch> task = objectiveTask(spec, compute, config, validation,
                    tokenizerExtras, tokenizer, log);
            // everything is validated: from here on the run folder is written
            folder.begin();
            Path tokenizerFile = out.resolve(Checkpoint.TOKENIZER);
            if (!resuming || !Files.exists(tokenizerFile)) {
                tokenizer.save(tokenizerFile);
            }
            BatchStream<TokenBatch> stream = data.trainingStream(spec.batchSize(), masker, spec.run().seed(), grouped);
            writeRunConfig(spec, resuming, config, tokenizer, data, grouped);
            Trainer<TokenBatch> trainer = new Trainer<>(compute, task, stream, options, out, log)
                    .resumeHint(dev.graft.train.RunOptions.RESUME_HINT).offeringSkipNonFinite()
                    .listener(listener);
            Trainer.Summary s = trainer.run(resuming);
            return new Result(out, s);
        }
    }

    /**
     * Whether this run's batches are grouped by length ({@link PretrainSpec#groupsByLength}): by default, a
     * resumed run keeps what its run.json says it started with (a flag that says otherwise is refused with the
     * other changed settings, {@link RunRecord#write}).
     */
    static boolean groupsByLength(PretrainSpec spec, boolean resuming) throws IOException {
        Boolean recorded = null;
        Path record = spec.out().resolve("run.json");
        if (resuming && Files.exists(record)) {
            com.fasterxml.jackson.databind.JsonNode g = JSON.readTree(record.toFile()).get("group_by_length");
            recorded = g == null || g.isNull() ? null : g.asBoolean();
        }
        return spec.groupsByLength(recorded, resuming);
    }

    /** The model and its objective as the trainer's task: masked or causal LM, or ELECTRA. */
    private static dev.graft.train.Trainable<TokenBatch> objectiveTask(PretrainSpec spec, Compute compute,
                                                                      ModelConfig config, List<TokenBatch> validation,
                                                                      Checkpoint.Extras extras, Tokenizer tokenizer,
                                                                      PrintStream log) throws IOException {
        String shape = String.format(Locale.ROOT, "%s (%d layers, hidden %d, %s%s)", spec.arch(),
                config.numberOfLayers(), config.hiddenSize(), config.preNorm() ? "pre-LN" : "post-LN",
                config.linearBias() ? "" : ", bias-free linears");
        if (spec.electra()) {
            ElectraModel electra = new ElectraModel(compute, config, spec.generatorSize(), spec.run().seed());
            ModelConfig g = electra.generatorConfig();
            log.printf(Locale.ROOT, "model: ELECTRA, discriminator %s%s, %,d parameters; generator %d layers, hidden "
                            + "%d, %d head(s), FFN %d, %,d parameters of its own (embeddings shared); %s kernels, "
                            + "%d thread(s)%n", shape, config.embeddingSize() == config.hiddenSize() ? ""
                            : ", embeddings " + config.embeddingSize() + " wide", electra.parameterSet().count(),
                    g.numberOfLayers(),
                    g.hiddenSize(), g.numberOfHeads(), g.intermediateSize(),
                    electra.allParameters().count() - electra.parameterSet().count(), compute.kernels().name(),
                    spec.run().threads());
            initEmbeddings(spec, tokenizer, electra.backbone(), config, log);
            return new ElectraTask(electra, validation, (float) spec.discriminatorWeight(), spec.run().seed(), extras);
        }
        LanguageModel lm = new LanguageModel(compute, config, spec.run().seed());
        log.printf(Locale.ROOT, "model: %s, %,d parameters, %s kernels, %d thread(s)%n", shape,
                lm.parameterSet().count(), compute.kernels().name(), spec.run().threads());
        initEmbeddings(spec, tokenizer, lm.backbone(), config, log);
        return new LanguageModelingTask(lm, validation, extras);
    }

    /**
     * The token embeddings from {@code spec.initEmbeddings()}, when given (a resumed run's checkpoint then
     * replaces them with its own).
     */
    private static void initEmbeddings(PretrainSpec spec, Tokenizer tokenizer, dev.graft.model.Backbone backbone,
                                       ModelConfig config, PrintStream log) throws IOException {
        if (spec.initEmbeddings() == null || tokenizer == null) {
            return;
        }
        EmbeddingInit.Applied a = EmbeddingInit.apply(spec.initEmbeddings(), tokenizer, backbone.tokenEmbedding(),
                config.initializerRange());
        log.println(a.describe(spec.initEmbeddings(), config.initializerRange()));
    }

    /** The corpus list with the in-domain files appended {@code inDomainRepeat} times. */
    static List<String> corpusWithInDomain(PretrainSpec spec) {
        List<String> all = new java.util.ArrayList<>(spec.corpus());
        for (int r = 0; r < spec.inDomainRepeat(); r++) {
            for (Path p : spec.inDomain()) {
                all.add(p.toString());
            }
        }
        return all;
    }

    /** Every line of every document as a document of its own: sentence-level examples. */
    static Stream<String> sentences(Stream<String> documents) {
        return documents.flatMap(d -> java.util.Arrays.stream(d.split("\n"))).filter(l -> !l.isBlank());
    }

    /** Seconds of the speed probe's warm-up and timed steps. */
    static final int PROBE_WARMUP_STEPS = 2;
    static final int PROBE_TIMED_STEPS = 3;

    /**
     * {@code --arch auto}'s shape: a resumed run's from its newest checkpoint; otherwise the reference shape
     * (bert-mini's with this run's settings) is timed for a few forward-backward passes on training batches
     * and {@link ArchAuto#choose} sizes the model to the budget.
     */
    private static ModelConfig autoConfig(PretrainSpec spec, boolean resuming, Compute compute, PretrainingData data,
                                          MaskedLanguageModeling masker, int vocab, int pad, boolean grouped,
                                          PrintStream log)
            throws IOException {
        Path latest = resuming ? Trainer.latestCheckpoint(spec.out()) : null;
        if (latest != null) {
            ModelConfig c = dev.graft.model.HfConfig.read(latest.resolve(Checkpoint.CONFIG));
            log.printf(Locale.ROOT, "arch auto: %d layers x hidden %d, as chosen when the run started%n",
                    c.numberOfLayers(), c.hiddenSize());
            return c;
        }
        ModelConfig template = spec.toBuilder().arch(PretrainSpec.DEFAULT_ARCH).build()
                .modelConfig(vocab, spec.seqLen(), pad);
        dev.graft.train.Trainable<TokenBatch> probe = objectiveTask(spec, compute, template, List.of(), null, null,
                new PrintStream(java.io.OutputStream.nullOutputStream()));
        BatchStream<TokenBatch> stream = data.trainingStream(spec.batchSize(), masker, spec.run().seed() ^ 0x9B0BEL,
                grouped);
        probe.setTraining(true);
        long tokens = 0;
        long start = 0;
        for (int i = 0; i < PROBE_WARMUP_STEPS + PROBE_TIMED_STEPS; i++) {
            if (i == PROBE_WARMUP_STEPS) {
                start = System.nanoTime();
                tokens = 0;
            }
            probe.parameters().zeroGrads();
            probe.beforeStep(i);
            tokens += probe.trainStep(List.of(stream.next())).tokens();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ArchAuto.Choice choice = ArchAuto.choose(template, tokens / Math.max(1e-9, seconds), spec.run().maxTime(),
                spec.seqLen(), spec.maskProbability(), spec.electra() ? spec.generatorSize() : 0);
        log.println(choice.explanation());
        return choice.config();
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
        if (spec.tokenizer().path() != null) {
            t = Tokenizer.load(spec.tokenizer().path());
            log.println("tokenizer: " + spec.tokenizer().path() + " (" + t.modelType() + ", " + t.vocabularySize()
                    + " tokens)");
        } else {
            TokenizerTrainer.Type tt = spec.tokenizer().trainedType(spec.objective() == PretrainingData.Objective.MLM);
            TokenizerTrainer.Settings settings = TokenizerTrainer.Settings.of(tt, spec.tokenizer().vocabSize())
                    .withThreads(spec.run().threads())
                    .withLowercase(tt == TokenizerTrainer.Type.WORDPIECE && !spec.tokenizer().cased());
            TokenizerTrainer.Result r = TokenizerTrainer.train(settings, corpora.asIterable());
            t = r.tokenizer();
            log.println("tokenizer: trained " + r.summary());
        }
        return t;
    }

    /** The special-token ids the objective needs, or a clear error naming what is missing. */
    public static PretrainingData.SpecialIds specialIds(SpecialTokens sp, PretrainingData.Objective obj) {
        return LanguageModelData.specialIds(sp, obj, "train one with tokenizerType "
                + (obj == PretrainingData.Objective.MLM ? "wordpiece" : "bpe"), List.of("tokenizerType"));
    }

    private static void writeRunConfig(PretrainSpec spec, boolean resuming, ModelConfig config, Tokenizer tokenizer,
                                       PretrainingData data, boolean grouped) throws IOException {
        ObjectNode run = RunRecord.of("pretrain");
        run.put("arch", spec.arch());
        run.put("objective", spec.electra() ? "electra" : spec.objective().name().toLowerCase(Locale.ROOT));
        run.putPOJO("corpus", spec.corpus());
        run.put("tokenizer", tokenizer.modelType() + " " + tokenizer.vocabularySize());
        run.set("model", JSON.valueToTree(config));
        run.put("batch_size", spec.batchSize());
        run.put("accumulate", spec.accumulate());
        run.put("seq_len", spec.seqLen());
        spec.optimizer().writeTo(run);
        run.put("mask_prob", spec.maskProbability());
        if (spec.electra()) {
            run.put("generator_size", spec.generatorSize());
            run.put("embedding_size", config.embeddingSize());
            run.put("discriminator_weight", spec.discriminatorWeight());
        }
        run.put("sentences", spec.sentences());
        run.put("group_by_length", grouped);
        run.putPOJO("in_domain", spec.inDomain().stream().map(Path::toString).toList());
        run.put("in_domain_repeat", spec.inDomainRepeat());
        if (spec.initEmbeddings() != null) {
            run.put("init_embeddings", spec.initEmbeddings().toString());
        }
        run.put("whole_word_mask", spec.wholeWordMask());
        spec.run().writeTo(run);
        run.put("training_sequences", data.trainingSequences());
        run.put("validation_sequences", data.validationSequences());
        RunRecord.write(spec.out(), resuming, run);
    }
}
