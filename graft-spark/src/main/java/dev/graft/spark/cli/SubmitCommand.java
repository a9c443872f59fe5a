package dev.graft.spark.cli;

import dev.graft.spark.Sessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code graft spark submit}: a graft-spark command submitted the way Spark's {@code spark-submit} script does it.
 * That script only runs {@code java -cp <Spark's jars> org.apache.spark.deploy.SparkSubmit ...}; this command runs
 * the same in a child JVM with the Spark jars graft-spark was started with, graft-spark.jar as the application
 * jar and {@link SparkMain} as its main class, and prints the command line (with {@code --print}, only prints it),
 * which runs unchanged with a Spark distribution's {@code spark-submit} in place of the java part.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Run a graft spark command through Spark's SparkSubmit (what the spark-submit script runs), "
                + "as a job submitted to a cluster is run: graft-spark.jar is the application jar, "
                + "dev.graft.spark.cli.SparkMain its main class, the command after the options its arguments. "
                + "The command line is printed first; with a Spark distribution, 'spark-submit' followed by the "
                + "same options and arguments does the same.",
            "Example: graft spark submit --master spark://127.0.0.1:7077 embed --model runs/bert-mini --input "
                + "texts.txt --output vectors.jsonl"})
public final class SubmitCommand implements Callable<Integer> {
    /** The main class SparkSubmit is given. */
    static final String MAIN_CLASS = SparkMain.class.getName();

    @Option(names = "--master", paramLabel = "URL", required = true, description = "The master: spark://HOST:PORT, "
            + "local[K], yarn, k8s://...")
    String master;

    @Option(names = "--deploy-mode", description = "client (the driver runs here; default) or cluster (a worker runs "
            + "it: the jar and every path must then be reachable from the workers).")
    String deployMode = "client";

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark property (repeatable).")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--jar", description = "The application jar (default: the graft-spark.jar this runs from).")
    Path jar;

    @Option(names = "--print", description = "Only print the command line, do not run it.")
    boolean print;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The graft spark command and its options "
            + "(embed, predict, pretrain, check), without --master.")
    List<String> command;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path app = jar != null ? jar : Sessions.graftJar();
        if (app == null) {
            throw new IllegalArgumentException("graft-spark runs from class folders, not from graft-spark.jar: give "
                    + "the application jar with --jar");
        }
        if (!Files.isRegularFile(app)) {
            throw new IllegalArgumentException(app + ": no such application jar; build it with './graft spark "
                    + "--help' (the launcher builds graft-spark/target/graft-spark.jar) or give --jar");
        }
        if (command.contains("--master")) {
            throw new IllegalArgumentException("give --master before the command (to submit), not after it: "
                    + "SparkSubmit passes it to the command");
        }
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> line = command(javaBin, sparkClassPath(app), app, master, deployMode, conf, List.of(), command);
        spec.commandLine().getErr().println("graft spark submit: " + String.join(" ",
                line.stream().map(SubmitCommand::quote).toList()));
        spec.commandLine().getErr().flush();
        if (print) {
            return 0;
        }
        Process p = new ProcessBuilder(line).inheritIO().start();
        return p.waitFor();
    }

    /**
     * The class path of Spark's jars: this JVM's, without the application jar (graft-spark.jar holds graft and its
     * libraries; the launcher puts Spark's jars beside it).
     */
    static String sparkClassPath(Path app) throws IOException {
        List<String> keep = new ArrayList<>();
        Path real = app.toRealPath();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!entry.isEmpty() && !(Files.exists(p) && p.toRealPath().equals(real))) {
                keep.add(entry);
            }
        }
        return String.join(File.pathSeparator, keep);
    }

    /**
     * What {@code spark-submit} runs: {@code JAVA [graft's flags] -cp SPARK_JARS org.apache.spark.deploy.SparkSubmit
     * --class dev.graft.spark.cli.SparkMain --master MASTER ... APP_JAR COMMAND...}. The driver JVM (this one, in
     * client mode) gets graft's JVM flags; the executors get them through spark.executor.extraJavaOptions.
     *
     * @param jars more jars for the driver and the executors (SparkSubmit's --jars), or none
     */
    public static List<String> command(String javaBin, String sparkClassPath, Path app, String master, String deployMode,
                                Map<String, String> conf, List<String> jars, List<String> command) {
        List<String> line = new ArrayList<>();
        line.add(javaBin);
        line.addAll(List.of(Sessions.EXECUTOR_FLAGS.split(" ")));
        if (Runtime.version().feature() >= 24) {
            line.add("--sun-misc-unsafe-memory-access=allow");
        }
        line.addAll(List.of("-cp", sparkClassPath, "org.apache.spark.deploy.SparkSubmit", "--class", MAIN_CLASS,
                "--master", master, "--deploy-mode", deployMode));
        if (!jars.isEmpty()) {
            line.addAll(List.of("--jars", String.join(",", jars)));
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put("spark.executor.extraJavaOptions", Sessions.EXECUTOR_FLAGS);
        all.put("spark.driver.extraJavaOptions", Sessions.EXECUTOR_FLAGS); // cluster mode: a worker starts the driver
        all.put("spark.ui.enabled", "false");
        all.putAll(conf);
        all.forEach((k, v) -> line.addAll(List.of("--conf", k + "=" + v)));
        line.add(app.toAbsolutePath().toString());
        line.addAll(command);
        return line;
    }

    private static String quote(String s) {
        return s.matches("[A-Za-z0-9_@%+=:,./\\[\\]-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
