package dev.graft.spark.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.Corpora;
import dev.graft.data.DatasetRegistry;
import dev.graft.io.RunFolder;
import dev.graft.model.AtomicFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.SafeTensors;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.ParameterSet;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.pretrain.Pretraining;
import dev.graft.spark.TaskFailure;
import dev.graft.task.CorpusEncoder;
import dev.graft.task.EncodedCorpus;
import dev.graft.task.LanguageModelingTask;
import dev.graft.task.MaskedLanguageModeling;
import dev.graft.task.PretrainingData;
import dev.graft.tensor.Tensor;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.MetricsLog;
import dev.graft.train.Schedule;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Distributed pretraining with DiLoCo on Spark ({@link DilocoSettings}): the driver prepares the run as
 * {@code graft pretrain} does (corpus, tokenizer, sequences, model, run folder), then runs rounds, each one Spark
 * job: the round's parameters are broadcast, K tasks each run {@link InnerJob} (H inner steps on their shard), the
 * deltas come back summed by {@code treeAggregate} in a fixed order ({@link DeltaSum}), and the driver takes the
 * outer step, logs, evaluates and writes a checkpoint. The run folder is the same as graft pretrain's (config.json,
 * model.safetensors, tokenizer.json at the end, metrics.jsonl) with round checkpoints {@code round-NNNNNN/} and the
 * workers' states under {@code workers/}; every executor must reach the run folder at the same path.
 *
 * <p>With K = 1, outer lr 1 and momentum 0 a run takes the same steps as {@code graft pretrain} with the same
 * settings (the outer step then sets the parameters to the worker's, up to float rounding of θ - (θ - θ')).
 */
public final class Diloco {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ROUND_STATE = "diloco.json";
    static final String OUTER_STATE = "outer.safetensors";

    private Diloco() {
    }

    /** The outcome: the run folder, rounds and inner steps done, workers, tokens, the last mean loss and validation. */
    public record Result(Path out, long rounds, long innerSteps, int workers, long tokens, double lastLoss,
                         Map<String, Double> validation, String stoppedBy) {
        /** The JSON summary {@code graft-spark pretrain} prints as its last line. */
        public ObjectNode toJson() {
            ObjectNode summary = JSON.createObjectNode();
            summary.put("rounds", rounds);
            summary.put("inner_steps", innerSteps);
            summary.put("workers", workers);
            summary.put("tokens_seen", tokens);
            summary.put("final_train_loss", lastLoss);
            validation.forEach(summary::put);
            summary.put("stopped_by", stoppedBy);
            summary.put("model", out.toString());
            return summary;
        }
    }

    /** Round checkpoints of a run, oldest first. */
    public static List<Path> roundCheckpoints(Path runFolder) throws IOException {
        if (!Files.isDirectory(runFolder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(runFolder)) {
            return s.filter(p -> p.getFileName().toString().matches("round-\\d+")
                            && Files.isRegularFile(p.resolve(Checkpoint.TRAINING_STATE).resolve(ROUND_STATE)))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
    }

    public static Path latestRound(Path runFolder) throws IOException {
        List<Path> all = roundCheckpoints(runFolder);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** Runs {@code spec} (graft pretrain's settings; --steps counts each worker's inner steps) on {@code session}. */
    public static Result run(PretrainSpec spec, DilocoSettings settings, SparkSession session, PrintStream log)
            throws IOException {
        return run(spec, settings, session, false, log);
    }

    /**
     * {@link #run(PretrainSpec, DilocoSettings, SparkSession, PrintStream)}, the corpus tokenized by a Spark job
     * ({@link SparkCorpus}) when {@code tokenizeOnExecutors}.
     */
    public static Result run(PretrainSpec spec, DilocoSettings settings, SparkSession session,
                             boolean tokenizeOnExecutors, PrintStream log) throws IOException {
        if (spec.maxTime() != null || (spec.steps() > 0 && spec.epochs() > 0)) {
            throw new IllegalArgumentException("DiLoCo is planned in steps: give --steps N (each worker's inner steps "
                    + "in all) or --epochs E (passes over the corpus by all workers together), not both; --max-time "
                    + "is not supported here");
        }
        if (spec.skipNonFinite()) {
            throw new IllegalArgumentException("--skip-nonfinite is not supported by distributed pretraining");
        }
        Schedule schedule = Schedule.parse(spec.schedule(), spec.warmup());
        if (!schedule.equals(spec.learningRateSchedule())) {
            throw new IllegalStateException("schedule " + spec.schedule() + " reads back as " + schedule);
        }
        try (RunFolder folder = RunFolder.open(spec.out(), new RunFolder.Request("spark pretrain", spec.overwrite(),
                spec.resume(), Diloco::latestRound), log)) {
            return run(spec, settings, session, folder, tokenizeOnExecutors, log);
        }
    }

    private static Result run(PretrainSpec spec, DilocoSettings settings, SparkSession session, RunFolder folder,
                              boolean tokenizeOnExecutors, PrintStream log) throws IOException {
        Path out = spec.out();
        boolean resuming = folder.resuming();
        Prepared prep = prepare(spec, resuming, tokenizeOnExecutors
                ? JavaSparkContext.fromSparkContext(session.sparkContext()) : null, log);
        Tokenizer tokenizer = prep.tokenizer();
        EncodedCorpus encoded = prep.encoded();
        PretrainingData data = prep.data();
        ModelConfig config = prep.config();
        MaskedLanguageModeling masker = prep.masker();
        PretrainingData.SpecialIds ids = prep.ids();
        PretrainingData.Objective obj = spec.objective();
        int workers = settings.workers();
        int h = settings.innerSteps();
        Schedule schedule = spec.learningRateSchedule();
        long total = totalInnerSteps(spec, workers, data);
        InnerJob job = new InnerJob(config, obj, spec.seqLen(), ids, spec.maskProbability(), spec.wholeWordMask(),
                spec.validationSequences(), spec.batchSize(), spec.accumulate(), spec.lr(), spec.schedule(),
                spec.warmup(), spec.weightDecay(), spec.clip(), spec.seed(), total, h, workers, spec.threads(),
                out);
        long rounds = job.rounds();
        Compute compute = Compute.create(spec.threads());
        try {
            LanguageModel lm = new LanguageModel(compute, config, spec.seed()); // graft pretrain's initial weights
            ParameterSet ps = lm.parameterSet();
            log.printf(Locale.ROOT, "model: %s, %,d parameters; DiLoCo: %d workers x %d inner steps, %d rounds, outer "
                            + "lr %s momentum %s%s%n", spec.arch(), ps.count(), workers, h, rounds, settings.outerLr(),
                    settings.outerMomentum(), settings.nesterov() ? " (Nesterov)" : "");
            List<TokenBatch> validation = data.validationBatches(spec.batchSize(), masker);
            folder.begin();
            Path tokenizerFile = out.resolve(Checkpoint.TOKENIZER);
            if (!resuming || !Files.exists(tokenizerFile)) {
                tokenizer.save(tokenizerFile);
            }
            LanguageModelingTask task = new LanguageModelingTask(lm, validation,
                    dir -> Files.copy(tokenizerFile, dir.resolve(Checkpoint.TOKENIZER),
                            StandardCopyOption.REPLACE_EXISTING));
            float[] momentum = new float[ps.count()];
            long round = 0;
            long tokens = 0;
            if (resuming) {
                Path from = folder.resumeFrom();
                JsonNode state = JSON.readTree(from.resolve(Checkpoint.TRAINING_STATE).resolve(ROUND_STATE).toFile());
                checkSame(from, state, "workers", workers, "--workers");
                checkSame(from, state, "inner_steps", h, "--inner-steps");
                checkSame(from, state, "total_inner_steps", total, "--steps (or --epochs)");
                Checkpoint.readWeights(from.resolve(Checkpoint.WEIGHTS), ps);
                float[] saved = SafeTensors.read(from.resolve(Checkpoint.TRAINING_STATE).resolve(OUTER_STATE))
                        .get("momentum").floats();
                System.arraycopy(saved, 0, momentum, 0, momentum.length);
                round = state.path("round").asLong();
                tokens = state.path("tokens").asLong();
                log.printf(Locale.ROOT, "resuming from %s (round %d of %d)%n", from.getFileName(), round, rounds);
            }
            writeRunConfig(spec, settings, resuming, config, tokenizer, data);
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(session.sparkContext());
            Broadcast<FlatCorpus> corpus = sc.broadcast(FlatCorpus.of(encoded));
            String corpusKey = sc.sc().applicationId() + "/" + corpus.id();
            InnerJob.EncodedCorpusSource source = new BroadcastCorpus(corpusKey, corpus);
            List<Integer> workerIds = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                workerIds.add(w);
            }
            double lastLoss = Double.NaN;
            Map<String, Double> val = Map.of();
            String stoppedBy = "steps";
            long roundsThisJob = 0;
            double windowLoss = 0;
            int windowCount = 0;
            try (MetricsLog metrics = new MetricsLog(out.resolve("metrics.jsonl"), round * h)) {
                while (round < rounds) {
                    if (settings.stopAfterRounds() > 0 && roundsThisJob == settings.stopAfterRounds()) {
                        stoppedBy = "rounds";
                        break;
                    }
                    long started = System.nanoTime();
                    float[] theta = ps.values().clone();
                    Broadcast<float[]> params = sc.broadcast(theta);
                    long r = round;
                    DeltaSum sum;
                    try {
                        sum = sc.parallelize(workerIds, workers)
                                .map(w -> job.run(w, r, params.value(), source))
                                .treeAggregate(new DeltaSum(workers), DeltaSum::add, DeltaSum::merge, 2);
                    } catch (RuntimeException e) {
                        String why = TaskFailure.explain(e);
                        throw why != null ? new IllegalArgumentException(why, e) : e;
                    } finally {
                        params.destroy();
                    }
                    float[] delta = sum.sum();
                    double norm = outerStep(ps.values(), delta, momentum, workers, settings);
                    long stepsBefore = round * h;
                    long stepsAfter = Math.min(total, stepsBefore + h);
                    round++;
                    roundsThisJob++;
                    tokens += sum.tokens();
                    for (long s = stepsBefore; s < stepsAfter; s++) {
                        double mean = 0;
                        for (int w = 0; w < workers; w++) {
                            mean += sum.losses(w)[(int) (s - stepsBefore)];
                        }
                        mean /= workers;
                        lastLoss = mean;
                        windowLoss += mean;
                        windowCount++;
                        if ((s + 1) % spec.logEvery() == 0) {
                            ObjectNode rec = MetricsLog.record("train", s + 1);
                            rec.put("loss", windowLoss / windowCount);
                            rec.put("lr", spec.lr() * schedule.factor(s, Math.max(total, 1)));
                            metrics.write(rec);
                            windowLoss = 0;
                            windowCount = 0;
                        }
                    }
                    double seconds = (System.nanoTime() - started) / 1e9;
                    ObjectNode rec = MetricsLog.record("round", stepsAfter);
                    rec.put("round", round);
                    rec.put("loss", lastLoss);
                    rec.put("outer_gradient_norm", norm);
                    rec.put("tokens", tokens);
                    rec.put("seconds", seconds);
                    // the parameters to each worker and a delta back from each (float32)
                    rec.put("parameter_bytes_moved", 2L * workers * 4L * ps.count());
                    metrics.write(rec);
                    boolean last = round == rounds;
                    boolean evaluated = last
                            || (spec.evalEvery() > 0 && stepsAfter / spec.evalEvery() > stepsBefore / spec.evalEvery());
                    if (evaluated) {
                        val = evaluate(task, metrics, stepsAfter);
                    }
                    log.printf(Locale.ROOT, "round %d/%d: inner steps %d, loss %.4f, outer gradient norm %.4g, %.1f s%s%n",
                            round, rounds, stepsAfter, lastLoss, norm, seconds, evaluated && val.containsKey("val_loss")
                                    ? String.format(Locale.ROOT, ", val_loss %.4f", val.get("val_loss")) : "");
                    saveRound(task, ps, momentum, round, stepsAfter, tokens, settings, total, spec, out);
                    prune(out, spec.keep(), workers);
                }
            } finally {
                corpus.destroy();
            }
            if (round == rounds) {
                task.writeModelFiles(out);
            }
            return new Result(out, round, Math.min(total, round * h), workers, tokens, lastLoss, val, stoppedBy);
        } finally {
            compute.parallel().close();
        }
    }

    /** What the driver prepares as graft pretrain does: tokenizer, tokenized corpus, sequences, model config, masks. */
    record Prepared(Tokenizer tokenizer, EncodedCorpus encoded, PretrainingData data, ModelConfig config,
                    MaskedLanguageModeling masker, PretrainingData.SpecialIds ids) {
    }

    /**
     * @param sparkTokenize tokenize on the executors ({@link SparkCorpus}: the corpus entries are text files or
     *                      Hadoop URIs read as lines); null to tokenize on the driver as graft pretrain does
     */
    static Prepared prepare(PretrainSpec spec, boolean resuming, JavaSparkContext sparkTokenize, PrintStream log)
            throws IOException {
        PretrainingData.Objective obj = spec.objective();
        boolean tokenizerKnown = spec.tokenizer() != null
                || (resuming && Files.exists(spec.out().resolve(Checkpoint.TOKENIZER)));
        Corpora corpora = null;
        if (sparkTokenize == null || !tokenizerKnown) {
            if (sparkTokenize != null && spec.layout() != dev.graft.data.CorpusReader.Layout.LINES) {
                throw new IllegalArgumentException("--tokenize-on-executors reads the corpus as lines (one document "
                        + "per line): drop --layout " + spec.layout().name().toLowerCase(Locale.ROOT));
            }
            corpora = Corpora.resolve(spec.corpus(), DatasetRegistry.standard(), spec.layout(), log);
            log.println("corpus: " + String.join(", ", corpora.descriptions()));
        }
        Tokenizer tokenizer = Pretraining.tokenizer(spec, resuming, corpora, log);
        int vocab = tokenizer.vocabularySize();
        PretrainingData.SpecialIds ids = Pretraining.specialIds(tokenizer.specialTokens(), obj);
        EncodedCorpus encoded;
        if (sparkTokenize != null) {
            encoded = SparkCorpus.encode(sparkTokenize, tokenizer, spec.corpus(), 0);
            log.println("tokenized on the executors: " + String.join(", ", spec.corpus()));
        } else {
            try (Stream<String> docs = corpora.documents()) {
                encoded = CorpusEncoder.encode(tokenizer, docs.iterator(), spec.threads(), null);
            }
        }
        log.printf(Locale.ROOT, "tokenized: %,d tokens, %,d sentences, %,d documents%n", encoded.tokenCount(),
                encoded.sentenceCount(), encoded.documentCount());
        PretrainingData data = PretrainingData.build(encoded, obj, spec.seqLen(), vocab, ids,
                InnerJob.VALIDATION_FRACTION, spec.validationSequences(), spec.seed());
        log.printf(Locale.ROOT, "sequences: %,d for training (%,d tokens), %,d held out for validation%n",
                data.trainingSequences(), data.trainingTokens(), data.validationSequences());
        ModelConfig config = spec.modelConfig(vocab, spec.seqLen(), obj == PretrainingData.Objective.MLM ? ids.pad() : -1);
        MaskedLanguageModeling masker = obj == PretrainingData.Objective.MLM
                ? new MaskedLanguageModeling(spec.maskProbability(), ids.mask(), ids.firstRegular(), vocab,
                spec.wholeWordMask(), spec.seed())
                : null;
        return new Prepared(tokenizer, encoded, data, config, masker, ids);
    }

    /**
     * Each worker's inner steps in all: {@code --steps}, or for {@code --epochs E} as many as take the workers
     * together E times through the training batches (each inner step takes {@code --accumulate} batches).
     */
    static long totalInnerSteps(PretrainSpec spec, int workers, PretrainingData data) {
        if (spec.steps() > 0) {
            return spec.steps();
        }
        long perEpoch = data.trainingStream(spec.batchSize(), null, spec.seed()).batchesPerEpoch();
        return Math.max(1, (long) Math.ceil(spec.epochs() * perEpoch / ((double) workers * spec.accumulate())));
    }

    /**
     * The outer step: the outer gradient is the workers' mean delta, g = sum / K; with momentum μ and the buffer b
     * (PyTorch's SGD, dampening 0): b = μ b + g, then θ -= lr (g + μ b) with Nesterov, θ -= lr b without.
     *
     * @return the outer gradient's L2 norm
     */
    static double outerStep(float[] theta, float[] sum, float[] momentum, int workers, DilocoSettings s) {
        float mu = (float) s.outerMomentum();
        float lr = (float) s.outerLr();
        double norm = 0;
        for (int i = 0; i < theta.length; i++) {
            float g = sum[i] / workers;
            norm += (double) g * g;
            float b = mu * momentum[i] + g;
            momentum[i] = b;
            float update = s.nesterov() ? g + mu * b : b;
            theta[i] -= lr * update;
        }
        return Math.sqrt(norm);
    }

    private static Map<String, Double> evaluate(LanguageModelingTask task, MetricsLog metrics, long step)
            throws IOException {
        task.setTraining(false);
        Map<String, Double> m = task.evaluate();
        task.setTraining(true);
        if (!m.isEmpty()) {
            ObjectNode rec = MetricsLog.record("eval", step);
            m.forEach(rec::put);
            metrics.write(rec);
        }
        return m;
    }

    private static void checkSame(Path from, JsonNode state, String key, long value, String option) {
        long saved = state.path(key).asLong();
        if (saved != value) {
            throw new IllegalArgumentException(from + ": the run was started with " + option + " " + saved
                    + "; resume it with the same " + option + " (now " + value + ")");
        }
    }

    private static void saveRound(LanguageModelingTask task, ParameterSet ps, float[] momentum, long round,
                                  long steps, long tokens, DilocoSettings settings, long total, PretrainSpec spec,
                                  Path out)
            throws IOException {
        Path dir = out.resolve(String.format(Locale.ROOT, "round-%06d", round));
        task.saveModel(dir, staged -> {
            Path ts = staged.resolve(Checkpoint.TRAINING_STATE);
            Files.createDirectories(ts);
            ObjectNode s = JSON.createObjectNode();
            s.put("round", round);
            s.put("inner_steps_done", steps);
            s.put("tokens", tokens);
            s.put("workers", settings.workers());
            s.put("inner_steps", settings.innerSteps());
            s.put("total_inner_steps", total);
            s.put("outer_lr", settings.outerLr());
            s.put("outer_momentum", settings.outerMomentum());
            s.put("nesterov", settings.nesterov());
            s.put("seed", spec.seed());
            Files.writeString(ts.resolve(ROUND_STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s)
                    + "\n");
            SafeTensors.write(ts.resolve(OUTER_STATE), Map.of("momentum", new Tensor(momentum, 0, ps.count())),
                    Map.of("round", Long.toString(round)));
        });
    }

    /** Keeps the newest {@code keep} round checkpoints and the worker states they resume from. */
    private static void prune(Path out, int keep, int workers) throws IOException {
        List<Path> all = roundCheckpoints(out);
        for (int i = 0; i < all.size() - keep; i++) {
            AtomicFiles.deleteRecursively(all.get(i));
        }
        List<Path> kept = roundCheckpoints(out);
        if (kept.isEmpty()) {
            return;
        }
        long oldest = Long.parseLong(kept.get(0).getFileName().toString().substring("round-".length()));
        for (int w = 0; w < workers; w++) {
            Path dir = InnerJob.stateFile(out, w, 0).getParent();
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (name.matches("after-round-\\d+\\.safetensors")
                            && Long.parseLong(name.replaceAll("\\D", "")) < oldest) {
                        Files.delete(f);
                    }
                }
            }
        }
    }

    private static void writeRunConfig(PretrainSpec spec, DilocoSettings settings, boolean resuming,
                                       ModelConfig config, Tokenizer tokenizer, PretrainingData data)
            throws IOException {
        ObjectNode run = JSON.createObjectNode();
        run.put("command", "spark pretrain");
        run.put("arch", spec.arch());
        run.put("objective", spec.objective().name().toLowerCase(Locale.ROOT));
        run.putPOJO("corpus", spec.corpus());
        run.put("tokenizer", tokenizer.modelType() + " " + tokenizer.vocabularySize());
        run.set("model", JSON.valueToTree(config));
        run.put("workers", settings.workers());
        run.put("inner_steps", settings.innerSteps());
        run.put("outer_lr", settings.outerLr());
        run.put("outer_momentum", settings.outerMomentum());
        run.put("nesterov", settings.nesterov());
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
        run.put("threads_per_task", spec.threads());
        run.put("seed", spec.seed());
        run.put("training_sequences", data.trainingSequences());
        run.put("validation_sequences", data.validationSequences());
        AtomicFiles.writeString(spec.out().resolve(resuming ? "run-resumed.json" : "run.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run) + "\n");
    }

    /** The corpus broadcast once per run; executors key their cached sequences by application and broadcast. */
    private record BroadcastCorpus(String key, Broadcast<FlatCorpus> broadcast) implements InnerJob.EncodedCorpusSource {
        @Override
        public FlatCorpus get() {
            return broadcast.value();
        }
    }
}
