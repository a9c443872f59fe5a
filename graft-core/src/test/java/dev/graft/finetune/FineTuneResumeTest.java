package dev.graft.finetune;

import dev.graft.train.RunOptions;
import dev.graft.train.ScheduleKind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.ClassificationExample;
import dev.graft.data.DatasetRegistry;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.task.ClassificationTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fine-tuning resumes exactly: a run stopped after a checkpoint and resumed computes the same per-step
 * losses, evaluations, early-stopping choice and final weights, bit for bit at one thread, as a run never
 * stopped; with cross-validation the finished fold runs are not run again.
 */
class FineTuneResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @TempDir
    static Path shared;
    static Path encoder;
    static Path train;
    static Path dev;
    static Path test;

    @BeforeAll
    static void fixtures() throws IOException {
        encoder = Fixtures.checkpoint(shared.resolve("enc"), COMPUTE, Fixtures.wordPiece(),
                ModelConfig.Architecture.ENCODER);
        train = Fixtures.writeClassification(shared.resolve("train.jsonl"), Fixtures.sentiment(160, 10));
        dev = Fixtures.writeClassification(shared.resolve("dev.jsonl"), Fixtures.sentiment(40, 11));
        test = Fixtures.writeClassification(shared.resolve("test.jsonl"), Fixtures.sentiment(60, 12));
    }

    @AfterAll
    static void close() {
        ONE.close();
    }

    /** A log that fails (as a kill would stop the run) when a line containing {@code trigger} is printed. */
    static PrintStream crashingAt(String trigger) {
        return crashingAt(trigger, 1);
    }

    /** A log that fails at the {@code n}-th line containing {@code trigger}. */
    static PrintStream crashingAt(String trigger, int n) {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                seen.write(b);
                if (b == '\n' && seen.toString(StandardCharsets.UTF_8).split(java.util.regex.Pattern.quote(trigger),
                        -1).length > n) {
                    throw new IllegalStateException("simulated crash at '" + trigger + "'");
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    /**
     * Dropout on, two evaluations per epoch, early stopping with patience, a checkpoint every epoch (10
     * updates); a rate high enough that the dev score peaks and falls.
     */
    private static FineTuneSpec.Builder spec(Path out) {
        return FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out).from(encoder)
                .dev(dev.toString()).test(test.toString()).run(ro -> ro.withEpochs(5)).learningRate(2e-2f).dropout(0.1f)
                .evalsPerEpoch(2).patience(2).run(ro -> ro.withSeed(7)).run(ro -> ro.withThreads(1));
    }

    /** The metrics.jsonl records without their times (which differ between any two runs). */
    static List<String> records(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode rec = (ObjectNode) JSON.readTree(line);
            rec.remove(List.of("elapsed_s", "tokens_per_s"));
            out.add(rec.toString());
        }
        return out;
    }

    @Test
    void aRunStoppedAfterACheckpointAndResumedEqualsOneNeverStopped(@TempDir Path dir) throws IOException {
        FineTuneResult r = assertResumesExactly(dir, FineTuneResumeTest::spec);
        // what makes this a test of early stopping's state: the best model is from before the checkpoint the
        // run resumes from (update 20), and the run stops early counting evaluations from both sides of it
        assertThat(r.bestStep()).isLessThan(20);
        assertThat(r.stoppedBy()).isEqualTo("early-stop");
        assertThat(r.steps()).isEqualTo(25);
    }

    /** checkpointEvery -1 (the experiment's cells, which are re-run, not resumed): no checkpoint per epoch. */
    @Test
    void aRunThatWillNotBeResumedWritesNoCheckpointPerEpoch(@TempDir Path dir) throws IOException {
        Path perEpoch = dir.resolve("per-epoch");
        Path none = dir.resolve("none");
        // crash at the evaluation after update 15: one epoch (10 updates) has ended by then
        assertThatThrownBy(() -> FineTuning.run(spec(perEpoch).build(), crashingAt("eval step 15:")))
                .hasMessageContaining("simulated crash");
        assertThat(Trainer.latestCheckpoint(perEpoch)).isNotNull();
        assertThatThrownBy(() -> FineTuning.run(spec(none).checkpointEvery(-1).build(), crashingAt("eval step 15:")))
                .hasMessageContaining("simulated crash");
        assertThat(Trainer.latestCheckpoint(none)).isNull();
        assertThatThrownBy(() -> spec(none).checkpointEvery(-2).build())
                .hasMessage("checkpointEvery must be >= 0 (0: one checkpoint per epoch), got -2");
    }

    /** ULMFiT (discriminative rates, STLR, gradual unfreezing) with an MLM loss beside the task's. */
    @Test
    void theUlmfitRecipeWithMultitaskResumesExactly(@TempDir Path dir) throws IOException {
        Path corpus = Fixtures.sentimentCorpus(dir.resolve("corpus.txt"), 120, 20);
        assertResumesExactly(dir, out -> spec(out).recipe(FineTuneSpec.Recipe.ULMFIT)
                .multitask(List.of(corpus.toString()), 0.5f, 0.5));
    }

    private static FineTuneResult assertResumesExactly(Path dir, java.util.function.Function<Path, FineTuneSpec.Builder> spec)
            throws IOException {
        Path straight = dir.resolve("straight");
        FineTuneResult expected = FineTuning.run(spec.apply(straight).build(), DatasetRegistry.standard(), QUIET);

        Path stopped = dir.resolve("stopped");
        // evaluations at updates 5, 10, 15, ...; the crash comes in the one at 25, after the checkpoint at 20
        assertThatThrownBy(() -> FineTuning.run(spec.apply(stopped).build(), DatasetRegistry.standard(),
                crashingAt("eval step 25:"))).hasMessageContaining("simulated crash");
        assertThat(Trainer.latestCheckpoint(stopped).getFileName().toString()).isEqualTo("checkpoint-0000020");
        assertThat(Trainer.checkpoints(stopped)).as("only the newest checkpoint is kept").hasSize(1);
        assertThat(stopped.resolve("results.json")).doesNotExist();

        // a plain re-run is refused, naming both ways on
        assertThatThrownBy(() -> FineTuning.run(spec.apply(stopped).build(), DatasetRegistry.standard(), QUIET))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkpoint-0000020").hasMessageContaining("continue it (resume)")
                .hasMessageContaining("start it again (overwrite)");

        // other settings would make a run that is neither: refused, the checkpoint left for the right ones
        assertThatThrownBy(() -> FineTuning.run(spec.apply(stopped).run(ro -> ro.withResume(true)).run(ro -> ro.withSeed(8)).build(),
                DatasetRegistry.standard(), QUIET)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("run.json: the run being resumed was made with other settings (seed 7 -> 8");
        assertThat(Trainer.latestCheckpoint(stopped).getFileName().toString()).isEqualTo("checkpoint-0000020");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        FineTuneResult resumed = FineTuning.run(spec.apply(stopped).run(ro -> ro.withResume(true)).build(), DatasetRegistry.standard(),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("resuming from checkpoint-0000020 (step 20)");

        List<String> want = records(straight);
        assertThat(want.stream().filter(r -> r.contains("\"eval\""))).as("evaluations").hasSizeGreaterThan(4);
        assertThat(records(stopped)).as("per-step losses and evaluations").isEqualTo(want);
        assertThat(resumed.steps()).isEqualTo(expected.steps());
        assertThat(resumed.bestStep()).as("early stopping's choice").isEqualTo(expected.bestStep());
        assertThat(resumed.stoppedBy()).isEqualTo(expected.stoppedBy());
        assertThat(resumed.summaryJson().get("final_train_loss")).as("null when multitask")
                .isEqualTo(expected.summaryJson().get("final_train_loss"));
        assertThat(resumed.testScore()).isEqualTo(expected.testScore());
        assertThat(Files.readAllBytes(stopped.resolve(Checkpoint.WEIGHTS))).as("the final weights, bit for bit")
                .isEqualTo(Files.readAllBytes(straight.resolve(Checkpoint.WEIGHTS)));
        assertThat(Files.readString(stopped.resolve("results.json")))
                .isEqualTo(Files.readString(straight.resolve("results.json")));
        // the finished folder is as an uninterrupted run leaves it: no checkpoint
        assertThat(Trainer.checkpoints(stopped)).isEmpty();
        assertThat(names(stopped)).isEqualTo(names(straight));
        return resumed;
    }

    /** lm-finetune (MLM, discriminative rates, STLR) writes a checkpoint per epoch and resumes from it exactly. */
    @Test
    void languageModelFineTuningResumesExactly(@TempDir Path dir) throws IOException {
        Path corpus = dir.resolve("tapt.txt");
        StringBuilder sb = new StringBuilder();
        for (String[] s : Fixtures.sentiment(200, 30)) {
            sb.append(s[0]).append('\n');
        }
        Files.writeString(corpus, sb.toString());
        java.util.function.Function<Path, LmFineTuneSpec> spec = out -> LmFineTuneSpec.defaults(encoder,
                List.of(corpus.toString()), out).withBatches(8, 32, 2.6)
                .withOptimizer(LmFineTuneSpec.DEFAULT_OPTIMIZER.withLearningRate(1e-3f)
                        .withSchedule(ScheduleKind.STLR))
                .withRun(RunOptions.defaults(out).withEpochs(3).withSeed(7).withThreads(1));
        Path straight = dir.resolve("straight");
        LanguageModelFineTuning.Result expected = LanguageModelFineTuning.run(spec.apply(straight),
                DatasetRegistry.standard(), QUIET);
        Path stopped = dir.resolve("stopped");
        // an evaluation and a checkpoint end each epoch: the crash comes in the second evaluation
        assertThatThrownBy(() -> LanguageModelFineTuning.run(spec.apply(stopped), DatasetRegistry.standard(),
                crashingAt("eval step", 2))).hasMessageContaining("simulated crash");
        Path checkpoint = Trainer.latestCheckpoint(stopped);
        assertThat(checkpoint).isNotNull();
        assertThatThrownBy(() -> LanguageModelFineTuning.run(spec.apply(stopped), DatasetRegistry.standard(), QUIET))
                .hasMessageContaining("continue it (resume)").hasMessageContaining("start it again (overwrite)");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LmFineTuneSpec resume = spec.apply(stopped);
        LanguageModelFineTuning.Result resumed = LanguageModelFineTuning.run(resume.withRun(resume.run()
                .withResume(true)), DatasetRegistry.standard(), new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("resuming from " + checkpoint.getFileName());
        assertThat(records(stopped)).isEqualTo(records(straight));
        assertThat(resumed.trainer().steps()).isEqualTo(expected.trainer().steps());
        assertThat(resumed.trainer().lastLoss()).isEqualTo(expected.trainer().lastLoss());
        assertThat(Files.readAllBytes(stopped.resolve(Checkpoint.WEIGHTS)))
                .isEqualTo(Files.readAllBytes(straight.resolve(Checkpoint.WEIGHTS)));
    }

    @Test
    void resumeWithNothingToResumeStartsAnewSayingSo(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("fresh");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        FineTuneResult r = FineTuning.run(spec(out).run(ro -> ro.withEpochs(1)).build().toBuilder().run(ro -> ro.withResume(true)).build(),
                DatasetRegistry.standard(), new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(r.steps()).isEqualTo(10);
        assertThat(out.resolve("results.json")).exists();
        assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain("resuming from");
        assertThatThrownBy(() -> spec(out).run(ro -> ro.withResume(true)).run(ro -> ro.withOverwrite(true)).build())
                .hasMessage("run.resume and run.overwrite contradict each other: choose one");
        assertThatThrownBy(() -> spec(out).checkpointEvery(-2).build()).hasMessageContaining("checkpointEvery");
    }

    /**
     * Cross-validation stopped in a fold run (after its first checkpoint), resumed, stopped again in the final
     * run, resumed again: the finished fold runs are not run again, and the choice, the final weights and
     * results equal a run never stopped.
     */
    @Test
    void crossValidationResumesSkippingTheFinishedFoldRuns(@TempDir Path dir) throws IOException {
        LabeledSplits<ClassificationExample> data = new LabeledSplits<>(Fixtures.sentimentData(60, 20, "t"), null, Fixtures.sentimentData(40, 21, "x"),
                null);
        Path straight = dir.resolve("straight");
        FineTuneResult expected = FineTuning.runClassification(cvSpec(straight).build(), data, QUIET);

        Path stopped = dir.resolve("stopped");
        Path secondRate = stopped.resolve("cross-validation").resolve("lr-0.003");
        // 40 examples per fold's training part at batch 16: 3 updates per epoch, a checkpoint every 2 updates;
        // the crash comes in the second rate's second fold run at update 7
        assertThatThrownBy(() -> CrossValidation.run(cvSpec(stopped).build(), data,
                (s, d, l) -> FineTuning.fineTuneInto(s, ClassificationTask.HEAD, d,
                        s.run().out().endsWith(Path.of("lr-0.003", "fold-1")) ? crashingAt("eval step 7:") : l), QUIET))
                .hasMessageContaining("simulated crash");
        assertThat(secondRate.resolve("fold-0").resolve(CrossValidation.FOLD_DONE)).exists();
        assertThat(Trainer.latestCheckpoint(secondRate.resolve("fold-1")).getFileName().toString())
                .isEqualTo("checkpoint-0000006");
        assertThat(FineTuning.resumePoint(stopped)).isEqualTo(secondRate.resolve("fold-1"));

        // resumed: the three finished fold runs are skipped; then a crash in the final run after a checkpoint
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(new OutputStream() {
            final PrintStream crash = crashingAt("step 4/");

            @Override
            public void write(int b) {
                log.write(b);
                crash.write(b);
            }
        }, true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CrossValidation.run(cvSpec(stopped).run(ro -> ro.withResume(true)).build(), data,
                (s, d, l) -> FineTuning.fineTuneInto(s, ClassificationTask.HEAD, d, l), both))
                .hasMessageContaining("simulated crash");
        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(text.split("finished before", -1)).as(text).hasSize(4);
        assertThat(Files.readString(secondRate.resolve("fold-1").resolve("log.txt")))
                .contains("resuming from checkpoint-0000006");
        assertThat(Trainer.latestCheckpoint(stopped)).isNotNull();

        FineTuneResult resumed = FineTuning.runClassification(cvSpec(stopped).run(ro -> ro.withResume(true)).build(), data, QUIET);
        assertThat(resumed.selection().choice().best().learningRate())
                .isEqualTo(expected.selection().choice().best().learningRate());
        assertThat(resumed.selection().choice().best().epochs()).isEqualTo(expected.selection().choice().best().epochs());
        assertThat(records(stopped)).isEqualTo(records(straight));
        assertThat(Files.readAllBytes(stopped.resolve(Checkpoint.WEIGHTS)))
                .isEqualTo(Files.readAllBytes(straight.resolve(Checkpoint.WEIGHTS)));
        assertThat(Files.readString(stopped.resolve("cross-validation.json")))
                .isEqualTo(Files.readString(straight.resolve("cross-validation.json")));
        assertThat(Files.readString(stopped.resolve("results.json")))
                .isEqualTo(Files.readString(straight.resolve("results.json")));
        for (String fold : List.of("fold-0", "fold-1")) {
            assertThat(records(secondRate.resolve(fold))).isEqualTo(records(straight.resolve("cross-validation")
                    .resolve("lr-0.003").resolve(fold)));
        }
        assertThat(names(stopped)).isEqualTo(names(straight));
    }

    private static FineTuneSpec.Builder cvSpec(Path out) {
        return FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "keywords", out).from(encoder).run(ro -> ro.withEpochs(4)).folds(2)
                .learningRates(List.of(1e-4f, 3e-3f)).dropout(0.1f).checkpointEvery(2).run(ro -> ro.withSeed(5)).run(ro -> ro.withThreads(1));
    }

    /** Every file and folder under {@code run}, relative, sorted (the lock and marker left out). */
    private static List<String> names(Path run) throws IOException {
        try (Stream<Path> s = Files.walk(run)) {
            return s.map(p -> run.relativize(p).toString()).filter(n -> !n.startsWith(".graft")).sorted().toList();
        }
    }
}
