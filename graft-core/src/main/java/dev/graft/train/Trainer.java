package dev.graft.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecException;
import dev.graft.model.AtomicFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.SafeTensors;
import dev.graft.nn.Compute;
import dev.graft.nn.Dropout;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The training loop: AdamW with a schedule, clipping, accumulation, periodic logging, evaluation
 * and checkpoints, stopping on steps, epochs or time, and resume that continues the same run.
 *
 * <p>Run folder layout: {@code metrics.jsonl}; {@code checkpoint-NNNNNN/} (model files plus
 * {@code training_state/}: {@code state.json}, {@code optimizer.safetensors}); and at the end the
 * final model's files in the folder itself.
 *
 * <p>Resume: at one thread, a run killed after a checkpoint and resumed from it computes the same
 * per-step losses as an uninterrupted run, because everything random is a function of the seed
 * and a counter that the checkpoint records (data position, dropout calls).
 */
public final class Trainer<B> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Steps run before timing starts in a --max-time run (the JIT compiles during them). */
    static final int WARMUP_STEPS = 3;
    /** Steps timed before a --max-time run fixes its schedule length. */
    static final int TIMING_STEPS = 10;
    /** A --max-time run that ends before this share of its budget says why. */
    static final double EARLY_END = 0.8;

    private final Compute compute;
    private final Trainable<B> model;
    private final BatchStream<B> data;
    private final TrainingOptions options;
    private final Path runFolder;
    private final PrintStream out;
    private volatile boolean stopRequested;
    private String resumeHint;
    private boolean offersSkipNonFinite;
    private TrainingListener listener = TrainingListener.NONE;
    private java.util.function.LongSupplier clock = System::nanoTime;

    public Trainer(Compute compute, Trainable<B> model, BatchStream<B> data, TrainingOptions options, Path runFolder,
                   PrintStream out) {
        this.compute = compute;
        this.model = model;
        this.data = data;
        this.options = options;
        this.runFolder = runFolder;
        this.out = out;
    }

    /** The outcome of a run. */
    public record Summary(long steps, long tokens, long skippedSteps, double lastLoss, Map<String, Double> validation,
                          double tokensPerSecond, double wallSeconds, Path checkpoint, String stoppedBy,
                          double runSeconds) {
    }

    /**
     * How the user continues an interrupted run ("add --resume to the same graft pretrain command"),
     * printed when a signal stops it; without one the message says only where the model is, for
     * commands that cannot resume.
     */
    public Trainer<B> resumeHint(String hint) {
        this.resumeHint = hint;
        return this;
    }

    /** Lets the error on a non-finite loss suggest {@code skipNonFinite} (for commands that have it). */
    public Trainer<B> offeringSkipNonFinite() {
        this.offersSkipNonFinite = true;
        return this;
    }

    /**
     * The nanosecond clock the run reads for its time budget, throughput and ETA ({@link System#nanoTime} by
     * default); tests inject one to run a time-decay schedule without waiting.
     */
    public Trainer<B> clock(java.util.function.LongSupplier nanos) {
        this.clock = nanos;
        return this;
    }

    /** Tells {@code l} of every update, evaluation and the end of the run. */
    public Trainer<B> listener(TrainingListener l) {
        this.listener = l == null ? TrainingListener.NONE : l;
        return this;
    }

    /** Asks the loop to save a checkpoint and stop after the current step (signal handlers call this). */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Trains. With {@code resume}, continues from the newest checkpoint in the run folder (an error
     * if there is none).
     */
    public Summary run(boolean resume) throws IOException {
        Files.createDirectories(runFolder);
        AdamW adam = new AdamW(compute, model.parameters(), options.beta1(), options.beta2(), options.adamEpsilon(),
                options.weightDecay());
        State state = new State();
        if (resume) {
            Path latest = latestCheckpoint(runFolder);
            if (latest == null) {
                throw new IOException(runFolder + ": no checkpoint-* folder to resume from; start the run anew");
            }
            restore(latest, adam, state);
            out.printf(Locale.ROOT, "resuming from %s (step %d)%n", latest.getFileName(), state.step);
        }
        long plannedSteps = state.plannedSteps > 0 ? state.plannedSteps : plannedFromLimits();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            requestStop();
            try {
                finished.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "graft-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Progress progress = new Progress(out, "train");
        String stoppedBy = null;
        Map<String, Double> validation = Map.of();
        double lastLoss = state.lastLoss;
        long startNanos = clock.getAsLong();
        double priorSeconds = state.elapsedSeconds;
        long tokensAtStart = state.tokens;
        Path lastCheckpoint = null;
        long lastCheckpointStep = -1;
        // a log window cut by a resume goes on: its record averages the same steps as an uninterrupted run's
        double windowLoss = state.windowLoss;
        int windowCount = state.windowCount;
        long windowStart = clock.getAsLong();
        long timingFromNanos = clock.getAsLong();
        long timingFromTokens = state.tokens;
        long firstStepDoneNanos = 0;
        long windowTokens = 0;
        try (MetricsLog metrics = new MetricsLog(runFolder.resolve("metrics.jsonl"), state.step)) {
            model.setTraining(true);
            while (true) {
                String limit = limitReached(state, plannedSteps, priorSeconds + seconds(startNanos));
                if (limit != null) {
                    stoppedBy = limit;
                    break;
                }
                if (stopRequested) {
                    stoppedBy = "signal";
                    break;
                }
                String modelStop = model.stopReason();
                if (modelStop != null) {
                    stoppedBy = modelStop;
                    break;
                }
                double lr = options.learningRate() * (options.schedule() instanceof Schedule.TimeDecay decay
                        && options.maxTime() != null
                        ? decay.factorAtTime((priorSeconds + seconds(startNanos)) / (options.maxTime().toMillis() / 1000.0))
                        : options.schedule().factor(state.step, Math.max(plannedSteps, 1)));
                model.parameters().zeroGrads(compute.parallel());
                List<B> batches = new ArrayList<>(options.accumulation());
                for (int i = 0; i < options.accumulation(); i++) {
                    batches.add(data.next());
                }
                model.beforeStep(state.step);
                Trainable.StepResult r = model.trainStep(batches);
                if (!Double.isFinite(r.loss())) {
                    if (options.skipNonFinite()) {
                        state.skipped++;
                        progress.logLine(String.format(Locale.ROOT, "step %d: loss is %s, update skipped (%d so far)",
                                state.step + 1, r.loss(), state.skipped));
                        continue;
                    }
                    Path good = lastCheckpoint != null ? lastCheckpoint : latestCheckpoint(runFolder);
                    throw new SpecException(offersSkipNonFinite ? List.of("learningRate", "skipNonFinite")
                            : List.of("learningRate"), "the loss became " + r.loss() + " at step " + (state.step + 1)
                            + (good != null ? "; the last good checkpoint is " + good : "; no checkpoint was written "
                            + "before it") + ". Lower learningRate" + (offersSkipNonFinite
                            ? ", or set skipNonFinite to skip such steps" : ""));
                }
                model.beforeUpdate(state.step, data.position(), adam);
                double norm = options.clipNorm() > 0
                        ? AdamW.clipGradientNorm(compute, model.parameters(), options.clipNorm())
                        : Math.sqrt(compute.kernels().sumOfSquares(model.parameters().count(),
                        model.parameters().grads(), 0));
                adam.step((float) lr);
                state.step++;
                state.tokens += r.tokens();
                lastLoss = r.loss();
                state.lastLoss = lastLoss;
                windowLoss += r.loss();
                windowCount++;
                windowTokens += r.tokens();
                if (options.maxTime() != null && state.plannedSteps == 0
                        && state.step == state.timingStart + WARMUP_STEPS) {
                    timingFromNanos = clock.getAsLong();
                    timingFromTokens = state.tokens;
                }
                if (options.maxTime() != null && state.step == state.timingStart + WARMUP_STEPS + TIMING_STEPS
                        && state.plannedSteps == 0) {
                    double perStep = seconds(timingFromNanos) / TIMING_STEPS;
                    double meanTokens = data.meanTokensPerBatch();
                    if (Double.isFinite(meanTokens) && state.tokens > timingFromTokens) {
                        // batches of varied sizes: the timed ones' time per token, times an average step's tokens
                        perStep = seconds(timingFromNanos) / (state.tokens - timingFromTokens) * meanTokens
                                * options.accumulation();
                    }
                    plannedSteps = planFromTiming(state, priorSeconds + seconds(startNanos), perStep);
                    state.plannedSteps = plannedSteps;
                    progress.logLine(String.format(Locale.ROOT, "time budget %s: planned %d steps from the measured"
                            + " step time", Progress.format(options.maxTime()), plannedSteps));
                }
                double elapsed = priorSeconds + seconds(startNanos);
                double rate = (state.tokens - tokensAtStart) / Math.max(1e-9, seconds(startNanos));
                if (firstStepDoneNanos == 0) {
                    firstStepDoneNanos = clock.getAsLong();
                }
                Duration eta = eta(plannedSteps - state.step, seconds(startNanos), state.step - state.stepAtStart,
                        seconds(firstStepDoneNanos));
                long shownSteps = plannedSteps;
                if (options.schedule() instanceof Schedule.TimeDecay && options.maxTime() != null) {
                    // a schedule that decays to 0 at the time budget ends with the budget, not at a step count:
                    // the time left is the ETA, and the steps it holds at this run's pace complete the count
                    double left = Math.max(0, options.maxTime().toMillis() / 1000.0 - elapsed);
                    long perStepNanos = eta(1, seconds(startNanos), state.step - state.stepAtStart,
                            seconds(firstStepDoneNanos)).toNanos();
                    eta = Duration.ofMillis((long) (1000 * left));
                    shownSteps = state.step + (perStepNanos > 0 ? (long) Math.ceil(left * 1e9 / perStepNanos) : 0);
                }
                progress.update(state.step, shownSteps, r.loss(), rate, eta);
                listener.onStep(new TrainingListener.Step(state.step, shownSteps, r.loss(), lr,
                        (double) data.position() / Math.max(1, data.batchesPerEpoch())));
                if (state.step % options.logEvery() == 0) {
                    double windowSeconds = seconds(windowStart);
                    ObjectNode rec = MetricsLog.record("train", state.step);
                    rec.put("loss", windowLoss / windowCount);
                    for (Map.Entry<String, Double> part : r.parts().entrySet()) {
                        rec.put("loss_" + part.getKey(), part.getValue());
                    }
                    rec.put("lr", lr);
                    rec.put("grad_norm", norm);
                    rec.put("tokens", state.tokens);
                    rec.put("tokens_per_s", windowTokens / Math.max(1e-9, windowSeconds));
                    rec.put("elapsed_s", elapsed);
                    rec.put("epoch", (double) data.position() / Math.max(1, data.batchesPerEpoch()));
                    metrics.write(rec);
                    if (!progress.isBar()) {
                        progress.logLine(String.format(Locale.ROOT,
                                "step %d/%d loss %.4f lr %.3g %,.0f tok/s elapsed %s ETA %s", state.step, shownSteps,
                                windowLoss / windowCount, lr, windowTokens / Math.max(1e-9, windowSeconds),
                                Progress.format(Duration.ofSeconds((long) elapsed)), Progress.format(eta)));
                    }
                    windowLoss = 0;
                    windowCount = 0;
                    windowTokens = 0;
                    windowStart = clock.getAsLong();
                }
                if (options.evalEvery() > 0 && state.step % options.evalEvery() == 0) {
                    validation = evaluate(metrics, state.step, progress);
                }
                if (options.checkpointEvery() > 0 && state.step % options.checkpointEvery() == 0) {
                    state.elapsedSeconds = priorSeconds + seconds(startNanos);
                    state.windowLoss = windowLoss;
                    state.windowCount = windowCount;
                    lastCheckpoint = saveCheckpoint(adam, state);
                    lastCheckpointStep = state.step;
                }
            }
            progress.finish();
            state.elapsedSeconds = priorSeconds + seconds(startNanos);
            boolean evaluatedThisStep = options.evalEvery() > 0 && state.step % options.evalEvery() == 0
                    && !validation.isEmpty();
            // stopped by a signal, the run is to be resumed: an extra evaluation here would be one that the
            // uninterrupted run never makes (and early stopping would count it)
            if (!evaluatedThisStep && !"signal".equals(stoppedBy)) {
                validation = evaluate(metrics, state.step, progress);
            }
            if (lastCheckpointStep != state.step || lastCheckpoint == null) {
                state.windowLoss = windowLoss;
                state.windowCount = windowCount;
                lastCheckpoint = saveCheckpoint(adam, state);
            }
            model.writeModelFiles(runFolder);
            double budget = options.maxTime() == null ? 0 : options.maxTime().toMillis() / 1000.0;
            if ("time".equals(stoppedBy) && state.elapsedSeconds < EARLY_END * budget) {
                out.printf(Locale.ROOT, "note: the %d steps planned for the %s budget took %s: the first steps, timed "
                                + "to plan, were slower than the later ones (the JIT was still compiling). To train "
                                + "longer, give run.epochs (about %.3g fit the budget at the later pace)%n", state.step,
                        Progress.format(options.maxTime()), Progress.format(Duration.ofMillis(
                                (long) (1000 * state.elapsedSeconds))),
                        state.step * options.accumulation() * budget / Math.max(1e-9, state.elapsedSeconds)
                                / Math.max(1, data.batchesPerEpoch()));
            }
            if ("signal".equals(stoppedBy)) {
                out.printf(Locale.ROOT, "interrupted at step %d: the model trained so far is in %s%s%n", state.step,
                        runFolder, resumeHint == null ? "" : " (checkpoint " + lastCheckpoint.getFileName()
                                + "); to continue, " + resumeHint);
                out.flush();
            }
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down (a signal): the hook is running and will see the latch
            }
        }
        double wall = state.elapsedSeconds;
        listener.onEnd(new TrainingListener.End(state.step, lastLoss, stoppedBy));
        return new Summary(state.step, state.tokens, state.skipped, lastLoss, validation,
                (state.tokens - tokensAtStart) / Math.max(1e-9, seconds(startNanos)), wall, lastCheckpoint, stoppedBy,
                wall - priorSeconds);
    }

    private Map<String, Double> evaluate(MetricsLog metrics, long step, Progress progress) throws IOException {
        model.setTraining(false);
        Map<String, Double> m = model.evaluate();
        model.setTraining(true);
        if (m.isEmpty()) {
            return m;
        }
        ObjectNode rec = MetricsLog.record("eval", step);
        StringBuilder line = new StringBuilder("eval step " + step + ":");
        for (Map.Entry<String, Double> e : m.entrySet()) {
            rec.put(e.getKey(), e.getValue());
            line.append(String.format(Locale.ROOT, " %s %.4f", e.getKey(), e.getValue()));
        }
        metrics.write(rec);
        progress.logLine(line.toString());
        listener.onEvaluation(new TrainingListener.Evaluation(step, m));
        return m;
    }

    private long plannedFromLimits() {
        long planned = plannedFromLimitsExceptTime();
        if (planned == Long.MAX_VALUE) {
            // time only: a provisional length until the step time is measured
            planned = 1_000_000;
        }
        return planned;
    }

    private long planFromTiming(State state, double elapsedSeconds, double perStep) {
        // steps after the JIT warm-up are timed; evaluations and checkpoints cost extra, so keep 3% of
        // the budget for them and for the final evaluation
        double budget = options.maxTime().toMillis() / 1000.0 * 0.97;
        long fit = state.step + (long) Math.max(0, (budget - elapsedSeconds) / perStep);
        long limits = plannedFromLimitsExceptTime();
        return Math.max(state.step, Math.min(fit, limits));
    }

    private long plannedFromLimitsExceptTime() {
        long planned = Long.MAX_VALUE;
        if (options.maxSteps() > 0) {
            planned = options.maxSteps();
        }
        if (options.maxEpochs() > 0) {
            long perEpoch = Math.max(1, data.batchesPerEpoch() / options.accumulation());
            planned = Math.min(planned, (long) Math.ceil(options.maxEpochs() * perEpoch));
        }
        return planned;
    }

    private String limitReached(State state, long plannedSteps, double elapsedSeconds) {
        if (options.maxSteps() > 0 && state.step >= options.maxSteps()) {
            return "steps";
        }
        if (options.maxEpochs() > 0
                && data.position() >= (long) Math.ceil(options.maxEpochs() * data.batchesPerEpoch())) {
            return "epochs";
        }
        if (options.maxTime() != null) {
            // a time-decay schedule runs until its rate reaches 0 at the budget, not to a planned step count
            if (state.plannedSteps > 0 && state.step >= plannedSteps
                    && !(options.schedule() instanceof Schedule.TimeDecay)) {
                return "time";
            }
            if (elapsedSeconds >= options.maxTime().toMillis() / 1000.0) {
                return "time";
            }
        }
        return null;
    }

    /**
     * The time left for {@code remaining} steps at the pace of this run's steps after its first: the first
     * step of a run (a fresh one or a resumed one) pays for the JIT's warm-up and the first data, and timing
     * from it made the first estimates several times too long. Until a second step is done, the first
     * step's pace is all there is.
     *
     * @param secondsSinceStart      since this run's first step began
     * @param stepsSinceStart        steps this run has done
     * @param secondsSinceFirstStep  since this run's first step ended
     */
    static Duration eta(long remaining, double secondsSinceStart, long stepsSinceStart, double secondsSinceFirstStep) {
        double perStep = stepsSinceStart > 1 ? secondsSinceFirstStep / (stepsSinceStart - 1)
                : secondsSinceStart / Math.max(1, stepsSinceStart);
        return Duration.ofMillis((long) (1000 * Math.max(0, remaining) * perStep));
    }

    private double seconds(long startNanos) {
        return (clock.getAsLong() - startNanos) / 1e9;
    }

    // ------------------------------------------------------------------------------- checkpoints

    /** Mutable progress of a run; what a checkpoint's state.json records. */
    static final class State {
        long step;
        long stepAtStart;
        long tokens;
        long skipped;
        long plannedSteps;
        long timingStart;
        double elapsedSeconds;
        double lastLoss = Double.NaN;
        double windowLoss;
        int windowCount;
    }

    private Path saveCheckpoint(AdamW adam, State state) throws IOException {
        Path folder = runFolder.resolve(String.format(Locale.ROOT, "checkpoint-%07d", state.step));
        model.saveModel(folder, staged -> {
            Path ts = staged.resolve(Checkpoint.TRAINING_STATE);
            Files.createDirectories(ts);
            ObjectNode s = JSON.createObjectNode();
            s.put("step", state.step);
            s.put("tokens", state.tokens);
            s.put("skipped_steps", state.skipped);
            s.put("planned_steps", state.plannedSteps);
            s.put("elapsed_seconds", state.elapsedSeconds);
            if (Double.isFinite(state.lastLoss)) {
                s.put("last_loss", state.lastLoss);
            }
            if (state.windowCount > 0) {
                s.put("log_window_loss", state.windowLoss);
                s.put("log_window_steps", state.windowCount);
            }
            s.put("data_position", data.position());
            s.put("optimizer_step", adam.stepCount());
            ArrayNode parameterSteps = s.putArray("optimizer_parameter_steps");
            for (long t : adam.parameterSteps()) {
                parameterSteps.add(t);
            }
            ArrayNode calls = s.putArray("dropout_calls");
            for (Dropout d : model.dropouts()) {
                calls.add(d.calls());
            }
            s.set("options", optionsSnapshot());
            Files.writeString(ts.resolve("state.json"), JSON.writeValueAsString(s) + "\n");
            ParameterSet ps = model.parameters();
            Map<String, Tensor> moments = new LinkedHashMap<>();
            for (int i = 0; i < ps.list().size(); i++) {
                Parameter p = ps.list().get(i);
                moments.put("exp_avg." + p.name(), new Tensor(adam.firstMoments(), ps.offset(i), p.shape()));
                moments.put("exp_avg_sq." + p.name(), new Tensor(adam.secondMoments(), ps.offset(i), p.shape()));
            }
            SafeTensors.write(ts.resolve("optimizer.safetensors"), moments, Map.of("step",
                    Long.toString(adam.stepCount())));
            model.saveTrainingState(ts);
        });
        pruneCheckpoints();
        return folder;
    }

    private ObjectNode optionsSnapshot() {
        ObjectNode o = JSON.createObjectNode();
        o.put("learning_rate", options.learningRate());
        o.put("schedule", options.schedule().name());
        o.put("accumulation", options.accumulation());
        o.put("max_steps", options.maxSteps());
        o.put("max_epochs", options.maxEpochs());
        o.put("max_time_seconds", options.maxTime() == null ? null : options.maxTime().toSeconds());
        return o;
    }

    private void pruneCheckpoints() throws IOException {
        List<Path> all = checkpoints(runFolder);
        for (int i = 0; i < all.size() - options.keepCheckpoints(); i++) {
            AtomicFiles.deleteRecursively(all.get(i));
        }
    }

    /** Checkpoint folders of a run, oldest first. */
    public static List<Path> checkpoints(Path runFolder) throws IOException {
        if (!Files.isDirectory(runFolder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(runFolder)) {
            return s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+")
                            && Files.isDirectory(p.resolve(Checkpoint.TRAINING_STATE)))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
    }

    public static Path latestCheckpoint(Path runFolder) throws IOException {
        List<Path> all = checkpoints(runFolder);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    private void restore(Path checkpoint, AdamW adam, State state) throws IOException {
        // the checkpoint's config names its family, whose tensor names the weights file uses (HfNames)
        Path savedConfig = checkpoint.resolve(Checkpoint.CONFIG);
        Checkpoint.readWeights(checkpoint.resolve(Checkpoint.WEIGHTS),
                Files.exists(savedConfig) ? dev.graft.model.HfConfig.read(savedConfig) : null, model.savedParameters());
        Path ts = checkpoint.resolve(Checkpoint.TRAINING_STATE);
        JsonNode s = JSON.readTree(Files.readString(ts.resolve("state.json")));
        state.step = s.path("step").asLong();
        state.stepAtStart = state.step;
        state.timingStart = state.step;
        state.tokens = s.path("tokens").asLong();
        state.skipped = s.path("skipped_steps").asLong();
        state.plannedSteps = s.path("planned_steps").asLong();
        state.elapsedSeconds = s.path("elapsed_seconds").asDouble();
        state.lastLoss = s.path("last_loss").asDouble(Double.NaN);
        state.windowLoss = s.path("log_window_loss").asDouble(0);
        state.windowCount = s.path("log_window_steps").asInt(0);
        data.seek(s.path("data_position").asLong());
        JsonNode calls = s.path("dropout_calls");
        List<Dropout> dropouts = model.dropouts();
        if (calls.size() != dropouts.size()) {
            throw new IOException(ts + ": the checkpoint has " + calls.size() + " dropout layers but the model has "
                    + dropouts.size() + "; it was written by a different model");
        }
        for (int i = 0; i < dropouts.size(); i++) {
            dropouts.get(i).setCalls(calls.get(i).asLong());
        }
        Map<String, SafeTensors.Entry> moments = SafeTensors.read(ts.resolve("optimizer.safetensors"));
        ParameterSet ps = model.parameters();
        float[] m = new float[ps.count()];
        float[] v = new float[ps.count()];
        for (int i = 0; i < ps.list().size(); i++) {
            Parameter p = ps.list().get(i);
            SafeTensors.Entry em = moments.get("exp_avg." + p.name());
            SafeTensors.Entry ev = moments.get("exp_avg_sq." + p.name());
            if (em == null || ev == null || em.size() != p.size() || ev.size() != p.size()) {
                throw new IOException(ts + ": optimizer state for " + p.name() + " is missing or has the wrong size");
            }
            System.arraycopy(em.floats(), 0, m, ps.offset(i), p.size());
            System.arraycopy(ev.floats(), 0, v, ps.offset(i), p.size());
        }
        JsonNode parameterSteps = s.path("optimizer_parameter_steps");
        if (parameterSteps.isArray() && parameterSteps.size() == ps.list().size()) {
            long[] steps = new long[parameterSteps.size()];
            for (int i = 0; i < steps.length; i++) {
                steps[i] = parameterSteps.get(i).asLong();
            }
            adam.restore(s.path("optimizer_step").asLong(), steps, m, v);
        } else {
            adam.restore(s.path("optimizer_step").asLong(), m, v); // written before per-parameter steps
        }
        model.restoreTrainingState(ts);
    }
}
