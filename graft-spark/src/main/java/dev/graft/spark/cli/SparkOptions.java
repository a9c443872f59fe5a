package dev.graft.spark.cli;

import dev.graft.spark.Sessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/** The options every {@code graft spark} command that starts Spark takes. */
final class SparkOptions {
    @Option(names = "--master", paramLabel = "URL", description = "Spark master: local[K] (K worker threads in "
            + "this JVM), spark://HOST:PORT (a standalone cluster; see graft spark cluster) (default: the one "
            + "spark-submit was given, else local[2]).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark property, e.g. "
            + "spark.executor.memory=2g (repeatable).")
    Map<String, String> conf = new LinkedHashMap<>();

    SparkSession start(String appName) {
        return Sessions.start(master(), appName, conf);
    }

    /** --master, else the master SparkSubmit passes on (the spark.master property), else local[2]. */
    String master() {
        if (master != null) {
            return master;
        }
        String submitted = System.getProperty("spark.master");
        return submitted != null && !submitted.isBlank() ? submitted : "local[2]";
    }
}
