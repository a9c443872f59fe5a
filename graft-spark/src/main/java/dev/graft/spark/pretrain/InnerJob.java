package dev.graft.spark.pretrain;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.SafeTensors;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.Dropout;
import dev.graft.nn.ParameterSet;
import dev.graft.spark.GraftSpark;
import dev.graft.spark.TaskFailure;
import dev.graft.task.LanguageModelingTask;
import dev.graft.task.MaskedLanguageModeling;
import dev.graft.task.PretrainingData;
import dev.graft.tensor.Tensor;
import dev.graft.train.AdamW;
import dev.graft.train.BatchStream;
import dev.graft.train.Schedule;
import dev.graft.train.Trainable;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One worker's part of a round, as a Spark task runs it: from the round's parameters and the worker's own state
 * after its previous round (AdamW moments and step counts, its position in its shard, dropout counters: a file in
 * the run folder), H inner steps exactly as graft's single-process {@link dev.graft.train.Trainer} takes them
 * (same learning-rate schedule over the run's inner steps, clipping, AdamW), then the delta and the new state.
 * A round is a function of (parameters, worker state, seed, round): a retried task writes the same state file and
 * returns the same delta.
 *
 * <p>Worker k's shard is every K-th batch of the single-process batch stream, starting at batch k (with K = 1 the
 * worker sees exactly the batches of {@code graft pretrain}); worker k's dropout is seeded with seed + k.
 */
final class InnerJob implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** AdamW's betas and epsilon as graft pretrain sets them. */
    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.98f;
    static final float EPSILON = 1e-6f;
    /** Held-out share of the corpus (graft pretrain's). */
    static final double VALIDATION_FRACTION = 0.05;

    /** Training sequences built from a broadcast corpus, once per executor JVM. */
    private static final Map<String, PretrainingData> DATA = new ConcurrentHashMap<>();

    final String configJson;
    final PretrainingData.Objective objective;
    final int seqLen;
    final int vocab;
    final int[] specialIds; // pad, cls, sep, mask, endOfText, firstRegular
    final double maskProbability;
    final boolean wholeWordMask;
    final int validationSequences;
    final int batchSize;
    final int accumulate;
    final float lr;
    final String schedule;
    final double warmup;
    final float weightDecay;
    final double clip;
    final long seed;
    final long totalSteps;
    final int innerSteps;
    final int workers;
    final int threads;
    final String runFolder;
    final boolean skipNonFinite;

    InnerJob(ModelConfig config, PretrainingData.Objective objective, int seqLen, PretrainingData.SpecialIds ids,
             double maskProbability, boolean wholeWordMask, int validationSequences, int batchSize, int accumulate,
             float lr, String schedule, double warmup, float weightDecay, double clip, long seed, long totalSteps,
             int innerSteps, int workers, int threads, Path runFolder, boolean skipNonFinite) {
        try {
            this.configJson = JSON.writeValueAsString(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.objective = objective;
        this.seqLen = seqLen;
        this.vocab = config.vocabSize();
        this.specialIds = new int[] {ids.pad(), ids.cls(), ids.sep(), ids.mask(), ids.endOfText(), ids.firstRegular()};
        this.maskProbability = maskProbability;
        this.wholeWordMask = wholeWordMask;
        this.validationSequences = validationSequences;
        this.batchSize = batchSize;
        this.accumulate = accumulate;
        this.lr = lr;
        this.schedule = schedule;
        this.warmup = warmup;
        this.weightDecay = weightDecay;
        this.clip = clip;
        this.seed = seed;
        this.totalSteps = totalSteps;
        this.innerSteps = innerSteps;
        this.workers = workers;
        this.threads = threads;
        this.runFolder = runFolder.toAbsolutePath().toString();
        this.skipNonFinite = skipNonFinite;
        config(); // fails now, on the driver, if the config does not survive the trip
    }

    ModelConfig config() {
        try {
            return JSON.readValue(configJson, ModelConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException("the model config does not read back: " + configJson, e);
        }
    }

    PretrainingData.SpecialIds ids() {
        int[] s = specialIds;
        return new PretrainingData.SpecialIds(s[0], s[1], s[2], s[3], s[4], s[5]);
    }

    MaskedLanguageModeling masker() {
        PretrainingData.SpecialIds ids = ids();
        return objective == PretrainingData.Objective.MLM
                ? new MaskedLanguageModeling(maskProbability, ids.mask(), ids.firstRegular(), vocab, wholeWordMask, seed)
                : null;
    }

    /** The training sequences, as graft pretrain cuts them from the corpus. */
    PretrainingData data(EncodedCorpusSource corpus) {
        return DATA.computeIfAbsent(corpus.key(), k -> PretrainingData.build(corpus.get().rebuild(), objective, seqLen,
                vocab, ids(), VALIDATION_FRACTION, validationSequences, seed));
    }

    /** Where the broadcast corpus comes from (a Spark broadcast on executors). */
    interface EncodedCorpusSource extends Serializable {
        String key();

        FlatCorpus get();
    }

    long rounds() {
        return (totalSteps + innerSteps - 1) / innerSteps;
    }

    static Path stateFile(Path runFolder, int worker, long roundsDone) {
        return runFolder.resolve("workers").resolve(String.format(Locale.ROOT, "worker-%04d", worker))
                .resolve(String.format(Locale.ROOT, "after-round-%06d.safetensors", roundsDone));
    }

    /**
     * Runs worker {@code worker}'s inner steps of round {@code round} (0-based) from {@code parameters}, with the
     * learning-rate schedule laid over {@code total} inner steps (the run's plan: --steps, or what --max-time
     * fits).
     */
    WorkerResult run(int worker, long round, long total, float[] parameters, EncodedCorpusSource corpus)
            throws IOException {
        long started = System.nanoTime();
        PretrainingData data = data(corpus);
        Compute compute = Compute.create(threads);
        try {
            LanguageModel lm = new LanguageModel(compute, config(), seed + worker);
            ParameterSet ps = lm.parameterSet();
            if (parameters.length != ps.count()) {
                throw new IllegalStateException("the round's parameters hold " + parameters.length
                        + " values but the model has " + ps.count());
            }
            System.arraycopy(parameters, 0, ps.values(), 0, parameters.length);
            LanguageModelingTask task = new LanguageModelingTask(lm, List.of(), null);
            AdamW adam = new AdamW(compute, ps, BETA1, BETA2, EPSILON, weightDecay);
            BatchStream<TokenBatch> stream = new Strided(data.trainingStream(batchSize, masker(), seed), workers,
                    worker);
            Path folder = Path.of(runFolder);
            if (round > 0) {
                restore(stateFile(folder, worker, round), adam, stream, lm.dropouts(), ps.count());
            }
            Schedule sched = Schedule.parse(schedule, warmup);
            task.setTraining(true);
            long first = round * innerSteps;
            long last = Math.min(total, first + innerSteps);
            double[] losses = new double[(int) (last - first)];
            long tokens = 0;
            long skipped = 0;
            long computeStart = System.nanoTime();
            for (long step = first; step < last; step++) {
                // as Trainer.run takes one update
                double rate = lr * sched.factor(step, Math.max(total, 1));
                ps.zeroGrads();
                List<TokenBatch> batches = new ArrayList<>(accumulate);
                for (int i = 0; i < accumulate; i++) {
                    batches.add(stream.next());
                }
                task.beforeStep(step);
                Trainable.StepResult r = task.trainStep(batches);
                if (!Double.isFinite(r.loss())) {
                    if (skipNonFinite && skipped < innerSteps) {
                        // as graft pretrain --skip-nonfinite: no update, the batches are spent, the step is retried
                        skipped++;
                        step--;
                        continue;
                    }
                    if (skipNonFinite) {
                        throw new TaskFailure(List.of("learningRate"), "worker " + worker + " skipped " + skipped
                                + " inner steps of round " + (round + 1) + " for a loss that is not finite: the run "
                                + "diverged; resume from the last round's checkpoint with a lower learningRate", null);
                    }
                    throw new TaskFailure(List.of("learningRate", "skipNonFinite"), "the loss became " + r.loss()
                            + " at inner step " + (step + 1) + " of worker " + worker + "; resume from the last "
                            + "round's checkpoint with a lower learningRate, or set skipNonFinite to skip such steps",
                            null);
                }
                task.beforeUpdate(step, stream.position(), adam);
                if (clip > 0) {
                    AdamW.clipGradientNorm(compute, ps, clip);
                }
                adam.step((float) rate);
                losses[(int) (step - first)] = r.loss();
                tokens += r.tokens();
                if (step == first + (last - first) / 2) {
                    haltOnceIfAsked(worker, round);
                }
            }
            long computeEnd = System.nanoTime();
            float[] now = ps.values();
            float[] delta = new float[parameters.length];
            for (int i = 0; i < delta.length; i++) {
                delta[i] = parameters[i] - now[i];
            }
            save(stateFile(folder, worker, round + 1), adam, stream, lm.dropouts(), ps.count());
            return new WorkerResult(worker, delta, losses, tokens, skipped, new double[] {
                (computeStart - started) / 1e9, (computeEnd - computeStart) / 1e9,
                (System.nanoTime() - computeEnd) / 1e9});
        } finally {
            compute.parallel().close();
        }
    }

    /**
     * Times worker {@code worker}'s inner steps for a --max-time plan: {@code steps} steps of round 0 from
     * {@code parameters} (nothing saved, the run's state untouched).
     *
     * @return the seconds per step after the first two (the JIT's warm-up and the first data), or of all if fewer
     */
    double secondsPerStep(int worker, int steps, float[] parameters, EncodedCorpusSource corpus) throws IOException {
        PretrainingData data = data(corpus);
        Compute compute = Compute.create(threads);
        try {
            LanguageModel lm = new LanguageModel(compute, config(), seed + worker);
            ParameterSet ps = lm.parameterSet();
            System.arraycopy(parameters, 0, ps.values(), 0, parameters.length);
            LanguageModelingTask task = new LanguageModelingTask(lm, List.of(), null);
            AdamW adam = new AdamW(compute, ps, BETA1, BETA2, EPSILON, weightDecay);
            BatchStream<TokenBatch> stream = new Strided(data.trainingStream(batchSize, masker(), seed), workers,
                    worker);
            task.setTraining(true);
            int untimed = steps > 2 ? 2 : 0;
            long from = System.nanoTime();
            for (int step = 0; step < steps; step++) {
                if (step == untimed) {
                    from = System.nanoTime();
                }
                ps.zeroGrads();
                List<TokenBatch> batches = new ArrayList<>(accumulate);
                for (int i = 0; i < accumulate; i++) {
                    batches.add(stream.next());
                }
                task.beforeStep(step);
                task.trainStep(batches);
                if (clip > 0) {
                    AdamW.clipGradientNorm(compute, ps, clip);
                }
                adam.step(lr * 1e-3f);
            }
            return (System.nanoTime() - from) / 1e9 / (steps - untimed);
        } finally {
            compute.parallel().close();
        }
    }

    /**
     * The synchronous mode's part of one update on worker {@code worker}: forward and backward over the
     * micro-batches at stream {@code positions} from {@code parameters}, each loss normalized by {@code total}
     * (the predicted positions of the whole update, as {@link LanguageModelingTask#trainStep} normalizes), with
     * each dropout layer at the counter the single-process run has at that micro-batch (one mask per forward).
     *
     * @return the summed gradients (as "delta"), the summed loss × count (as the one "loss"), the tokens
     */
    WorkerResult gradients(int worker, long[] positions, int total, float[] parameters, EncodedCorpusSource corpus)
            throws IOException {
        PretrainingData data = data(corpus);
        String key = "sync " + runFolder + " " + configJson + " " + seed + " " + threads;
        LanguageModel lm = dev.graft.spark.ModelCache.borrow(key,
                () -> new LanguageModel(Compute.create(threads), config(), seed));
        try {
            ParameterSet ps = lm.parameterSet();
            if (parameters.length != ps.count()) {
                throw new IllegalStateException("the step's parameters hold " + parameters.length
                        + " values but the model has " + ps.count());
            }
            System.arraycopy(parameters, 0, ps.values(), 0, parameters.length);
            ps.zeroGrads();
            lm.setTraining(true);
            BatchStream<TokenBatch> stream = data.trainingStream(batchSize, masker(), seed);
            double lossSum = 0;
            long tokens = 0;
            for (long p : positions) {
                for (Dropout d : lm.dropouts()) {
                    d.setCalls(p);
                }
                stream.seek(p);
                TokenBatch b = stream.next();
                float mean = lm.forward(b, true, total);
                lossSum += (double) mean * lm.lastTargetCount();
                for (int i = 0; i < b.rows(); i++) {
                    tokens += b.attentionMask() == null ? 1 : b.attentionMask()[i];
                }
            }
            return new WorkerResult(worker, ps.grads().clone(), new double[] {lossSum}, tokens, 0, new double[3]);
        } finally {
            dev.graft.spark.ModelCache.giveBack(key, lm);
        }
    }

    /**
     * The job's local property that makes one worker's executor JVM die in the middle of one round, once: "FILE
     * WORKER ROUND"; the first attempt that creates FILE halts its JVM. For the fault-tolerance test on a
     * standalone cluster (a real executor lost mid-task, which Spark must retry); never set otherwise.
     */
    static final String HALT_ONCE = "graft.test.haltOnce";

    private static void haltOnceIfAsked(int worker, long round) {
        org.apache.spark.TaskContext context = org.apache.spark.TaskContext.get();
        String ask = context == null ? null : context.getLocalProperty(HALT_ONCE);
        if (ask == null) {
            return;
        }
        String[] parts = ask.split(" ");
        if (Integer.parseInt(parts[1]) != worker || Long.parseLong(parts[2]) != round) {
            return;
        }
        try {
            Files.createFile(Path.of(parts[0]));
        } catch (IOException alreadyDone) {
            return;
        }
        Runtime.getRuntime().halt(137);
    }

    private static void save(Path file, AdamW adam, BatchStream<TokenBatch> stream, List<Dropout> dropouts,
                             int count) throws IOException {
        Files.createDirectories(file.getParent());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("exp_avg", new Tensor(adam.firstMoments(), 0, count));
        tensors.put("exp_avg_sq", new Tensor(adam.secondMoments(), 0, count));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("optimizer_step", Long.toString(adam.stepCount()));
        meta.put("parameter_steps", join(adam.parameterSteps()));
        meta.put("data_position", Long.toString(stream.position()));
        long[] calls = new long[dropouts.size()];
        for (int i = 0; i < calls.length; i++) {
            calls[i] = dropouts.get(i).calls();
        }
        meta.put("dropout_calls", join(calls));
        SafeTensors.write(file, tensors, meta); // written beside, then renamed: a retry overwrites it whole
    }

    private static void restore(Path file, AdamW adam, BatchStream<TokenBatch> stream, List<Dropout> dropouts,
                                int count) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new TaskFailure("the worker state " + file + " is missing on executor " + GraftSpark.host()
                    + ": every executor reads and writes the run folder at the same path (one machine, or a file "
                    + "system all of them mount)", null);
        }
        Map<String, String> meta = SafeTensors.metadata(file);
        Map<String, SafeTensors.Entry> t = SafeTensors.read(file);
        float[] m = t.get("exp_avg").floats();
        float[] v = t.get("exp_avg_sq").floats();
        if (m.length != count || v.length != count) {
            throw new IOException(file + ": optimizer state for " + m.length + " values, the model has " + count);
        }
        adam.restore(Long.parseLong(meta.get("optimizer_step")), split(meta.get("parameter_steps")), m, v);
        stream.seek(Long.parseLong(meta.get("data_position")));
        long[] calls = split(meta.get("dropout_calls"));
        if (calls.length != dropouts.size()) {
            throw new IOException(file + ": " + calls.length + " dropout counters for " + dropouts.size()
                    + " dropout layers: written by a different model");
        }
        for (int i = 0; i < calls.length; i++) {
            dropouts.get(i).setCalls(calls[i]);
        }
    }

    private static String join(long[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i > 0 ? "," : "").append(values[i]);
        }
        return sb.toString();
    }

    private static long[] split(String s) {
        if (s == null || s.isEmpty()) {
            return new long[0];
        }
        return Arrays.stream(s.split(",")).mapToLong(Long::parseLong).toArray();
    }

    /** Worker k of K: batches k, k + K, k + 2K, ... of the single-process stream. */
    static final class Strided implements BatchStream<TokenBatch> {
        private final BatchStream<TokenBatch> all;
        private final int stride;
        private final int offset;
        private long position;

        Strided(BatchStream<TokenBatch> all, int stride, int offset) {
            this.all = all;
            this.stride = stride;
            this.offset = offset;
        }

        @Override
        public TokenBatch next() {
            all.seek(position * stride + offset);
            position++;
            return all.next();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public void seek(long p) {
            position = p;
        }

        @Override
        public long batchesPerEpoch() {
            return Math.max(1, all.batchesPerEpoch() / stride);
        }
    }
}
