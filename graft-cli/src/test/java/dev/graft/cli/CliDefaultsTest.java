package dev.graft.cli;

import dev.graft.distill.DistillSpec;
import dev.graft.experiment.ExperimentSpec;
import dev.graft.experiment.Strategy;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.LmFineTuneSpec;
import dev.graft.model.HeadConfig;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.task.Head;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line reads its defaults from the library's specs (one source of defaults), and the options every
 * command shares (mixins) behave the same everywhere, {@code --force} included as the hidden old name of
 * {@code --overwrite}.
 */
class CliDefaultsTest {
    private final StringWriter err = new StringWriter();

    /** The command object {@code graft ARGS} would run, its options parsed, not run. */
    @SuppressWarnings("unchecked")
    private <T> T parsed(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        CommandLine.ParseResult r = cl.parseArgs(args);
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        return (T) r.commandSpec().userObject();
    }

    @Test
    void experimentWithNoOptionsIsTheLibrarysDefaultSpecAndAConfigFileStandsUnlessAFlagIsGiven(
            @org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
        ExperimentCommand c = parsed("experiment", "--data", "sentiment-uci", "--out", "runs/exp");
        assertThat(c.spec()).isEqualTo(ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of("sentiment-uci"),
                Path.of("runs/exp")).build());
        // the options' fields hold the spec's defaults (what the help prints)
        ExperimentSpec d = ExperimentSpec.defaults();
        assertThat(List.<Object>of(c.seeds, c.folds, c.maxEpochs, c.arch, c.pretrainTime, c.strategies, c.budgets))
                .containsExactly(d.seeds(), d.protocol().folds(), d.protocol().maxEpochs(), d.arch(),
                        d.pretraining().time(), d.strategies().stream().map(Strategy::id).toList(),
                        d.budgets().stream().map(ExperimentSpec::budgetLabel).toList());
        Path config = java.nio.file.Files.writeString(dir.resolve("exp.json"),
                "{\"seeds\": 2, \"folds\": 0, \"strategies\": [\"bow\", \"scratch\"]}");
        ExperimentSpec s = this.<ExperimentCommand>parsed("experiment", "--data", "sentiment-uci", "--out", "runs/exp",
                "--config", config.toString(), "--folds", "4", "--budgets", "10,all", "--seed", "3").spec();
        assertThat(s.seeds()).as("the file's, not the option's default").isEqualTo(2);
        assertThat(s.strategies()).containsExactly(Strategy.BOW, Strategy.SCRATCH);
        assertThat(s.protocol().folds()).as("the flag's, over the file's").isEqualTo(4);
        assertThat(s.budgets()).containsExactly(10, ExperimentSpec.ALL);
        assertThat(s.run().seed()).isEqualTo(3);
        assertThat(s.out()).isEqualTo(Path.of("runs/exp"));
    }

    @Test
    void finetuneWithNoOptionsIsTheLibrarysDefaultSpec() {
        FinetuneCommand c = parsed("finetune", "--task", "tag", "--from", "runs/bert", "--train", "t.conll", "--out",
                "runs/pos");
        assertThat(c.spec()).isEqualTo(FineTuneSpec.builder(HeadConfig.Task.TAG, "t.conll", Path.of("runs/pos"))
                .from(Path.of("runs/bert")).build());
        assertThat(new Head.Columns(c.columns.text, c.columns.label, c.columns.pair)).isEqualTo(Head.Columns.defaults());
        // and an option given reaches the spec (the comparison above is not of two empty things)
        FinetuneCommand seeded = parsed("finetune", "--task", "tag", "--from", "runs/bert", "--train", "t.conll",
                "--out", "runs/pos", "--seed", "7", "--threads", "3", "--patience", "5", "--overwrite");
        assertThat(seeded.spec()).isNotEqualTo(c.spec());
        assertThat(seeded.spec().run().seed()).isEqualTo(7);
        assertThat(seeded.spec().run().threads()).isEqualTo(3);
        assertThat(seeded.spec().patience()).isEqualTo(5);
        assertThat(seeded.spec().run().overwrite()).isTrue();
        // the optimizer and the run are the shared records, set by the same flags as pretrain's
        FinetuneCommand tuned = parsed("finetune", "--task", "classify", "--from", "runs/bert", "--train", "t.jsonl",
                "--out", "runs/ft", "--lr", "3e-4", "--schedule", "cosine", "--beta2", "0.98", "--max-time", "2m",
                "--epochs", "4", "--resume");
        assertThat(tuned.spec().optimizer()).isEqualTo(FineTuneSpec.DEFAULT_OPTIMIZER.withLearningRate(3e-4f)
                .withSchedule(dev.graft.train.ScheduleKind.COSINE).withBetas(0.9f, 0.98f));
        assertThat(tuned.spec().run().maxTime()).isEqualTo(java.time.Duration.ofMinutes(2));
        assertThat(tuned.spec().run().epochs()).isEqualTo(4);
        assertThat(tuned.spec().run().resume()).isTrue();
        // no --lr nor --schedule: the recipe's
        FinetuneCommand ulmfit = parsed("finetune", "--task", "classify", "--from", "runs/bert", "--train",
                "t.jsonl", "--out", "runs/ft", "--recipe", "ulmfit");
        assertThat(ulmfit.spec().optimizer().learningRate()).isEqualTo(FineTuneSpec.ULMFIT_LR);
        assertThat(ulmfit.spec().optimizer().schedule()).isEqualTo(dev.graft.train.ScheduleKind.STLR);
        // no --lr with the full recipe: the head's (a tagger's 5e-4, a classifier's 1e-4)
        assertThat(c.spec().optimizer().learningRate()).isEqualTo(5e-4f);
        FinetuneCommand classifier = parsed("finetune", "--task", "classify", "--from", "runs/bert", "--train",
                "t.jsonl", "--out", "runs/ft");
        assertThat(classifier.spec().optimizer().learningRate()).isEqualTo(FineTuneSpec.DEFAULT_LR);
    }

    @Test
    void pretrainWithNoOptionsIsTheLibrarysDefaultSpec() {
        PretrainCommand c = parsed("pretrain", "--corpus", "corpus.txt", "--out", "runs/bert", "--steps", "5");
        assertThat(c.spec()).isEqualTo(PretrainSpec.builder(PretrainSpec.DEFAULT_ARCH, List.of("corpus.txt"),
                Path.of("runs/bert")).run(r -> r.withSteps(5)).build());
        PretrainCommand given = parsed("pretrain", "--corpus", "corpus.txt", "--out", "runs/bert", "--steps", "5",
                "--lr", "1e-3", "--beta2", "0.99", "--keep-checkpoints", "4", "--layers", "3", "--vocab-size", "99");
        assertThat(given.spec().optimizer().learningRate()).isEqualTo(1e-3f);
        assertThat(given.spec().optimizer().beta2()).isEqualTo(0.99f);
        assertThat(given.spec().monitoring().keepCheckpoints()).isEqualTo(4);
        assertThat(given.spec().model().layers()).isEqualTo(3);
        assertThat(given.spec().tokenizer().vocabSize()).isEqualTo(99);
    }

    @Test
    void theCrammingRecipeSetsItsSettingsAndAFlagGivenWins() {
        PretrainCommand c = parsed("pretrain", "--corpus", "corpus.txt", "--out", "runs/bert", "--steps", "5",
                "--recipe", "cramming");
        PretrainSpec s = c.spec();
        assertThat(s.preNorm()).isTrue();
        assertThat(s.noBias()).isTrue();
        assertThat(s.model().dropout()).isEqualTo(0f);
        assertThat(s.maskProbability()).isEqualTo(0.25);
        assertThat(s.optimizer().learningRate()).isEqualTo(1e-3f);
        assertThat(s.optimizer().clip()).isEqualTo(0.5);
        assertThat(s.sentences()).isTrue();
        assertThat(s.seqLen()).isEqualTo(64);
        // what the recipe does not set stays the default's
        assertThat(s.optimizer().beta2()).isEqualTo(PretrainSpec.DEFAULT_OPTIMIZER.beta2());
        assertThat(s.batchSize()).isEqualTo(PretrainSpec.defaults().batchSize());
        // the library's recipe is the same spec
        assertThat(s).isEqualTo(PretrainSpec.Recipe.CRAMMING.applyTo(PretrainSpec.builder(PretrainSpec.DEFAULT_ARCH,
                List.of("corpus.txt"), Path.of("runs/bert")).run(r -> r.withSteps(5)), k -> false).build());
        // flags given beside the recipe win over it, the rest is the recipe's
        PretrainCommand given = parsed("pretrain", "--corpus", "corpus.txt", "--out", "runs/bert", "--steps", "5",
                "--recipe", "cramming", "--seq-len", "128", "--lr", "5e-4", "--dropout", "0.1", "--norm", "post");
        assertThat(given.spec().seqLen()).isEqualTo(128);
        assertThat(given.spec().optimizer().learningRate()).isEqualTo(5e-4f);
        assertThat(given.spec().model().dropout()).isEqualTo(0.1f);
        assertThat(given.spec().preNorm()).isFalse();
        assertThat(given.spec().noBias()).isTrue();
        assertThat(given.spec().maskProbability()).isEqualTo(0.25);
        // the default recipe changes nothing
        PretrainCommand plain = parsed("pretrain", "--corpus", "corpus.txt", "--out", "runs/bert", "--steps", "5",
                "--recipe", "default");
        assertThat(plain.spec()).isEqualTo(PretrainSpec.builder(PretrainSpec.DEFAULT_ARCH, List.of("corpus.txt"),
                Path.of("runs/bert")).run(r -> r.withSteps(5)).build());
        PretrainCommand unknown = parsed("pretrain", "--corpus", "corpus.txt", "--out", "runs/bert", "--recipe", "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(unknown::spec).hasMessageContaining("use default or cramming");
    }

    @Test
    void distillWithNoOptionsIsTheLibrarysDefaultSpec() {
        DistillCommand c = parsed("distill", "--teacher", "runs/t", "--corpus", "corpus.txt", "--out", "runs/s",
                "--steps", "5");
        assertThat(c.spec()).isEqualTo(DistillSpec.builder(Path.of("runs/t"), List.of("corpus.txt"),
                Path.of("runs/s")).run(r -> r.withSteps(5)).build());
        DistillCommand given = parsed("distill", "--teacher", "runs/t", "--corpus", "corpus.txt", "--out", "runs/s",
                "--max-time", "2m", "--schedule", "cosine", "--eval-every", "7", "--seed", "9");
        DistillSpec s = given.spec();
        assertThat(s.optimizer().schedule()).isEqualTo(dev.graft.train.ScheduleKind.COSINE);
        assertThat(s.monitoring().evalEvery()).isEqualTo(7);
        assertThat(s.run().seed()).isEqualTo(9);
        assertThat(s.run().maxTime()).isEqualTo(java.time.Duration.ofMinutes(2));
    }

    @Test
    void lmFinetuneWithNoOptionsIsTheLibrarysDefaultSpec() {
        LmFinetuneCommand c = parsed("lm-finetune", "--from", "runs/bert", "--corpus", "task.txt", "--out",
                "runs/tapt");
        assertThat(c.spec()).isEqualTo(LmFineTuneSpec.defaults(Path.of("runs/bert"), List.of("task.txt"),
                Path.of("runs/tapt")));
        LmFinetuneCommand given = parsed("lm-finetune", "--from", "runs/bert", "--corpus", "task.txt", "--out",
                "runs/tapt", "--steps", "7", "--schedule", "stlr", "--discriminative", "2.6");
        assertThat(given.spec().run().steps()).isEqualTo(7);
        assertThat(given.spec().run().epochs()).as("a length given: no default epochs").isZero();
        assertThat(given.spec().optimizer().schedule()).isEqualTo(dev.graft.train.ScheduleKind.STLR);
        assertThat(given.spec().discriminative()).isEqualTo(2.6);
    }

    @Test
    void forceIsTheHiddenOldNameOfOverwrite() {
        FinetuneCommand c = parsed("finetune", "--task", "classify", "--from", "runs/bert", "--train", "t.jsonl",
                "--out", "runs/ft", "--force");
        assertThat(c.spec().run().overwrite()).isTrue();
        assertThat(err.toString()).contains("--force is deprecated: use --overwrite");
        StringWriter help = new StringWriter();
        Main.commandLine().getSubcommands().get("import").usage(new PrintWriter(help));
        assertThat(help.toString()).contains("--overwrite").doesNotContain("--force");
    }

    @Test
    void everyCommandsThreadsAndSeedAreTheSharedOptions() {
        CommandLine cl = Main.commandLine();
        int commands = 0;
        for (CommandLine sub : all(cl)) {
            CommandLine.Model.OptionSpec threads = sub.getCommandSpec().findOption("--threads");
            if (threads != null) {
                commands++;
                assertThat(threads.description()).as(sub.getCommandName())
                        .isEqualTo(cl.getSubcommands().get("finetune").getCommandSpec().findOption("--threads")
                                .description());
            }
        }
        assertThat(commands).isGreaterThanOrEqualTo(10);
    }

    private static List<CommandLine> all(CommandLine cl) {
        List<CommandLine> out = new java.util.ArrayList<>();
        for (CommandLine sub : cl.getSubcommands().values()) {
            out.add(sub);
            out.addAll(all(sub));
        }
        return out;
    }
}
