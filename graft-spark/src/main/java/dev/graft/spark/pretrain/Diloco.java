package dev.graft.spark.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecException;
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
import dev.graft.train.Progress;
import dev.graft.train.Schedule;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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
    /** Inner steps each worker takes in the timing job of a --max-time run (the first two untimed). */
    static final long CALIBRATION_STEPS = 6;
    /** Share of --max-time the rounds are planned to fill: the rest is for the last evaluation and checkpoint. */
    static final double PLAN_SHARE = 0.97;

    private Diloco() {
    }

    /** The outcome: the run folder, rounds and inner steps done, workers, tokens, the last mean loss and validation. */
    public record Result(Path out, long rounds, long innerSteps, int workers, long tokens, long skippedSteps,
                         double lastLoss, Map<String, Double> validation, double tokensPerSecond, double wallSeconds,
                         double runWallSeconds, String stoppedBy) {
        /** The JSON summary {@code graft-spark pretrain} prints as its last line. */
        public ObjectNode toJson() {
            ObjectNode summary = JSON.createObjectNode();
            summary.put("rounds", rounds);
            summary.put("inner_steps", innerSteps);
            summary.put("workers", workers);
            summary.put("tokens_seen", tokens);
            summary.put("skipped_steps", skippedSteps);
            summary.put("final_train_loss", lastLoss);
            validation.forEach(summary::put);
            summary.put("tokens_per_s", tokensPerSecond);
            summary.put("wall_s", wallSeconds);
            summary.put("run_wall_s", runWallSeconds);
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
        if (spec.run().steps() > 0 && spec.run().epochs() > 0) {
            throw new SpecException(List.of("steps", "epochs", "maxTime"), "DiLoCo is planned in inner steps: give "
                    + "steps N (each worker's inner steps in all) or epochs E (passes over the corpus by all workers "
                    + "together), not both (either may go with maxTime)");
        }
        Schedule schedule = Schedule.parse(spec.optimizer().schedule().id(), spec.optimizer().warmup());
        if (!schedule.equals(spec.optimizer().learningRateSchedule())) {
            throw new IllegalStateException("schedule " + spec.optimizer().schedule().id() + " reads back as "
                    + schedule);
        }
        try (RunFolder folder = RunFolder.open(spec.out(), new RunFolder.Request("spark pretrain",
                spec.run().overwrite(), spec.run().resume(), Diloco::latestRound), log)) {
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
        Schedule schedule = spec.optimizer().learningRateSchedule();
        // the limit of --steps or --epochs (none with --max-time alone); with --max-time the plan (total, rounds)
        // is fitted to the budget from the measured pace before the first round and after every round
        long limit = spec.run().steps() > 0 || spec.run().epochs() > 0 ? totalInnerSteps(spec, workers, data)
                : Long.MAX_VALUE;
        Duration budget = spec.run().maxTime();
        long total = limit;
        InnerJob job = new InnerJob(config, obj, spec.seqLen(), ids, spec.maskProbability(), spec.wholeWordMask(),
                spec.monitoring().validationSequences(), spec.batchSize(), spec.accumulate(),
                spec.optimizer().learningRate(), spec.optimizer().schedule().id(), spec.optimizer().warmup(),
                spec.optimizer().weightDecay(), spec.optimizer().clip(), spec.run().seed(),
                Math.min(total, Long.MAX_VALUE / 2), h, workers, spec.run().threads(), out, spec.skipNonFinite());
        long rounds = budget == null ? job.rounds() : Long.MAX_VALUE;
        Compute compute = Compute.create(spec.run().threads());
        try {
            // graft pretrain's initial weights
            LanguageModel lm = new LanguageModel(compute, config, spec.run().seed());
            ParameterSet ps = lm.parameterSet();
            log.printf(Locale.ROOT, "model: %s, %,d parameters; DiLoCo: %d workers x %d inner steps, %s, outer "
                            + "lr %s momentum %s%s%n", spec.arch(), ps.count(), workers, h, budget == null
                            ? rounds + " rounds" : "rounds fitted to " + Progress.format(budget)
                            + (limit < Long.MAX_VALUE ? " (at most " + (limit + h - 1) / h + ")" : ""),
                    settings.outerLr(), settings.outerMomentum(), settings.nesterov() ? " (Nesterov)" : "");
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
            long skipped = 0;
            double priorSeconds = 0;
            if (resuming) {
                Path from = folder.resumeFrom();
                JsonNode state = JSON.readTree(from.resolve(Checkpoint.TRAINING_STATE).resolve(ROUND_STATE).toFile());
                checkSame(from, state, "workers", workers, "workers");
                checkSame(from, state, "inner_steps", h, "innerSteps");
                if (budget == null && state.hasNonNull("max_time_seconds")) {
                    throw new SpecException("maxTime", from + ": the run was started with maxTime "
                            + Progress.format(Duration.ofMillis((long) (1000 * state.path("max_time_seconds")
                            .asDouble()))) + "; resume it with the same maxTime");
                }
                if (budget == null) {
                    checkSame(from, state, "total_inner_steps", total, "steps (or epochs)");
                } else {
                    // the plan in force when the run stopped; refitted to the budget's rest after the next round
                    total = state.path("total_inner_steps").asLong();
                    rounds = (total + h - 1) / h;
                    priorSeconds = state.path("elapsed_seconds").asDouble();
                }
                Checkpoint.readWeights(from.resolve(Checkpoint.WEIGHTS), ps);
                float[] saved = SafeTensors.read(from.resolve(Checkpoint.TRAINING_STATE).resolve(OUTER_STATE))
                        .get("momentum").floats();
                System.arraycopy(saved, 0, momentum, 0, momentum.length);
                round = state.path("round").asLong();
                tokens = state.path("tokens").asLong();
                skipped = state.path("skipped_steps").asLong();
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
            long tokensAtStart = tokens;
            double windowLoss = 0;
            int windowCount = 0;
            long startNanos = System.nanoTime();
            List<Double> roundSeconds = new ArrayList<>();
            double budgetSeconds = budget == null ? 0 : budget.toMillis() / 1000.0;
            try (MetricsLog metrics = new MetricsLog(out.resolve("metrics.jsonl"), round * h)) {
                if (budget != null && !resuming) {
                    // a short timing job on every worker, twice (the first pays for the JVMs' warm-up and the
                    // executors' copy of the corpus), then as many rounds as fit; refitted after every round
                    double perStep = 0;
                    double jobSeconds = 0;
                    int steps = (int) Math.min(h, CALIBRATION_STEPS);
                    for (int pass = 0; pass < 2; pass++) {
                        long t0 = System.nanoTime();
                        Broadcast<float[]> params = sc.broadcast(ps.values().clone());
                        try {
                            perStep = sc.parallelize(workerIds, workers)
                                    .map(w -> job.secondsPerStep(w, steps, params.value(), source))
                                    .reduce(Math::max);
                        } catch (Exception e) { // Spark throws its SparkException (checked) unannounced
                            IllegalArgumentException why = TaskFailure.explained(e);
                            if (why != null) {
                                throw why;
                            }
                            throw e;
                        } finally {
                            params.destroy();
                        }
                        jobSeconds = (System.nanoTime() - t0) / 1e9;
                    }
                    // the timing job's time beyond its steps stands for a round's overhead
                    double perRound = h * perStep + Math.max(0, jobSeconds - steps * perStep);
                    double spent = (System.nanoTime() - startNanos) / 1e9;
                    rounds = fitRounds(0, spent, budgetSeconds, perRound, limit, h);
                    if (rounds == 0) {
                        // a round is not cut short: rather than overrun the budget several times, say so
                        throw new SpecException(List.of("maxTime", "innerSteps"), String.format(Locale.ROOT,
                                "maxTime %s does not fit one round of %d inner steps: a round takes about %.0f s "
                                        + "here (%.3g s per inner step), and timing it took %.0f s; give a longer "
                                        + "maxTime or fewer innerSteps", Progress.format(budget), h, perRound, perStep,
                                spent));
                    }
                    total = Math.min(limit, rounds * h);
                    ObjectNode rec = MetricsLog.record("plan", 0);
                    rec.put("seconds_per_inner_step", perStep);
                    rec.put("timing_job_seconds", jobSeconds);
                    rec.put("planned_rounds", rounds);
                    metrics.write(rec);
                    log.printf(Locale.ROOT, "time budget %s: %.3g s per inner step measured, about %.3g s a round; "
                            + "planned %d rounds (%d inner steps per worker), refitted after every round%n",
                            Progress.format(budget), perStep, perRound, rounds, total);
                }
                while (round < rounds) {
                    if (settings.stopAfterRounds() > 0 && roundsThisJob == settings.stopAfterRounds()) {
                        stoppedBy = "rounds";
                        break;
                    }
                    long started = System.nanoTime();
                    float[] theta = ps.values().clone();
                    Broadcast<float[]> params = sc.broadcast(theta);
                    long r = round;
                    long planned = total;
                    DeltaSum sum;
                    try {
                        sum = sc.parallelize(workerIds, workers)
                                .map(w -> job.run(w, r, planned, params.value(), source))
                                .treeAggregate(new DeltaSum(workers), DeltaSum::add, DeltaSum::merge, 2);
                    } catch (Exception e) { // Spark throws its SparkException (checked) unannounced
                        IllegalArgumentException why = TaskFailure.explained(e);
                        if (why != null) {
                            throw why;
                        }
                        throw e;
                    } finally {
                        params.destroy();
                    }
                    long jobEnded = System.nanoTime();
                    float[] delta = sum.sum();
                    double norm = outerStep(ps.values(), delta, momentum, workers, settings);
                    long outerEnded = System.nanoTime();
                    long stepsBefore = round * h;
                    long stepsAfter = Math.min(total, stepsBefore + h);
                    round++;
                    roundsThisJob++;
                    tokens += sum.tokens();
                    skipped += sum.skipped();
                    for (long s = stepsBefore; s < stepsAfter; s++) {
                        double mean = 0;
                        for (int w = 0; w < workers; w++) {
                            mean += sum.losses(w)[(int) (s - stepsBefore)];
                        }
                        mean /= workers;
                        lastLoss = mean;
                        windowLoss += mean;
                        windowCount++;
                        if ((s + 1) % spec.monitoring().logEvery() == 0) {
                            ObjectNode rec = MetricsLog.record("train", s + 1);
                            rec.put("loss", windowLoss / windowCount);
                            rec.put("lr", spec.optimizer().learningRate() * schedule.factor(s, Math.max(total, 1)));
                            metrics.write(rec);
                            windowLoss = 0;
                            windowCount = 0;
                        }
                    }
                    double elapsed = priorSeconds + (System.nanoTime() - startNanos) / 1e9;
                    boolean timeUp = false;
                    if (budget != null) {
                        // the pace: this job's whole rounds after its first (the JIT's warm-up), or what there is
                        double perRound = roundSeconds.size() > 1
                                ? roundSeconds.subList(1, roundSeconds.size()).stream().mapToDouble(x -> x).average()
                                .orElseThrow()
                                : roundSeconds.isEmpty() ? (outerEnded - started) / 1e9 : roundSeconds.get(0);
                        long fitted = fitRounds(round, elapsed, budgetSeconds, perRound, limit, h);
                        if (fitted != rounds) {
                            rounds = fitted;
                            total = Math.min(limit, rounds * h);
                        }
                        timeUp = round >= rounds || elapsed >= budgetSeconds;
                        if (timeUp && round * h < limit) {
                            stoppedBy = "time";
                        }
                    }
                    boolean last = round >= rounds || timeUp;
                    int evalEvery = spec.monitoring().evalEvery();
                    boolean evaluated = last
                            || (evalEvery > 0 && stepsAfter / evalEvery > stepsBefore / evalEvery);
                    long evalStarted = System.nanoTime();
                    if (evaluated) {
                        val = evaluate(task, metrics, stepsAfter);
                    }
                    long evalEnded = System.nanoTime();
                    elapsed = priorSeconds + (evalEnded - startNanos) / 1e9;
                    saveRound(task, ps, momentum, round, stepsAfter, tokens, settings, total, spec, out,
                            Map.of("elapsed_seconds", elapsed, "skipped_steps", skipped));
                    prune(out, spec.monitoring().keepCheckpoints(), workers);
                    long roundEnded = System.nanoTime();
                    double seconds = (roundEnded - started) / 1e9;
                    roundSeconds.add(seconds);
                    elapsed = priorSeconds + (roundEnded - startNanos) / 1e9;
                    metrics.write(roundRecord(round, stepsAfter, lastLoss, norm, tokens, sum, workers, ps.count(),
                            started, jobEnded, outerEnded, evalStarted, evalEnded, roundEnded, elapsed, rounds));
                    log.printf(Locale.ROOT, "round %d/%d: inner steps %d, loss %.4f, outer gradient norm %.4g, %.1f s%s%n",
                            round, rounds, stepsAfter, lastLoss, norm, seconds, evaluated && val.containsKey("val_loss")
                                    ? String.format(Locale.ROOT, ", val_loss %.4f", val.get("val_loss")) : "");
                    if (timeUp) {
                        break;
                    }
                }
            } finally {
                corpus.destroy();
            }
            boolean finished = round >= rounds || "time".equals(stoppedBy);
            if (finished) {
                task.writeModelFiles(out);
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            return new Result(out, round, Math.min(total, round * h), workers, tokens, skipped, lastLoss, val,
                    Math.round((tokens - tokensAtStart) / Math.max(1e-9, seconds) * 10) / 10.0,
                    Math.round(seconds * 10) / 10.0, Math.round((priorSeconds + seconds) * 10) / 10.0, stoppedBy);
        } finally {
            compute.parallel().close();
        }
    }

    /** What the driver prepares as graft pretrain does: tokenizer, tokenized corpus, sequences, model config, masks. */
    record Prepared(Tokenizer tokenizer, EncodedCorpus encoded, PretrainingData data, ModelConfig config,
                    MaskedLanguageModeling masker, PretrainingData.SpecialIds ids) {
    }

    /**
     * @param sparkTokenize tokenize on the executors ({@link SparkCorpus}: text files or Hadoop URIs read with the
     *                      spec's layout, dataset names as their training split read by paragraph); null to
     *                      tokenize on the driver as graft pretrain does
     */
    static Prepared prepare(PretrainSpec spec, boolean resuming, JavaSparkContext sparkTokenize, PrintStream log)
            throws IOException {
        PretrainingData.Objective obj = spec.objective();
        boolean tokenizerKnown = spec.tokenizer().path() != null
                || (resuming && Files.exists(spec.out().resolve(Checkpoint.TOKENIZER)));
        Corpora corpora = null;
        if (sparkTokenize == null || !tokenizerKnown) {
            corpora = Corpora.resolve(spec.corpus(), DatasetRegistry.standard(), spec.layout(), log);
            log.println("corpus: " + String.join(", ", corpora.descriptions()));
        }
        Tokenizer tokenizer = Pretraining.tokenizer(spec, resuming, corpora, log);
        int vocab = tokenizer.vocabularySize();
        PretrainingData.SpecialIds ids = Pretraining.specialIds(tokenizer.specialTokens(), obj);
        EncodedCorpus encoded;
        if (sparkTokenize != null) {
            encoded = SparkCorpus.encodeSources(sparkTokenize, tokenizer, SparkCorpus.sources(spec.corpus(),
                    spec.layout(), DatasetRegistry.standard(), log), 0);
            log.println("tokenized on the executors: " + String.join(", ", spec.corpus()));
        } else {
            try (Stream<String> docs = corpora.documents()) {
                encoded = CorpusEncoder.encode(tokenizer, docs.iterator(), spec.run().threads(), null);
            }
        }
        log.printf(Locale.ROOT, "tokenized: %,d tokens, %,d sentences, %,d documents%n", encoded.tokenCount(),
                encoded.sentenceCount(), encoded.documentCount());
        PretrainingData data = PretrainingData.build(encoded, obj, spec.seqLen(), vocab, ids,
                InnerJob.VALIDATION_FRACTION, spec.monitoring().validationSequences(), spec.run().seed());
        log.printf(Locale.ROOT, "sequences: %,d for training (%,d tokens), %,d held out for validation%n",
                data.trainingSequences(), data.trainingTokens(), data.validationSequences());
        ModelConfig config = spec.modelConfig(vocab, spec.seqLen(), obj == PretrainingData.Objective.MLM ? ids.pad() : -1);
        MaskedLanguageModeling masker = obj == PretrainingData.Objective.MLM
                ? new MaskedLanguageModeling(spec.maskProbability(), ids.mask(), ids.firstRegular(), vocab,
                spec.wholeWordMask(), spec.run().seed())
                : null;
        return new Prepared(tokenizer, encoded, data, config, masker, ids);
    }

    /**
     * Each worker's inner steps in all: {@code --steps}, or for {@code --epochs E} as many as take the workers
     * together E times through the training batches (each inner step takes {@code --accumulate} batches).
     */
    static long totalInnerSteps(PretrainSpec spec, int workers, PretrainingData data) {
        if (spec.run().steps() > 0) {
            return spec.run().steps();
        }
        long perEpoch = data.trainingStream(spec.batchSize(), null, spec.run().seed()).batchesPerEpoch();
        return Math.max(1, (long) Math.ceil(spec.run().epochs() * perEpoch / ((double) workers * spec.accumulate())));
    }

    /**
     * Rounds a --max-time run can take: {@code done} and as many more as fit into the budget's planned share at
     * {@code perRound} seconds each, at most the rounds of {@code limit} inner steps (--steps or --epochs), at least
     * {@code done}.
     */
    static long fitRounds(long done, double elapsedSeconds, double budgetSeconds, double perRound, long limit, int h) {
        double left = budgetSeconds * PLAN_SHARE - elapsedSeconds;
        long more = perRound > 0 ? (long) Math.max(0, Math.floor(left / perRound)) : 0;
        long cap = limit == Long.MAX_VALUE ? Long.MAX_VALUE / 2 / h : (limit + h - 1) / h;
        return Math.max(done, Math.min(cap, done + more));
    }

    /**
     * A round's record in metrics.jsonl: its losses and outer gradient, and where its time went: the Spark job
     * (broadcasting the parameters, scheduling, the tasks, returning and summing the deltas), within it the
     * slowest worker's inner steps and its setup and state saving, the outer step, the evaluation and the
     * checkpoint. {@code overhead_seconds} is the round's time beyond the slowest worker's inner steps.
     */
    private static ObjectNode roundRecord(long round, long stepsAfter, double loss, double norm, long tokens,
                                          DeltaSum sum, int workers, int parameters, long started, long jobEnded,
                                          long outerEnded, long evalStarted, long evalEnded, long roundEnded,
                                          double elapsed, long plannedRounds) {
        double computeMax = 0;
        double computeSum = 0;
        double taskMax = 0;
        double setupMax = 0;
        double saveMax = 0;
        for (int w = 0; w < workers; w++) {
            double[] t = sum.seconds(w);
            computeMax = Math.max(computeMax, t[1]);
            computeSum += t[1];
            taskMax = Math.max(taskMax, t[0] + t[1] + t[2]);
            setupMax = Math.max(setupMax, t[0]);
            saveMax = Math.max(saveMax, t[2]);
        }
        double seconds = (roundEnded - started) / 1e9;
        double jobSeconds = (jobEnded - started) / 1e9;
        ObjectNode rec = MetricsLog.record("round", stepsAfter);
        rec.put("round", round);
        rec.put("planned_rounds", plannedRounds);
        rec.put("loss", loss);
        rec.put("outer_gradient_norm", norm);
        rec.put("tokens", tokens);
        rec.put("round_tokens", sum.tokens());
        rec.put("skipped_steps", sum.skipped());
        rec.put("seconds", seconds);
        rec.put("tokens_per_s", sum.tokens() / Math.max(1e-9, seconds));
        rec.put("elapsed_s", elapsed);
        rec.put("job_seconds", jobSeconds);
        rec.put("compute_seconds_max", computeMax);
        rec.put("compute_seconds_mean", computeSum / workers);
        rec.put("task_seconds_max", taskMax);
        rec.put("task_setup_seconds_max", setupMax);
        rec.put("task_state_save_seconds_max", saveMax);
        // scheduling, parameter broadcast, result transfer and the tree sum: the job beyond its slowest task
        rec.put("spark_seconds", Math.max(0, jobSeconds - taskMax));
        rec.put("outer_step_seconds", (outerEnded - jobEnded) / 1e9);
        rec.put("eval_seconds", (evalEnded - evalStarted) / 1e9);
        rec.put("checkpoint_seconds", (roundEnded - evalEnded) / 1e9);
        rec.put("overhead_seconds", Math.max(0, seconds - computeMax));
        // float32 parameters broadcast to each worker and a float32 delta back from each (computed, not measured:
        // an executor JVM fetches a broadcast once, and local[K] moves nothing over a network)
        rec.put("parameter_bytes_moved", 2L * workers * 4L * parameters);
        rec.put("broadcast_bytes", 4L * parameters);
        rec.put("delta_bytes", 4L * parameters);
        return rec;
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

    /**
     * Fails unless {@code value} is what the run saved under {@code key};
     * {@code fields} name it ("steps (or epochs)").
     */
    private static void checkSame(Path from, JsonNode state, String key, long value, String fields) {
        long saved = state.path(key).asLong();
        if (saved != value) {
            throw new SpecException(java.util.Arrays.stream(fields.split("\\W+")).filter(w -> !w.isEmpty()
                    && !w.equals("or")).toList(), from + ": the run was started with " + fields + " " + saved
                    + "; resume it with the same " + fields + " (now " + value + ")");
        }
    }

    private static void saveRound(LanguageModelingTask task, ParameterSet ps, float[] momentum, long round,
                                  long steps, long tokens, DilocoSettings settings, long total, PretrainSpec spec,
                                  Path out, Map<String, Object> progress)
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
            s.put("seed", spec.run().seed());
            if (spec.run().maxTime() != null) {
                s.put("max_time_seconds", spec.run().maxTime().toMillis() / 1000.0);
            }
            progress.forEach(s::putPOJO);
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
        run.put("lr", spec.optimizer().learningRate());
        run.put("warmup", spec.optimizer().warmup());
        run.put("schedule", spec.optimizer().schedule().id());
        run.put("weight_decay", spec.optimizer().weightDecay());
        run.put("clip", spec.optimizer().clip());
        run.put("mask_prob", spec.maskProbability());
        run.put("whole_word_mask", spec.wholeWordMask());
        run.put("steps", spec.run().steps());
        run.put("threads_per_task", spec.run().threads());
        run.put("seed", spec.run().seed());
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
