package dev.graft.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;

/** The {@code graft} command line. */
@Command(name = "graft",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Pretrain language models on unlabeled text and fine-tune them onto small labeled tasks.")
public final class Main implements Runnable {
    /**
     * The subcommands, in the order the usage lists them. picocli reads each one's options by reflection
     * when it is added, a few hundredths of a second per command: {@link #commandLine(String...)} adds only
     * the one a command line names.
     */
    static final List<Class<?>> COMMANDS = List.of(BenchCommand.class, DemoCommand.class, DistillCommand.class, ExperimentCommand.class,
            DataCommand.class, EmbedCommand.class, ImportCommand.class, ModelsCommand.class, PretrainCommand.class,
            FinetuneCommand.class, LmFinetuneCommand.class, EvalCommand.class, PredictCommand.class,
            ServeCommand.class, PlotCommand.class, TokenizerCommand.class, VectorsCommand.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        Logging.configure();
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (2 for bad usage or input). */
    public static int run(String... args) {
        CommandLine cl = commandLine(args);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) { // picocli hands Exceptions to the handler above, not Errors
            cl.getErr().println(outOfMemoryMessage(Runtime.getRuntime().maxMemory()));
            return 1;
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    /** The command line with every subcommand (usage, help, a mistyped command's suggestions). */
    static CommandLine commandLine() {
        return configure(withCommands(COMMANDS));
    }

    /**
     * The command line for {@code args}: with only the subcommand {@code args[0]} names (or none for
     * {@code --version}), else with all of them; the same behaviour, without reading every command's
     * options on every start.
     */
    static CommandLine commandLine(String... args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return configure(withCommands(List.of()));
        }
        if (args.length > 0) {
            for (Class<?> c : COMMANDS) {
                if (c != CommandLine.HelpCommand.class && nameOf(c).equals(args[0])) {
                    return configure(withCommands(List.of(c)));
                }
            }
        }
        return commandLine();
    }

    private static String nameOf(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }

    private static CommandLine withCommands(List<Class<?>> commands) {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> c : commands) {
            cl.addSubcommand(c);
        }
        return cl;
    }

    /**
     * The configured command line: enum values in any case ({@code --layout paragraphs} or
     * {@code PARAGRAPHS}) for every command, and the error handling below.
     */
    static CommandLine configure(CommandLine cl) {
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // commands print results and messages through these writers, in the encoding of the streams they wrap
        cl.setOut(writer(System.out));
        cl.setErr(writer(System.err));
        // a mistyped option: the error and where to look, not 90 lines of usage
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            java.io.PrintWriter err = failed.getErr();
            err.println("graft: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("see 'graft " + failed.getCommandSpec().qualifiedName().replaceFirst("^graft ?", "")
                    .concat(" --help").strip() + "'");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof dev.graft.SpecException spec) {
                commandLine.getErr().println("graft: " + spec.messageWith(field -> flagOf(commandLine, field)));
                return 2;
            }
            if (e instanceof dev.graft.SpecIOException spec) {
                commandLine.getErr().println("graft: " + spec.messageWith(field -> flagOf(commandLine, field)));
                return 2;
            }
            if (e instanceof IllegalArgumentException || e instanceof IOException) {
                commandLine.getErr().println("graft: " + e.getMessage());
                return 2;
            }
            if (causedByOutOfMemory(e)) {
                commandLine.getErr().println(outOfMemoryMessage(Runtime.getRuntime().maxMemory()));
                return 1;
            }
            throw e;
        });
        return cl;
    }

    /** True when {@code e} is or was caused by an OutOfMemoryError (an experiment's cell wraps its failure). */
    static boolean causedByOutOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /** What to say when the heap ran out: its size and the ways to need less or to give it more. */
    static String outOfMemoryMessage(long maxHeapBytes) {
        return String.format(java.util.Locale.ROOT, "graft: out of memory: the Java heap (at most %.1f GB) is full. "
                + "Need less: fewer cells at once ('graft experiment --parallel-cells 1'), "
                + "smaller batches or inputs ('graft finetune --batch-size 8 --max-length 128'); "
                + "or give it more: GRAFT_JAVA_OPTS=-Xmx<size>, e.g. -Xmx16g (the launcher allows three quarters of "
                + "the machine's memory)", maxHeapBytes / 1e9);
    }

    /**
     * The flag of {@code commandLine} that sets spec field {@code field} (a dotted path such as
     * {@code optimizer.learningRate}), or null: an option whose {@code descriptionKey} is the whole
     * path, else one whose Java field has the path's last name ({@code learningRate}). The longest
     * of the option's names is used ({@code --learning-rate} over {@code --lr}).
     */
    static String flagOf(CommandLine commandLine, String field) {
        String leaf = field.substring(field.lastIndexOf('.') + 1);
        CommandLine.Model.OptionSpec byLeaf = null;
        for (CommandLine.Model.OptionSpec option : commandLine.getCommandSpec().options()) {
            if (field.equals(option.descriptionKey())) {
                return option.longestName();
            }
            if (byLeaf == null && option.userObject() instanceof java.lang.reflect.Field f && f.getName().equals(leaf)) {
                byLeaf = option;
            }
        }
        return byLeaf == null ? null : byLeaf.longestName();
    }

    /** A writer on {@code stream} in its encoding, flushed at every line. */
    private static java.io.PrintWriter writer(java.io.PrintStream stream) {
        return new java.io.PrintWriter(new java.io.OutputStreamWriter(stream, stream.charset()), true);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"graft " + p.getProperty("version", "unknown"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
