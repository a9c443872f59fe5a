package dev.graft.experiment;

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
 * the rate), scored on the test set. What differs between them is where fine-tuning starts ({@link
 * #startingPoint}) and what they share ({@link #prepare}): one nested class per strategy.
 *
 * <p>A cell's cost counts its starting run's pretraining (shared by the cells, counted in each) and its own
 * fine-tuning tokens, the protocol's selection runs included; FLOPs are 6 x parameters x tokens.
 */
abstract class FineTuneStrategy implements StrategyRun {
    /** The fine-tuning results kept beside a cell's test scores: the protocol's choices and the training loss. */

    abstract Strategy strategy();

    /**
     * Sets where fine-tuning starts on {@code b}.
     *
     * @return the pretraining run the model starts from, or null for none (random weights, or a model
     *         pretrained elsewhere)
     */
    abstract PretrainRun startingPoint(FineTuneSpec.Builder b, Cell<?> cell, SharedRuns shared) throws IOException;

    /** The pretraining runs whose cost a cell carries: its starting run, if any. */
    List<PretrainRun> pretrainingCost(PretrainRun start, SharedRuns shared) throws IOException {
        return start == null ? List.of() : List.of(start);
    }

    /** Trains the corpus' tokenizer ahead of the cells of a strategy that starts from random weights. */
    static void prepareTokenizer(SharedRuns shared, boolean pending) throws IOException {
        if (pending) {
            shared.tokenizer();
        }
    }

    @Override
    public <E> CellResult run(Cell<E> cell, SharedRuns shared) throws IOException {
        ExperimentSpec spec = shared.spec;
        Experiment.Subset<E> subset = cell.subset();
        Experiment.Data<E> data = cell.data();
        Path cellDir = shared.out.resolve("cells").resolve(cell.arm().id()).resolve(subset.key());
        FineTuneSpec.Builder b = FineTuneSpec.builder(spec.task(), data.name() + ":train[" + subset.key() + "]",
                        cellDir)
                .test(data.name() + ":test").seed(subset.seed()).threads(shared.cellThreads()).overwrite(true)
                .devFraction(spec.devFraction())
                .checkpointEvery(-1); // a cell is re-run, not resumed: no checkpoint per epoch (270 MB each for MiniLM)
        PretrainRun pre = startingPoint(b, cell, shared);
        if (pre != null) {
            shared.warnIfFrequencyOnly(pre, strategy());
        }
        int batch = spec.task() == HeadConfig.Task.TAG ? 32 : 16;
        if (spec.maxEpochs() > 0) {
            long perEpoch = Math.max(1, (subset.train().size() + batch - 1) / batch);
            b.epochs(Math.min(FineTuneSpec.autoEpochs(perEpoch), spec.maxEpochs()));
        }
        if (spec.folds() > 0) {
            b.folds(spec.folds()).learningRates(spec.rates(strategy()));
        }
        FineTuneSpec ft = b.build();
        Files.createDirectories(cellDir);
        FineTuneResult r;
        try (PrintStream cellLog = new PrintStream(Files.newOutputStream(cellDir.resolveSibling(subset.key() + ".log")),
                true, StandardCharsets.UTF_8)) {
            r = fineTune(spec.task(), ft, subset, data, cellLog);
        }
        long params = SharedRuns.parameterCount(cellDir);
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
        long preTokens = 0;
        double preSeconds = 0;
        for (PretrainRun run : pretrainingCost(pre, shared)) {
            preTokens += run.tokens();
            preSeconds += run.seconds();
        }
        double flops = 6.0 * params * (preTokens + ftTokens);
        // the fine-tuned weights are not needed for the comparison: keep results, curves and configuration only
        Files.deleteIfExists(cellDir.resolve(Checkpoint.WEIGHTS));
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
                r.testScore(), r.devScore(), testMetrics,
                new CellResult.Cost(preTokens, ftTokens, flops, preSeconds, r.wallSeconds()), CellResult.OK, null);
    }

    /** One fine-tuning run of the task's head ({@link Heads}): every head runs through the one generic path. */
    @SuppressWarnings("unchecked")
    private static <E> FineTuneResult fineTune(HeadConfig.Task task, FineTuneSpec ft, Experiment.Subset<E> subset,
                                               Experiment.Data<E> data, PrintStream cellLog) throws IOException {
        Head<E, ?> head = (Head<E, ?>) Heads.of(task);
        return FineTuning.run(ft, head, new LabeledSplits<>(subset.train(), ft.crossValidates() ? null : subset.dev(),
                data.test(), data.labels()), cellLog);
    }

    /** {@code scratch}: the task model from random weights with the corpus' tokenizer. */
    static final class Scratch extends FineTuneStrategy {
        @Override
        Strategy strategy() {
            return Strategy.SCRATCH;
        }

        @Override
        public void prepare(SharedRuns shared, Experiment.Data<?> data, boolean pending) throws IOException {
            prepareTokenizer(shared, pending);
        }

        @Override
        PretrainRun startingPoint(FineTuneSpec.Builder b, Cell<?> cell, SharedRuns shared) throws IOException {
            b.scratch(shared.spec.arch(), shared.tokenizer());
            return null;
        }
    }

    /** {@code transfer}: fine-tunes the base pretraining run (a shorter one of its own for a sweep arm). */
    static final class Transfer extends FineTuneStrategy {
        @Override
        Strategy strategy() {
            return Strategy.TRANSFER;
        }

        @Override
        public void prepare(SharedRuns shared, Experiment.Data<?> data, boolean pending) throws IOException {
            shared.basePretraining();
            for (double share : shared.spec.pretrainSweep()) {
                shared.basePretraining(share);
            }
        }

        @Override
        PretrainRun startingPoint(FineTuneSpec.Builder b, Cell<?> cell, SharedRuns shared) throws IOException {
            double share = cell.arm().share();
            PretrainRun pre = share == 1 ? shared.basePretraining() : shared.basePretraining(share);
            b.from(pre.folder());
            return pre;
        }
    }

    /** {@code ulmfit}: the base LM fine-tuned on the task's text, then the ULMFiT recipe. */
    static final class Ulmfit extends FineTuneStrategy {
        @Override
        Strategy strategy() {
            return Strategy.ULMFIT;
        }

        @Override
        public void prepare(SharedRuns shared, Experiment.Data<?> data, boolean pending) throws IOException {
            shared.tapt();
        }

        @Override
        PretrainRun startingPoint(FineTuneSpec.Builder b, Cell<?> cell, SharedRuns shared) throws IOException {
            PretrainRun pre = shared.tapt();
            b.from(pre.folder()).recipe(FineTuneSpec.Recipe.ULMFIT);
            return pre;
        }

        /** The LM fine-tuning and the base pretraining under it. */
        @Override
        List<PretrainRun> pretrainingCost(PretrainRun start, SharedRuns shared) throws IOException {
            return List.of(start, shared.basePretraining());
        }
    }

    /** {@code merged}: pretrained on the corpus plus the task's unlabeled text. */
    static final class Merged extends FineTuneStrategy {
        @Override
        Strategy strategy() {
            return Strategy.MERGED;
        }

        @Override
        public void prepare(SharedRuns shared, Experiment.Data<?> data, boolean pending) throws IOException {
            shared.mergedPretraining(data);
        }

        @Override
        PretrainRun startingPoint(FineTuneSpec.Builder b, Cell<?> cell, SharedRuns shared) throws IOException {
            PretrainRun pre = shared.mergedPretraining(cell.data());
            b.from(pre.folder());
            return pre;
        }
    }

    /** {@code multitask}: from random weights, the LM loss on the corpus beside the task loss. */
    static final class Multitask extends FineTuneStrategy {
        @Override
        Strategy strategy() {
            return Strategy.MULTITASK;
        }

        @Override
        public void prepare(SharedRuns shared, Experiment.Data<?> data, boolean pending) throws IOException {
            prepareTokenizer(shared, pending);
        }

        @Override
        PretrainRun startingPoint(FineTuneSpec.Builder b, Cell<?> cell, SharedRuns shared) throws IOException {
            ExperimentSpec spec = shared.spec;
            b.scratch(spec.arch(), shared.tokenizer()).multitask(spec.corpus(), spec.lmWeight(), spec.mix());
            return null;
        }
    }

    /** {@code pretrained}: a model pretrained elsewhere (a checkpoint folder, or a known model imported once). */
    static final class Pretrained extends FineTuneStrategy {
        @Override
        Strategy strategy() {
            return Strategy.PRETRAINED;
        }

        @Override
        public void prepare(SharedRuns shared, Experiment.Data<?> data, boolean pending) throws IOException {
            if (pending) {
                shared.pretrainedModel();
            }
        }

        @Override
        PretrainRun startingPoint(FineTuneSpec.Builder b, Cell<?> cell, SharedRuns shared) throws IOException {
            b.from(shared.pretrainedModel());
            return null;
        }
    }
}
