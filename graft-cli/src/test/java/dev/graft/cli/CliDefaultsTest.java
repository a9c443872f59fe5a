package dev.graft.cli;

import dev.graft.finetune.FineTuneSpec;
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
        assertThat(seeded.spec().seed()).isEqualTo(7);
        assertThat(seeded.spec().threads()).isEqualTo(3);
        assertThat(seeded.spec().patience()).isEqualTo(5);
        assertThat(seeded.spec().overwrite()).isTrue();
    }

    @Test
    void pretrainWithNoOptionsIsTheLibrarysDefaultSpec() {
        PretrainCommand c = parsed("pretrain", "--corpus", "corpus.txt", "--out", "runs/bert", "--steps", "5");
        assertThat(c.spec()).isEqualTo(PretrainSpec.builder(PretrainSpec.DEFAULT_ARCH, List.of("corpus.txt"),
                Path.of("runs/bert")).steps(5).build());
    }

    @Test
    void forceIsTheHiddenOldNameOfOverwrite() {
        FinetuneCommand c = parsed("finetune", "--task", "classify", "--from", "runs/bert", "--train", "t.jsonl",
                "--out", "runs/ft", "--force");
        assertThat(c.spec().overwrite()).isTrue();
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
