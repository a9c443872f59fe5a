package dev.graft.spark;

import dev.graft.SpecException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Spark sessions as graft starts them: no web UI (no port beyond Spark's own RPC), and on a cluster the
 * executors' JVMs get the flags graft needs ({@code --add-modules jdk.incubator.vector}, so that they use the
 * same SIMD kernels as the driver) and graft's jar (so that they have graft's classes).
 */
public final class Sessions {
    /** The JVM flags of graft's launcher that executors need too (the parent POM's graft.jvm.flags). */
    public static final String EXECUTOR_FLAGS = "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED";

    private Sessions() {
    }

    /**
     * A session on {@code master} ({@code local[K]}, {@code spark://HOST:PORT}, ...) with {@code settings} on top
     * (any Spark property, e.g. {@code spark.executor.memory}).
     */
    public static SparkSession start(String master, String appName, Map<String, String> settings) {
        checkMaster(master);
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false");
        if (!isLocal(master)) {
            // on top of what spark-submit set (its --conf and --jars arrive as spark.* properties)
            String options = conf.get("spark.executor.extraJavaOptions", "");
            if (!options.contains("jdk.incubator.vector")) {
                conf.set("spark.executor.extraJavaOptions", (options + " " + EXECUTOR_FLAGS).strip());
            }
            Path jar = graftJar();
            if (jar != null) {
                String jars = conf.get("spark.jars", "");
                String uri = jar.toUri().toString();
                if (!jars.contains(jar.getFileName().toString())) {
                    conf.set("spark.jars", jars.isBlank() ? uri : jars + "," + uri);
                }
            }
        }
        settings.forEach(conf::set);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /** How long {@link #checkMaster} waits for a standalone master to accept a connection. */
    static final int CONNECT_TIMEOUT_MS = 5000;

    /**
     * Fails fast, with what to do, on a master URL Spark would not take or on a standalone master that does not
     * accept connections (Spark itself retries for a minute, then says "All masters are unresponsive").
     */
    public static void checkMaster(String master) {
        String m = master.strip();
        if (m.isEmpty()) {
            throw new SpecException("master", "master is empty: give local[2] or spark://HOST:PORT");
        }
        if (isLocal(m)) {
            if (!m.matches("(?i)local(\\[(\\*|[1-9]\\d*)(,\\s*[1-9]\\d*)?])?")) {
                throw new SpecException("master", "master " + master + ": a local one is local, local[K] or "
                        + "local[*] (K threads)");
            }
            return;
        }
        if (!m.startsWith("spark://")) {
            if (m.equals("yarn") || m.startsWith("k8s://") || m.startsWith("local-cluster[")) {
                return; // Spark checks these itself
            }
            throw new SpecException("master", "master " + master + ": give local[K] (one machine) or "
                    + "spark://HOST:PORT (a standalone cluster)");
        }
        for (String hostPort : m.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0 || colon == hostPort.length() - 1) {
                throw new SpecException("master", "master " + master + ": spark://" + hostPort + " has no port; "
                        + "give spark://HOST:PORT (a standalone cluster listens on 7077 by default)");
            }
            String host = hostPort.substring(0, colon);
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new SpecException("master", "master " + master + ": the port of spark://" + hostPort
                        + " is not a number");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            } catch (IOException e) {
                throw new SpecException("master", "cannot reach the Spark cluster at spark://" + host + ":" + port
                        + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + "): start "
                        + "one with './graft spark cluster start', or check master and that the cluster runs");
            }
        }
    }

    /** True for masters whose executors run inside the driver's JVM. */
    public static boolean isLocal(String master) {
        String m = master.toLowerCase(Locale.ROOT);
        return m.equals("local") || m.startsWith("local[");
    }

    /**
     * The jar that holds graft's classes (graft-spark.jar, shaded with graft-core), or null when they are
     * loaded from class folders (tests): then a cluster's executors must be given them another way.
     */
    public static Path graftJar() {
        try {
            var source = Sessions.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path p = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
        } catch (URISyntaxException | SecurityException e) {
            return null;
        }
    }
}
