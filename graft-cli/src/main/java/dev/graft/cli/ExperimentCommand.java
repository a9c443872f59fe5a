package dev.graft.cli;

import dev.graft.experiment.Experiment;
import dev.graft.experiment.ExperimentSpec;
import dev.graft.experiment.Strategy;
import dev.graft.model.HeadConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code graft experiment}: every strategy at every label budget and seed, then the report. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Compare strategies (scratch, transfer, ulmfit, multitask, merged, pretrained, bow, "
                + "labels-as-text, vectors, bow+vectors, setfit, setfit-own) on the same labeled subsets, budgets and seeds; writes "
                + "results.jsonl and report.md/report.html to --out and prints the answer. Re-running resumes where it "
                + "stopped.")
final class ExperimentCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--config", description = "A JSON file of settings (keys as in experiment.json); flags given on "
            + "the command line override it.")
    Path config;

    @Option(names = "--task", description = "classify, tag, multilabel or pair (default: classify; multilabel "
            + "and pair take --data TRAIN.jsonl,TEST.jsonl and the fine-tuning strategies and bow).")
    String task;

    @Option(names = "--corpus", split = ",", description = "Unlabeled text: dataset names or files "
            + "(default: english-corpus).")
    List<String> corpus;

    @Option(names = "--data", split = ",", description = "A labeled dataset name (e.g. sentiment-uci, brown-pos), or "
            + "two files: train,test.")
    List<String> data;

    @Option(names = "--strategies", split = ",", description = "Comma-separated (default: bow,scratch,transfer).")
    List<String> strategies;

    @Option(names = "--budgets", split = ",", description = "Label budgets, numbers or 'all' (default: 50,200,all).")
    List<String> budgets;

    @Option(names = "--seeds", description = "Labeled subsets (label draws) per budget (default: 5).")
    Integer seeds;

    @Option(names = "--arch", description = "Model preset of graft's own models (default: bert-mini).")
    String arch;

    @Option(names = "--out", required = true, description = "Experiment folder (results, report, cached runs).")
    Path out;

    @Option(names = "--pretrain-time", converter = Durations.class, descriptionKey = "pretraining.time",
            description = "Wall-clock budget of each pretraining run (default: 20m).")
    Duration pretrainTime;

    @Option(names = "--pretrain-steps", descriptionKey = "pretraining.steps",
            description = "Updates per pretraining run instead of a time budget.")
    Long pretrainSteps;

    @Option(names = "--tapt-epochs", description = "Epochs of LM fine-tuning on the task's text for ulmfit "
            + "(default: 3).")
    Double taptEpochs;

    @Option(names = "--pretrained", description = "Model pretrained elsewhere for the pretrained and setfit "
            + "strategies: a "
            + "checkpoint folder or minilm (default: minilm).")
    String pretrained;

    @Option(names = "--distilled", paramLabel = "DIR", description = "The student of a graft distill run (its --out "
            + "folder), for the distilled strategy.")
    Path distilled;

    @Option(names = "--base", description = "Use this graft pretrain run (its --out folder) as the pretrained base of "
            + "transfer and ulmfit instead of pretraining one.")
    Path base;

    @Option(names = "--pretrain-sweep", split = ",", descriptionKey = "pretraining.sweep",
            description = "Also run transfer from shorter base pretraining runs, at these shares of the budget "
            + "(e.g. 0.25,0.5), to measure the score against pretraining compute and extrapolate how much more pretraining would pay (default: none).")
    List<Double> pretrainSweep;

    @Option(names = "--folds", description = "The few-label protocol: each neural cell chooses its learning rate and "
            + "length by k-fold cross-validation inside its labels, then trains on all of them (0: carve a dev set "
            + "and stop early on it instead; default: 3).")
    Integer folds;

    @Option(names = "--max-epochs", description = "Cap on fine-tuning epochs per cell, the same for every strategy "
            + "(default: automatic, about 1,000 updates, 2 to 20 epochs).")
    Double maxEpochs;

    @Option(names = "--lr-grid", split = ",", descriptionKey = "protocol.learningRates",
            description = "Candidate learning rates of a strategy, e.g. "
            + "scratch=1e-4/3e-4/1e-3,pretrained=3e-5/1e-4 (default: each strategy's own grid; see "
            + "docs/EXPERIMENTS.md).")
    List<String> lrGrid;

    @Option(names = "--in-domain-repeat", paramLabel = "N", description = "Mix the task's unlabeled training text "
            + "into the corpus of every own pretraining run (base, sweep, merged, labels-as-text), N times "
            + "(default: 0, none).")
    Integer inDomainRepeat;

    @Option(names = "--lm-weight", description = "Multitask LM loss weight (default: 0.5).")
    Float lmWeight;

    @Option(names = "--mix", description = "Multitask LM batches per task batch (default: 0.5).")
    Double mix;

    @picocli.CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--parallel-cells", description = "Cells trained at once, sharing the threads (default: 2 on 2 or "
            + "more cores).")
    Integer parallelCells;

    @picocli.CommandLine.Mixin
    SeedOption seed = new SeedOption(ExperimentSpec.DEFAULT_SEED);

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = command.commandLine().getOut();
        Experiment.Outcome o = Experiment.run(spec(), FlagLog.of(command.commandLine(), System.out));
        stdout.println();
        stdout.println("report: " + o.report().toAbsolutePath() + " (and report.html, learning_curve.png)");
        stdout.println(o.answer());
        return 0;
    }

    ExperimentSpec spec() throws IOException {
        ExperimentSpec.Builder b = ExperimentSpec.builder(null, null, out);
        if (config != null) {
            try {
                ExperimentSpec.readConfig(config, b);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " (or drop --config)", e);
            }
        }
        ifGiven(task, v -> b.task(HeadConfig.Task.parse(v)));
        ifGiven(corpus, b::corpus);
        ifGiven(data, b::data);
        ifGiven(strategies, v -> b.strategies(Strategy.parseList(v)));
        ifGiven(budgets, v -> b.budgets(ExperimentSpec.parseBudgets(v)));
        ifGiven(seeds, b::seeds);
        ifGiven(arch, b::arch);
        ifGiven(pretrainTime, b::pretrainTime);
        ifGiven(pretrainSteps, b::pretrainSteps);
        ifGiven(taptEpochs, b::taptEpochs);
        ifGiven(pretrained, b::pretrained);
        ifGiven(base, b::base);
        ifGiven(distilled, b::distilled);
        ifGiven(pretrainSweep, b::pretrainSweep);
        ifGiven(folds, b::folds);
        ifGiven(maxEpochs, b::maxEpochs);
        ifGiven(lrGrid, v -> b.learningRates(ExperimentSpec.parseRateGrids(v)));
        ifGiven(inDomainRepeat, b::inDomainRepeat);
        ifGiven(lmWeight, b::lmWeight);
        ifGiven(mix, b::mix);
        if (given("--threads")) {
            b.run(r -> r.withThreads(threads.threads()));
        }
        ifGiven(parallelCells, b::parallelCells);
        if (given("--seed")) {
            b.run(r -> r.withSeed(seed.seed()));
        }
        return b.run(r -> r.withOut(out)).build();
    }

    /** Sets a builder field from an option that was given (not null): the config file's value stays otherwise. */
    private static <T> void ifGiven(T value, java.util.function.Consumer<? super T> set) {
        if (value != null) {
            set.accept(value);
        }
    }

    /** Whether {@code option} was on the command line (a mixin's option always has a value). */
    private boolean given(String option) {
        return command.commandLine().getParseResult().hasMatchedOption(option);
    }
}
