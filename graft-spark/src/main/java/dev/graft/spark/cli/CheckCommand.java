package dev.graft.spark.cli;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code graft spark check}: starts Spark on a master and runs one small job on it. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Starts Spark on --master and runs one small job: prints Spark's and Java's versions, and "
                + "for each executor JVM its host, Java version and graft's kernels (vector or scalar). A quick "
                + "test that a cluster can run graft.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    SparkOptions spark;

    @Option(names = "--tasks", description = "Tasks of the job (default: ${DEFAULT-VALUE}).")
    int tasks = 4;

    @Override
    public Integer call() {
        if (tasks <= 0) {
            throw new IllegalArgumentException("--tasks must be positive, got " + tasks);
        }
        SparkSession session = spark.start("graft check");
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(session.sparkContext());
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                ids.add(i);
            }
            List<String> executors = sc.parallelize(ids, tasks).map(i -> describeExecutor()).collect();
            System.out.printf(Locale.ROOT, "spark %s on %s, driver Java %s%n", session.version(), spark.master(),
                    Runtime.version());
            for (String e : new TreeSet<>(executors)) {
                System.out.println("executor: " + e);
            }
            System.out.printf(Locale.ROOT, "ok: %d tasks ran%n", executors.size());
        } finally {
            session.stop();
        }
        return 0;
    }

    private static String describeExecutor() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "unknown host";
        }
        try (Parallel p = new Parallel(1)) {
            return String.format(Locale.ROOT, "%s pid %d, Java %s, kernels %s", host, ProcessHandle.current().pid(),
                    Runtime.version().feature(), KernelProvider.create(p).name());
        }
    }
}
