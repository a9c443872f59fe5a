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
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code graft experiment}: every strategy at every label budget and seed, then the report. */
@Command(name = "experiment", mixinStandardHelpOptions = true, defaultValueProvider = ExperimentCommand.Written.class,
        description = "Compare strategies (from scratch, graft's own pretraining, models pretrained elsewhere, "
                + "baselines: see --strategies) on the same labeled subsets, budgets and seeds; writes "
                + "results.jsonl and report.md/report.html to --out and prints the answer. Re-running resumes where it "
                + "stopped.")
final class ExperimentCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--config", description = "A JSON file of settings (keys as in experiment.json); flags given on "
            + "the command line override it.")
    Path config;

    /**
     * The options' defaults (the spec's, the fields' initial values) as a user writes them, for the help and for
     * picocli to apply: lists comma-separated ("50,200,all", not "[50, 200, all]"), durations as "20m" (not "PT20M").
     */
    static final class Written implements picocli.CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(picocli.CommandLine.Model.ArgSpec arg) {
            Object initial = arg.initialValue();
            if (initial instanceof List<?> list && !list.isEmpty()) {
                return String.join(",", list.stream().map(String::valueOf).toList());
            }
            if (initial instanceof Duration d) {
                return dev.graft.train.Durations.format(d);
            }
            return null;
        }
    }

    /** The spec's defaults, which the options start from and their help prints. */
    private static final ExperimentSpec DEFAULTS = ExperimentSpec.defaults();

    @Option(names = "--task", description = "classify, tag, multilabel or pair (default: ${DEFAULT-VALUE}; "
            + "multilabel and pair take --data TRAIN.jsonl,TEST.jsonl and the fine-tuning strategies and bow).")
    String task = DEFAULTS.task().id();

    @Option(names = "--corpus", split = ",", description = "Unlabeled text: dataset names or files "
            + "(default: ${DEFAULT-VALUE}).")
    List<String> corpus = DEFAULTS.corpus();

    @Option(names = "--data", split = ",", description = "A labeled dataset name (e.g. sentiment-uci, brown-pos), or "
            + "two files: train,test.")
    List<String> data;

    @Option(names = "--strategies", split = ",", completionCandidates = StrategyIds.class,
            description = "Comma-separated, of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; without "
                    + "vectors for tag, multilabel and pair).")
    List<String> strategies = DEFAULTS.strategies().stream().map(Strategy::id).toList();

    @Option(names = "--budgets", split = ",", description = "Label budgets, numbers or 'all' (default: "
            + "${DEFAULT-VALUE}).")
    List<String> budgets = DEFAULTS.budgets().stream().map(ExperimentSpec::budgetLabel).toList();

    @Option(names = "--seeds", description = "Labeled subsets (label draws) per budget (default: ${DEFAULT-VALUE}).")
    int seeds = DEFAULTS.seeds();

    @Option(names = "--arch", description = "Model preset of graft's own models (default: ${DEFAULT-VALUE}).")
    String arch = DEFAULTS.arch();

    @Option(names = "--out", required = true, description = "Experiment folder (results, report, cached runs).")
    Path out;

    @Option(names = "--pretrain-time", converter = Durations.class, descriptionKey = "pretraining.time",
            description = "Wall-clock budget of each pretraining run (default: ${DEFAULT-VALUE}).")
    Duration pretrainTime = DEFAULTS.pretraining().time();

    @Option(names = "--pretrain-steps", descriptionKey = "pretraining.steps",
            description = "Updates per pretraining run instead of a time budget.")
    long pretrainSteps = DEFAULTS.pretraining().steps();

    @Option(names = "--tapt-epochs", description = "Epochs of LM fine-tuning on the task's text for ulmfit "
            + "(default: ${DEFAULT-VALUE}).")
    double taptEpochs = DEFAULTS.taptEpochs();

    @Option(names = "--pretrained", description = "Model pretrained elsewhere for the pretrained and setfit "
            + "strategies: a checkpoint folder or minilm (default: ${DEFAULT-VALUE}).")
    String pretrained = DEFAULTS.pretrained();

    @Option(names = "--distilled", paramLabel = "DIR", description = "The student of a graft distill run (its --out "
            + "folder), for the distilled strategy.")
    Path distilled;

    @Option(names = "--base", description = "Use this graft pretrain run (its --out folder) as the pretrained base of "
            + "transfer and ulmfit instead of pretraining one.")
    Path base;

    @Option(names = "--pretrain-sweep", split = ",", descriptionKey = "pretraining.sweep",
            description = "Also run transfer from shorter base pretraining runs, at these shares of the budget "
            + "(e.g. 0.25,0.5), to measure the score against pretraining compute and extrapolate how much more "
            + "pretraining would pay (default: none).")
    List<Double> pretrainSweep = DEFAULTS.pretraining().sweep();

    @Option(names = "--folds", description = "The few-label protocol: each neural cell chooses its learning rate and "
            + "length by k-fold cross-validation inside its labels, then trains on all of them (0: carve a dev set "
            + "and stop early on it instead; default: ${DEFAULT-VALUE}).")
    int folds = DEFAULTS.protocol().folds();

    @Option(names = "--max-epochs", description = "Cap on fine-tuning epochs per cell, the same for every strategy "
            + "(default: automatic, about 1,000 updates, 2 to 20 epochs, at least 3 for tagging).")
    double maxEpochs = DEFAULTS.protocol().maxEpochs();

    @Option(names = "--lr-grid", split = ",", descriptionKey = "protocol.learningRates",
            description = "Candidate learning rates of a strategy, e.g. "
            + "scratch=1e-4/3e-4/1e-3,pretrained=3e-5/1e-4 (default: each strategy's own grid; see "
            + "docs/EXPERIMENTS.md).")
    List<String> lrGrid;

    @Option(names = "--in-domain-repeat", paramLabel = "N", description = "Mix the task's unlabeled training text "
            + "into the corpus of every own pretraining run (base, sweep, merged, labels-as-text), N times "
            + "(default: ${DEFAULT-VALUE}, none).")
    int inDomainRepeat = DEFAULTS.pretraining().inDomainRepeat();

    @Option(names = "--pretrain-recipe", descriptionKey = "pretraining.recipe", description = "The settings of every own pretraining run: default, or "
            + "cramming (pre-LN, no bias, no dropout, 25% masking, rate 1e-3, clip 0.5, sentences of at most 64 "
            + "tokens; as graft pretrain --recipe cramming) (default: ${DEFAULT-VALUE}).")
    String pretrainRecipe = DEFAULTS.pretraining().recipe().id();

    @Option(names = "--lm-weight", description = "Multitask LM loss weight (default: ${DEFAULT-VALUE}).")
    float lmWeight = DEFAULTS.lmWeight();

    @Option(names = "--mix", description = "Multitask LM batches per task batch (default: ${DEFAULT-VALUE}).")
    double mix = DEFAULTS.mix();

    @Option(names = "--lm-sequence-length", description = "Tokens per multitask LM sequence (default: ${DEFAULT-VALUE}).")
    int lmSequenceLength = DEFAULTS.lmSequenceLength();

    @picocli.CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--parallel-cells", description = "Cells trained at once, sharing the threads (default: "
            + "${DEFAULT-VALUE} on this machine: 2 on 2 or more cores, else 1).")
    int parallelCells = DEFAULTS.parallelCells();

    @picocli.CommandLine.Mixin
    SeedOption seed = new SeedOption(DEFAULTS.run().seed());

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = command.commandLine().getOut();
        Experiment.Outcome o = Experiment.run(spec(), FlagLog.of(command.commandLine(), System.out));
        stdout.println();
        stdout.println("report: " + o.report().toAbsolutePath() + " (and report.html, learning_curve.png)");
        stdout.println(o.answer());
        return 0;
    }

    /**
     * The spec: the builder's defaults (which the options' fields hold too, for the help), then the config
     * file's settings, then each option given on the command line.
     */
    ExperimentSpec spec() throws IOException {
        ExperimentSpec.Builder b = ExperimentSpec.builder(null, null, out);
        if (config != null) {
            try {
                ExperimentSpec.readConfig(config, b);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " (or drop --config)", e);
            }
        }
        ifGiven("--task", () -> b.task(HeadConfig.Task.parse(task)));
        ifGiven("--corpus", () -> b.corpus(corpus));
        ifGiven("--data", () -> b.data(data));
        ifGiven("--strategies", () -> b.strategies(Strategy.parseList(strategies)));
        ifGiven("--budgets", () -> b.budgets(ExperimentSpec.parseBudgets(budgets)));
        ifGiven("--seeds", () -> b.seeds(seeds));
        ifGiven("--arch", () -> b.arch(arch));
        ifGiven("--pretrain-time", () -> b.pretrainTime(pretrainTime));
        ifGiven("--pretrain-steps", () -> b.pretrainSteps(pretrainSteps));
        ifGiven("--tapt-epochs", () -> b.taptEpochs(taptEpochs));
        ifGiven("--pretrained", () -> b.pretrained(pretrained));
        ifGiven("--base", () -> b.base(base));
        ifGiven("--distilled", () -> b.distilled(distilled));
        ifGiven("--pretrain-sweep", () -> b.pretrainSweep(pretrainSweep));
        ifGiven("--folds", () -> b.folds(folds));
        ifGiven("--max-epochs", () -> b.maxEpochs(maxEpochs));
        ifGiven("--lr-grid", () -> b.learningRates(ExperimentSpec.parseRateGrids(lrGrid)));
        ifGiven("--in-domain-repeat", () -> b.inDomainRepeat(inDomainRepeat));
        ifGiven("--pretrain-recipe", () -> b.pretrainRecipe(dev.graft.pretrain.PretrainSpec.Recipe.parse(pretrainRecipe)));
        ifGiven("--lm-weight", () -> b.lmWeight(lmWeight));
        ifGiven("--mix", () -> b.mix(mix));
        ifGiven("--lm-sequence-length", () -> b.lmSequenceLength(lmSequenceLength));
        ifGiven("--threads", () -> b.run(r -> r.withThreads(threads.threads())));
        ifGiven("--parallel-cells", () -> b.parallelCells(parallelCells));
        ifGiven("--seed", () -> b.run(r -> r.withSeed(seed.seed())));
        return b.run(r -> r.withOut(out)).build();
    }

    /** Sets a builder field from an option given on the command line: the config file's value stays otherwise. */
    private void ifGiven(String option, Runnable set) {
        if (given(option)) {
            set.run();
        }
    }

    /** Whether {@code option} was on the command line (a mixin's option always has a value). */
    private boolean given(String option) {
        return command.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** Every strategy's id, in the enum's order: the help lists them (and shell completion offers them). */
    static final class StrategyIds implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Strategy.values()).map(Strategy::id).iterator();
        }
    }
}
