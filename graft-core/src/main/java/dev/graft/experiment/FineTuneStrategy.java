package dev.graft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.distill.Distillation;
import dev.graft.finetune.CrossValidation;
import dev.graft.finetune.FineTuneResult;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.FineTuning;
import dev.graft.finetune.LabeledSplits;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.task.Head;
import dev.graft.task.Heads;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The strategies that fine-tune a neural model on the cell's labels: one cell is one {@link FineTuning} run in
 * {@code cells/STRATEGY/KEY/} (early stopping on the dev part, or the few-label protocol's cross-validation of
 * the rate), scored on the test set. The six differ only in what they share ({@link Preparation}) and where
 * fine-tuning starts ({@link Start}): one instance of this record per strategy holds the two, made by the
 * strategy's factory method ({@link #scratch()}, {@link #transfer()}, ...); the cell's run is the one below.
 *
 * <p>A cell's cost counts its starting run's pretraining (shared by the cells, counted in each) and its own
 * fine-tuning tokens, the protocol's selection runs included; FLOPs are 6 x parameters x tokens.
 */
record FineTuneStrategy(Strategy strategy, Preparation preparation, Start start) implements StrategyRun {
    /** The fine-tuning results kept beside a cell's test scores: the protocol's choices and the training loss. */

    /** Where a strategy's fine-tuning starts. */
    @FunctionalInterface
    interface Start {
        /**
         * Sets where fine-tuning starts on {@code b}.
         *
         * @return the pretraining runs whose cost a cell carries, the run the model starts from first; empty for
         *         none (random weights, or a model pretrained elsewhere)
         */
        List<PretrainRun> set(FineTuneSpec.Builder b, Cell<?> cell, SharedRuns shared) throws IOException;
    }

    /** {@code scratch}: the task model from random weights with the corpus' tokenizer. */
    static FineTuneStrategy scratch() {
        return new FineTuneStrategy(Strategy.SCRATCH, Preparation.whenPending(SharedRuns::tokenizer), (b, cell, shared) -> {
            b.scratch(shared.spec.arch(), shared.tokenizer());
            return List.of();
        });
    }

    /** {@code transfer}: fine-tunes the base pretraining run (a shorter one of its own for a sweep arm). */
    static FineTuneStrategy transfer() {
        return new FineTuneStrategy(Strategy.TRANSFER, (shared, data, pending) -> {
            shared.basePretraining();
            for (double share : shared.spec.pretraining().sweep()) {
                shared.basePretraining(share);
            }
        }, (b, cell, shared) -> {
            double share = cell.arm().share();
            return List.of(from(b, share == 1 ? shared.basePretraining() : shared.basePretraining(share)));
        });
    }

    /**
     * {@code ulmfit}: the base LM fine-tuned on the task's text, then the ULMFiT recipe; a cell carries the LM
     * fine-tuning and the base pretraining under it.
     */
    static FineTuneStrategy ulmfit() {
        return new FineTuneStrategy(Strategy.ULMFIT, (shared, data, pending) -> shared.tapt(),
                (b, cell, shared) -> List.of(from(b.recipe(FineTuneSpec.Recipe.ULMFIT), shared.tapt()),
                        shared.basePretraining()));
    }

    /** {@code merged}: pretrained on the corpus plus the task's unlabeled text. */
    static FineTuneStrategy merged() {
        return new FineTuneStrategy(Strategy.MERGED, (shared, data, pending) -> shared.mergedPretraining(data),
                (b, cell, shared) -> List.of(from(b, shared.mergedPretraining(cell.data()))));
    }

    /**
     * {@code vectors-init}: the task model from random weights but its token embeddings, which start from static
     * vectors trained on the corpus over the experiment's tokenizer; no MLM.
     */
    static FineTuneStrategy vectorsInit() {
        return new FineTuneStrategy(Strategy.VECTORS_INIT, Preparation.whenPending(SharedRuns::tokenVectors),
                (b, cell, shared) -> {
                    b.scratch(shared.spec.arch(), shared.tokenizer()).initEmbeddings(shared.tokenVectors());
                    return List.of();
                });
    }

    /** {@code vectors-init+mlm}: the same start, then the base pretraining, then full fine-tuning. */
    static FineTuneStrategy vectorsInitMlm() {
        return new FineTuneStrategy(Strategy.VECTORS_INIT_MLM,
                (shared, data, pending) -> shared.vectorsInitPretraining(),
                (b, cell, shared) -> List.of(from(b, shared.vectorsInitPretraining())));
    }

    /** {@code multitask}: from random weights, the LM loss on the corpus beside the task loss. */
    static FineTuneStrategy multitask() {
        return new FineTuneStrategy(Strategy.MULTITASK, Preparation.whenPending(SharedRuns::tokenizer), (b, cell, shared) -> {
            ExperimentSpec spec = shared.spec;
            b.scratch(spec.arch(), shared.tokenizer()).multitask(spec.corpus(), spec.lmWeight(), spec.mix())
                    .lmSequenceLength(spec.lmSequenceLength());
            return List.of();
        });
    }

    /** {@code pretrained}: a model pretrained elsewhere (a checkpoint folder, or a known model imported once). */
    static FineTuneStrategy pretrained() {
        return new FineTuneStrategy(Strategy.PRETRAINED, (shared, data, pending) -> {
            if (pending) {
                shared.pretrainedModel();
            }
        }, (b, cell, shared) -> {
            b.from(shared.pretrainedModel());
            return List.of();
        });
    }

    /**
     * {@code distilled}: full fine-tuning, as {@code pretrained} does it, of the student of a {@code graft distill}
     * run ({@code --distilled DIR}; the spec checked its folder). A cell carries the distillation's tokens and wall
     * time (from the run's {@value Distillation#SUMMARY_FILE}, 0 when it left none); the teacher's own
     * pretraining, done elsewhere, is not counted, as for {@code pretrained}.
     */
    static FineTuneStrategy distilled() {
        return new FineTuneStrategy(Strategy.DISTILLED, (shared, data, pending) -> {
        }, (b, cell, shared) -> {
            PretrainRun run = distilledRun(shared);
            b.from(run.folder());
            return List.of(run);
        });
    }

    /**
     * The {@code graft distill} run of {@code --distilled} as a pretraining cost: its tokens and wall time (from
     * its {@value Distillation#SUMMARY_FILE}, 0 when it left none).
     */
    static PretrainRun distilledRun(SharedRuns shared) throws IOException {
        Path folder = shared.spec.distilled();
        Path summary = folder.resolve(Distillation.SUMMARY_FILE);
        JsonNode s = Files.exists(summary) ? new ObjectMapper().readTree(summary.toFile()) : null;
        return new PretrainRun("distilled (given: " + folder + ")", folder,
                s == null ? 0 : s.path("tokens_seen").asLong(0), s == null ? 0 : s.path("wall_s").asDouble(0),
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    /** Trains the corpus' tokenizer ahead of the cells of a strategy that starts from random weights. */
    /** Fine-tuning from {@code pre}'s folder. */
    private static PretrainRun from(FineTuneSpec.Builder b, PretrainRun pre) {
        b.from(pre.folder());
        return pre;
    }

    @Override
    public <E> CellResult run(Cell<E> cell, SharedRuns shared) throws IOException {
        ExperimentSpec spec = shared.spec;
        Experiment.Subset<E> subset = cell.subset();
        Experiment.Data<E> data = cell.data();
        Path cellDir = cellDir(cell, shared);
        FineTuneSpec.Builder b = cellSpec(cell, shared, cellDir)
                .devFraction(spec.protocol().devFraction())
                .checkpointEvery(-1); // a cell is re-run, not resumed: no checkpoint per epoch (270 MB each for MiniLM)
        List<PretrainRun> pretraining = start.set(b, cell, shared);
        if (!pretraining.isEmpty()) {
            shared.warnIfFrequencyOnly(pretraining.get(0), strategy);
        }
        int batch = spec.task() == HeadConfig.Task.TAG ? 32 : 16;
        if (spec.protocol().maxEpochs() > 0) {
            long perEpoch = Math.max(1, (subset.train().size() + batch - 1) / batch);
            double epochs = Math.min(FineTuneSpec.autoEpochs(spec.task(), perEpoch), spec.protocol().maxEpochs());
            b.run(r -> r.withEpochs(epochs));
        }
        if (spec.protocol().folds() > 0) {
            b.folds(spec.protocol().folds()).learningRates(spec.protocol().learningRates(strategy));
        }
        FineTuneSpec ft = b.build();
        FineTuneResult r = logged(cell, cellDir, log -> fineTune(spec.task(), ft, subset, data, log));
        long ftTokens = SharedRuns.lastTrainTokens(cellDir.resolve("metrics.jsonl"));
        // the protocol's selection runs are part of what the cell cost
        Path selection = cellDir.resolve("cross-validation");
        if (Files.isDirectory(selection)) {
            try (Stream<Path> files = Files.walk(selection)) {
                for (Path f : files.filter(p -> p.getFileName().toString().equals("metrics.jsonl")).toList()) {
                    ftTokens += SharedRuns.lastTrainTokens(f);
                }
            }
        }
        CellResult.Cost cost = cost(cellDir, pretraining, ftTokens, r.wallSeconds());
        Map<String, Object> testMetrics = CellResult.testMetrics(r.test());
        // the protocol's choices for this cell, next to its scores
        if (r.selection() != null) {
            CrossValidation.Choice choice = r.selection().choice();
            testMetrics.put("selected_lr", choice.best().learningRate());
            testMetrics.put("selected_epochs", choice.best().epochs());
            testMetrics.put("planned_epochs", choice.plannedEpochs());
            testMetrics.put("cv_score", choice.best().meanScore());
        }
        if (Double.isFinite(r.finalTrainLoss())) {
            testMetrics.put("final_train_loss", r.finalTrainLoss());
        }
        return new CellResult(cell.arm().id(), cell.budget(), subset.labels(), subset.seedIndex(), cell.metric(),
                r.testScore(), r.devScore(), testMetrics, cost, CellResult.OK, null);
    }

    /** One fine-tuning run of the task's head ({@link Heads}): every head runs through the one generic path. */
    @SuppressWarnings("unchecked")
    private static <E> FineTuneResult fineTune(HeadConfig.Task task, FineTuneSpec ft, Experiment.Subset<E> subset,
                                               Experiment.Data<E> data, PrintStream cellLog) throws IOException {
        Head<E, ?> head = (Head<E, ?>) Heads.of(task);
        return FineTuning.run(ft, head, new LabeledSplits<>(subset.train(), ft.crossValidates() ? null : subset.dev(),
                data.test(), data.labels()), cellLog);
    }

    // ------------------------------------------------------------------ what every fine-tuning cell shares

    /** A cell's fine-tuning folder, {@code cells/ARM/KEY/}. */
    static Path cellDir(Cell<?> cell, SharedRuns shared) {
        return shared.out.resolve("cells").resolve(cell.arm().id()).resolve(cell.subset().key());
    }

    /**
     * The fine-tuning every cell runs: the cell's train subset (named in its run.json) into {@code cellDir},
     * scored on the test set, with the cell's seed and threads, replacing what an earlier attempt left.
     */
    static FineTuneSpec.Builder cellSpec(Cell<?> cell, SharedRuns shared, Path cellDir) {
        String data = cell.data().name();
        return FineTuneSpec.builder(shared.spec.task(), data + ":train[" + cell.subset().key() + "]", cellDir)
                .test(data + ":test")
                .run(r -> r.withSeed(cell.subset().seed()).withThreads(shared.cellThreads()).withOverwrite(true));
    }

    /** A cell's training run, writing its log. */
    @FunctionalInterface
    interface CellTraining {
        FineTuneResult run(PrintStream log) throws IOException;
    }

    /** Runs {@code training} with the cell's log open ({@code cells/ARM/KEY.log}, beside its folder). */
    static FineTuneResult logged(Cell<?> cell, Path cellDir, CellTraining training) throws IOException {
        Files.createDirectories(cellDir);
        try (PrintStream log = new PrintStream(Files.newOutputStream(cellDir.resolveSibling(cell.subset().key()
                + ".log")), true, StandardCharsets.UTF_8)) {
            return training.run(log);
        }
    }

    /**
     * What a fine-tuned cell cost: {@code pretraining}'s tokens and time, its own {@code ftTokens}, FLOPs at 6 x
     * parameters x tokens. Deletes the fine-tuned weights, which the comparison does not need: results, curves
     * and configuration stay.
     */
    static CellResult.Cost cost(Path cellDir, List<PretrainRun> pretraining, long ftTokens, double wallSeconds)
            throws IOException {
        long params = SharedRuns.parameterCount(cellDir);
        long preTokens = 0;
        double preSeconds = 0;
        for (PretrainRun run : pretraining) {
            preTokens += run.tokens();
            preSeconds += run.seconds();
        }
        double flops = 6.0 * params * (preTokens + ftTokens);
        Files.deleteIfExists(cellDir.resolve(Checkpoint.WEIGHTS));
        return new CellResult.Cost(preTokens, ftTokens, flops, preSeconds, wallSeconds);
    }
}
