package dev.graft.spark;

import dev.graft.SpecException;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A Spark standalone cluster on this machine: a master and N workers, each its own JVM started from the Spark
 * jars on this JVM's class path, all listening on the loopback address. The cluster's folder holds their logs,
 * process ids, the workers' scratch folders, and a {@code home/jars} folder of links to the Spark jars, which is
 * where a standalone worker looks for the class path of the executors it launches (SPARK_HOME).
 */
public final class LocalCluster {
    /** The address every JVM of the cluster listens on. */
    public static final String HOST = "127.0.0.1";
    static final int START_TIMEOUT_SECONDS = 90;

    private LocalCluster() {
    }

    /** What runs: the master's URL and the process ids (master first). */
    public record Status(String masterUrl, List<Long> pids) {
    }

    /**
     * Starts a master on {@code port} and {@code workers} workers with {@code cores} cores and {@code memory}
     * (e.g. "2g") each; returns when every worker has registered with the master.
     */
    public static Status start(Path dir, int port, int workers, int cores, String memory) throws IOException {
        return start(dir, port, workers, cores, memory, System.getProperty("java.class.path"));
    }

    /** {@link #start(Path, int, int, int, String)} with the Spark jars of {@code classPath}. */
    public static Status start(Path dir, int port, int workers, int cores, String memory, String classPath)
            throws IOException {
        if (workers < 1 || cores < 1) {
            throw new SpecException(List.of("workers", "cores"), "workers and cores must be at least 1, got "
                    + workers + " and " + cores);
        }
        Optional<Status> running = status(dir);
        if (running.isPresent()) {
            throw new IllegalArgumentException("a cluster already runs from " + dir + " (" + running.get().masterUrl()
                    + "); stop it first with './graft spark cluster stop'");
        }
        Files.createDirectories(dir);
        for (String f : List.of("pids", "master-url")) {
            Files.deleteIfExists(dir.resolve(f));
        }
        Path home = sparkHome(dir, classPath);
        String master = "spark://" + HOST + ":" + port;
        List<Long> pids = new ArrayList<>();
        try {
            Process m = launch(dir, home, "master", List.of("org.apache.spark.deploy.master.Master", "--host", HOST,
                    "--port", Integer.toString(port), "--webui-port", "0"));
            pids.add(m.pid());
            writePids(dir, pids);
            waitFor(dir.resolve("master.log"), m, "Starting Spark master at", () -> reachable(port));
            for (int i = 1; i <= workers; i++) {
                Path work = dir.resolve("work-" + i);
                Files.createDirectories(work);
                Process w = launch(dir, home, "worker-" + i, List.of("org.apache.spark.deploy.worker.Worker", master,
                        "--host", HOST, "--cores", Integer.toString(cores), "--memory", memory, "--webui-port", "0",
                        "--work-dir", work.toAbsolutePath().toString()));
                pids.add(w.pid());
                writePids(dir, pids);
                waitFor(dir.resolve("worker-" + i + ".log"), w, "Successfully registered with master", () -> false);
            }
        } catch (IOException | RuntimeException e) {
            stop(dir);
            throw e;
        }
        Files.writeString(dir.resolve("master-url"), master + "\n");
        return new Status(master, pids);
    }

    /** Stops the cluster's JVMs (by the process ids it wrote); returns how many were running. */
    public static int stop(Path dir) throws IOException {
        Path file = dir.resolve("pids");
        if (!Files.exists(file)) {
            return 0;
        }
        int stopped = 0;
        List<ProcessHandle> handles = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(line.strip()));
                if (h.isPresent() && h.get().isAlive()) {
                    handles.add(h.get());
                }
            }
        }
        // workers first, so that the master does not see them as lost; each JVM ends its executors
        for (int i = handles.size() - 1; i >= 0; i--) {
            ProcessHandle h = handles.get(i);
            h.destroy();
            try {
                h.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
            stopped++;
        }
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir.resolve("master-url"));
        return stopped;
    }

    /** The running cluster started from {@code dir}, if its master is alive. */
    public static Optional<Status> status(Path dir) throws IOException {
        Path file = dir.resolve("pids");
        Path url = dir.resolve("master-url");
        if (!Files.exists(file) || !Files.exists(url)) {
            return Optional.empty();
        }
        List<Long> alive = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                long pid = Long.parseLong(line.strip());
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    alive.add(pid);
                }
            }
        }
        if (alive.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Status(Files.readString(url).strip(), alive));
    }

    /** A SPARK_HOME whose jars/ links to the Spark jars of this JVM's class path. */
    private static Path sparkHome(Path dir, String classPath) throws IOException {
        Path jars = dir.resolve("home").resolve("jars");
        if (Files.isDirectory(jars)) {
            try (var old = Files.list(jars)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(jars);
        int n = 0;
        for (String entry : classPath.split(File.pathSeparator)) {
            Path p = Path.of(entry).toAbsolutePath();
            String name = p.getFileName().toString();
            if (Files.isRegularFile(p) && name.endsWith(".jar") && !Files.exists(jars.resolve(name))) {
                Files.createSymbolicLink(jars.resolve(name), p);
                n++;
            }
        }
        if (n == 0 || !hasSpark(jars)) {
            throw new IllegalStateException("no Spark jars on the class path: run this through './graft spark'");
        }
        return dir.resolve("home");
    }

    private static boolean hasSpark(Path jars) throws IOException {
        try (var s = Files.list(jars)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("spark-core_"));
        }
    }

    private static Process launch(Path dir, Path home, String name, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(home.resolve("jars").toAbsolutePath() + File.separator + "*");
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toAbsolutePath().toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", HOST);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Path log = dir.resolve(name + ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                new File("/dev/null")));
        return pb.start();
    }

    private interface Check {
        boolean ok();
    }

    private static void waitFor(Path log, Process p, String line, Check alsoOk) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT_SECONDS * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException(log.getFileName() + ": the JVM ended (exit " + p.exitValue() + ") before it was "
                        + "up; its log " + log + " says why");
            }
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(line)) {
                if (line.startsWith("Starting Spark master")) {
                    while (!alsoOk.ok() && System.nanoTime() < deadline) {
                        sleep();
                    }
                }
                return;
            }
            sleep();
        }
        throw new IOException(String.format(Locale.ROOT, "%s: not up after %d s; see %s", log.getFileName(),
                START_TIMEOUT_SECONDS, log));
    }

    private static boolean reachable(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the cluster starts", e);
        }
    }

    private static void writePids(Path dir, List<Long> pids) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (long p : pids) {
            sb.append(p).append('\n');
        }
        Files.writeString(dir.resolve("pids"), sb.toString());
    }
}
