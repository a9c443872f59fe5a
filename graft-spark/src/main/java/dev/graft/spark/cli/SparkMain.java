package dev.graft.spark.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;

/** {@code graft spark}: graft's commands that run on Apache Spark (a separate jar, with Spark's jars beside it). */
@Command(name = "graft spark",
        mixinStandardHelpOptions = true,
        versionProvider = SparkMain.Version.class,
        description = {"graft on Apache Spark: batch inference and distributed pretraining on a Spark master "
                + "(local[K] for one machine, spark://HOST:PORT for a standalone cluster).",
            "Spark's own messages are shown at WARN and above."},
        subcommands = {CheckCommand.class, PretrainCommand.class, EmbedCommand.class, PredictCommand.class, ClusterCommand.class,
            SubmitCommand.class,
            CommandLine.HelpCommand.class})
public final class SparkMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (2 for bad usage or input). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // submit's options end at the command: what follows is the command's own
        cl.getSubcommands().get("submit").setStopAtPositional(true);
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            java.io.PrintWriter err = failed.getErr();
            err.println("graft spark: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("see '" + failed.getCommandSpec().qualifiedName() + " --help'");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof dev.graft.SpecException spec) {
                commandLine.getErr().println("graft spark: " + spec.messageWith(field -> flagOf(commandLine, field)));
                return 2;
            }
            if (e instanceof IllegalArgumentException || e instanceof IOException) {
                commandLine.getErr().println("graft spark: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cl;
    }

    /**
     * The flag of {@code commandLine} that sets spec field {@code field}, by the rules of graft's own command line
     * ({@code dev.graft.cli.Main.flagOf}): the option whose {@code descriptionKey} is the dotted path, else the
     * one whose Java field has the path's last name; null when there is none.
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

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** graft's, Spark's and Java's versions. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"graft-spark, Apache Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
