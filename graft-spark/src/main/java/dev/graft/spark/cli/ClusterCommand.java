package dev.graft.spark.cli;

import dev.graft.spark.LocalCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** {@code graft spark cluster start|stop|status}: a standalone Spark cluster on this machine. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"A Spark standalone cluster on this machine: a master and workers, each its own JVM, all on "
                + "the loopback address. Jobs go to it with --master spark://127.0.0.1:PORT.",
            "Logs, process ids and the workers' scratch folders are in --dir."},
        subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class, ClusterCommand.Status.class})
final class ClusterCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Dir {
        @Option(names = "--dir", description = "The cluster's folder (default: ${DEFAULT-VALUE}).")
        Path dir = Path.of("runs", "spark-cluster");
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Starts a master and --workers workers; "
            + "returns when every worker has registered.")
    static final class Start implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        Dir dir = new Dir();

        @Option(names = "--workers", description = "Workers (default: ${DEFAULT-VALUE}).")
        int workers = 2;

        @Option(names = "--cores", description = "Cores each worker offers (default: ${DEFAULT-VALUE}).")
        int cores = 1;

        @Option(names = "--memory", description = "Memory each worker offers to executors (default: ${DEFAULT-VALUE}).")
        String memory = "2g";

        @Option(names = "--port", description = "The master's port (default: ${DEFAULT-VALUE}).")
        int port = 7077;

        @Override
        public Integer call() throws IOException {
            LocalCluster.Status s = LocalCluster.start(dir.dir, port, workers, cores, memory);
            System.out.println("cluster: master " + s.masterUrl() + ", " + workers + " worker(s) of " + cores
                    + " core(s); processes " + s.pids() + "; logs in " + dir.dir);
            System.out.println("run a job on it with --master " + s.masterUrl()
                    + "; stop it with './graft spark cluster stop'");
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stops the cluster started from --dir.")
    static final class Stop implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        Dir dir = new Dir();

        @Override
        public Integer call() throws IOException {
            int n = LocalCluster.stop(dir.dir);
            System.out.println(n == 0 ? "cluster: none was running from " + dir.dir
                    : "cluster: stopped " + n + " process(es)");
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Says whether a cluster runs from --dir.")
    static final class Status implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        Dir dir = new Dir();

        @Override
        public Integer call() throws IOException {
            Optional<LocalCluster.Status> s = LocalCluster.status(dir.dir);
            System.out.println(s.map(x -> "cluster: master " + x.masterUrl() + ", processes " + x.pids())
                    .orElse("cluster: none runs from " + dir.dir));
            return s.isPresent() ? 0 : 1;
        }
    }
}
