package dev.graft.cli;

import dev.graft.experiment.Strategy;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The top-level command line adds only the subcommand a command line names (picocli reads a command's
 * options when it is added), and behaves as with all of them: usage, help, suggestions for a mistyped
 * command, the version.
 */
class MainTest {
    @Test
    void aNamedCommandIsTheOnlyOneAddedAndTheRestGetAll() {
        assertThat(Main.commandLine("embed", "--help").getSubcommands().keySet()).containsExactly("embed");
        assertThat(Main.commandLine("serve").getSubcommands().keySet()).containsExactly("serve");
        assertThat(Main.commandLine("--version").getSubcommands()).isEmpty();
        int all = Main.COMMANDS.size();
        assertThat(Main.commandLine().getSubcommands()).hasSize(all);
        assertThat(Main.commandLine().getSubcommands().keySet()).contains("pretrain", "finetune", "help");
        for (String[] args : new String[][] {{}, {"--help"}, {"help", "embed"}, {"embd"}, {"-x"}}) {
            assertThat(Main.commandLine(args).getSubcommands()).as(String.join(" ", args)).hasSize(all);
        }
    }

    @Test
    void aCommandAloneParsesAndConfiguresAsWithAllOfThem() {
        CommandLine cl = Main.commandLine("eval", "--data", "x");
        assertThat(cl.getSubcommands().get("eval").isCaseInsensitiveEnumValuesAllowed()).isTrue();
        for (String[] args : new String[][] {{"eval", "--no-such-option"}, {"pretrain", "--objective", "nope"},
                {"embed", "--threads", "two"}}) {
            String alone = errorOf(Main.commandLine(args), args);
            assertThat(alone).startsWith("graft: ").contains("graft " + args[0] + " --help");
            assertThat(alone).isEqualTo(errorOf(Main.commandLine(), args));
        }
    }

    private static String errorOf(CommandLine cl, String... args) {
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute(args)).isEqualTo(2);
        return err.toString();
    }

    @Test
    void aMistypedCommandStillGetsSuggestions() {
        CommandLine cl = Main.commandLine("embd");
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("embd")).isEqualTo(2);
        assertThat(err.toString()).contains("embd").contains("embed");
    }

    @Test
    void theVersionComesWithoutAnyCommand() {
        CommandLine cl = Main.commandLine("--version");
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("--version")).isZero();
        assertThat(out.toString()).startsWith("graft ").contains("Java " + Runtime.version().feature());
    }

    @Test
    void theExperimentHelpListsEveryStrategy() {
        CommandLine cl = Main.commandLine("experiment", "--help");
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("experiment", "--help")).isZero();
        // picocli wraps the list over lines: compare with the whitespace folded
        String help = out.toString().replaceAll("\\s+", " ");
        for (Strategy s : Strategy.values()) {
            assertThat(help).as("the help names strategy %s", s.id()).containsPattern(" " + Pattern.quote(s.id()) + "[, ]");
        }
    }

    /** A command that fails as an experiment's cell that ran out of heap does: the error wrapped. */
    @CommandLine.Command(name = "oom")
    static final class RunsOutOfMemory implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException(new OutOfMemoryError("Java heap space"));
        }
    }

    @Test
    void runningOutOfMemoryIsOneLineSayingWhatToDo() {
        CommandLine cl = Main.configure(new CommandLine(new RunsOutOfMemory()));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute()).isEqualTo(1);
        assertThat(err.toString().strip()).startsWith("graft: out of memory: the Java heap (at most ")
                .contains("--parallel-cells 1").contains("GRAFT_JAVA_OPTS=-Xmx").doesNotContain("\n")
                .doesNotContain("at dev.graft");
        assertThat(Main.causedByOutOfMemory(new RuntimeException(new IllegalStateException("no")))).isFalse();
    }
}
