package dev.graft.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Item 10 of issue 23: the {@code ./graft} launcher drops the JVM's "WARNING: Using incubator modules"
 * line (and nothing else), passes standard input and the exit status through, and a SIGTERM to the
 * launcher reaches java, whose shutdown hooks run (graft's checkpoint on a signal). Runs the real
 * script with a small jar ({@link LauncherProbe}) in place of graft's ({@code GRAFT_JAR}).
 */
class LauncherTest {
    @TempDir
    static Path dir;
    static Path jar;

    @BeforeAll
    static void probeJar() throws IOException {
        jar = dir.resolve("probe.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherProbe.class.getName());
        String entry = LauncherProbe.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             InputStream in = LauncherProbe.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
    }

    private static ProcessBuilder launcher(String... args) {
        Path script = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolveSibling("graft");
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("bash", script.toString()));
        command.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("GRAFT_JAR", jar.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return pb;
    }

    @Test
    void theIncubatorWarningIsDroppedAndTheRestPassesThrough() throws Exception {
        ProcessBuilder pb = launcher("echo").redirectError(dir.resolve("err.txt").toFile())
                .redirectOutput(dir.resolve("out.txt").toFile());
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write("hello\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(dir.resolve("out.txt")).hasContent("echo: hello");
        assertThat(dir.resolve("err.txt")).hasContent("probe: started");
    }

    /**
     * The launcher reads each JDK's version from its {@code release} file (bash alone, no JVM started)
     * and runs the newest: a JDK whose release file says 99, its last line without a newline, is chosen
     * over every JDK installed on the machine.
     */
    @Test
    void theNewestJdkByItsReleaseFileRunsGraft() throws Exception {
        Path jdk = dir.resolve("jdk-99");
        Files.createDirectories(jdk.resolve("bin"));
        Path marker = dir.resolve("jdk-99-ran.txt");
        Path java = jdk.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho ran >> '" + marker + "'\nexec '"
                + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        Path javac = jdk.resolve("bin/javac");
        Files.writeString(javac, "#!/bin/sh\nexit 0\n");
        assertThat(java.toFile().setExecutable(true) && javac.toFile().setExecutable(true)).isTrue();
        Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"a test\"\nJAVA_RUNTIME_VERSION=\"17.0.1\"\n"
                + "JAVA_VERSION=\"99.0.1\"");
        ProcessBuilder pb = launcher("echo").redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(dir.resolve("out-99.txt").toFile());
        pb.environment().put("JAVA_HOME", jdk.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(marker).as("the launcher ran the JDK whose release file says 99").hasContent("ran");
    }

    @Test
    void aSigtermToTheLauncherStopsJavaCleanly() throws Exception {
        Path err = dir.resolve("err-wait.txt");
        Process p = launcher("wait").redirectError(err.toFile()).redirectOutput(dir.resolve("out-wait.txt").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(err) && Files.readString(err).contains("probe: started"))) {
            assertThat(System.nanoTime()).as("the probe did not start").isLessThan(deadline);
            assertThat(p.isAlive()).as(Files.exists(err) ? Files.readString(err) : "").isTrue();
            Thread.sleep(50);
        }
        p.destroy(); // SIGTERM to bash, which forwards it
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(143);
        assertThat(Files.readString(err)).contains("probe: stopped cleanly").doesNotContain("WARNING");
    }

    @Test
    void theFirstRunRecordsAnAheadOfTimeCacheAndTheNextOnesUseIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() >= 25,
                "the AOT cache needs JDK 25; the launcher skips it on older JDKs");
        Path aot = dir.resolve("probe.aot");
        Files.deleteIfExists(aot);
        ProcessBuilder first = launcher("jvm-options").redirectError(dir.resolve("aot-1-err.txt").toFile())
                .redirectOutput(dir.resolve("aot-1.txt").toFile());
        first.environment().put("GRAFT_AOT", "1");
        assertThat(first.start().waitFor(60, TimeUnit.SECONDS)).isTrue();
        // the JVM's " AOTConfiguration recorded: FILE" at exit reaches neither output: standard output is the
        // command's own (a JSON summary as its last line, say)
        assertThat(Files.readString(dir.resolve("aot-1.txt"))).contains("-XX:AOTMode=record")
                .doesNotContain("AOTConfiguration recorded");
        assertThat(dir.resolve("aot-1-err.txt")).hasContent("probe: started");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(aot)) { // assembled in the background after the first run
            assertThat(System.nanoTime()).as("no AOT cache was assembled").isLessThan(deadline);
            Thread.sleep(100);
        }
        ProcessBuilder second = launcher("jvm-options").redirectError(dir.resolve("aot-2-err.txt").toFile())
                .redirectOutput(dir.resolve("aot-2.txt").toFile());
        second.environment().put("GRAFT_AOT", "1");
        assertThat(second.start().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("aot-2.txt"))).contains("-XX:AOTCache=" + aot)
                .doesNotContain("AOTMode=record");
        assertThat(dir.resolve("aot-2-err.txt")).hasContent("probe: started"); // no AOT log lines
        // off by default with GRAFT_JAR, and with GRAFT_AOT=0
        ProcessBuilder off = launcher("jvm-options").redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(dir.resolve("aot-3.txt").toFile());
        assertThat(off.start().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("aot-3.txt"))).doesNotContain("AOT");
    }

    /**
     * Issue 22's memory target: the launcher runs the garbage-first collector (JDK 25's parallel one let the
     * demo's heap grow to 6.4 GB of garbage; docs/PERFORMANCE.md), and GRAFT_JAVA_OPTS may still choose
     * another one: the launcher then leaves its own out, which would otherwise stop the JVM ("conflicting
     * collector combinations").
     */
    @Test
    void theJvmRunsTheGarbageFirstCollectorUnlessGraftJavaOptsChoosesAnother() throws Exception {
        ProcessBuilder byDefault = launcher("collectors").redirectError(dir.resolve("gc-1-err.txt").toFile())
                .redirectOutput(dir.resolve("gc-1.txt").toFile());
        Process p = byDefault.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("gc-1-err.txt"))).isZero();
        assertThat(Files.readString(dir.resolve("gc-1.txt"))).contains("G1 Young Generation")
                .doesNotContain("PS Scavenge");
        // G1 grows its heap in small steps (a loaded machine let it jump by gigabytes)
        ProcessBuilder options = launcher("jvm-options").redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(dir.resolve("gc-options.txt").toFile());
        assertThat(options.start().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("gc-options.txt"))).contains("-XX:G1ExpandByPercentOfAvailable=1");

        ProcessBuilder parallel = launcher("collectors").redirectError(dir.resolve("gc-2-err.txt").toFile())
                .redirectOutput(dir.resolve("gc-2.txt").toFile());
        parallel.environment().put("GRAFT_JAVA_OPTS", "-XX:+UseParallelGC");
        p = parallel.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("gc-2-err.txt"))).isZero();
        assertThat(Files.readString(dir.resolve("gc-2.txt"))).contains("PS Scavenge").doesNotContain("G1");
        ProcessBuilder parallelOptions = launcher("jvm-options").redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(dir.resolve("gc-options-2.txt").toFile());
        parallelOptions.environment().put("GRAFT_JAVA_OPTS", "-XX:+UseParallelGC");
        assertThat(parallelOptions.start().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("gc-options-2.txt"))).doesNotContain("G1Expand");
    }

    /**
     * The heap may grow to three quarters of the machine's memory, not the JVM's default quarter (two
     * bge-small-en fine-tuning cells at once ran out of a 6 GB heap on a 24 GB machine), and {@code -Xmx} in
     * GRAFT_JAVA_OPTS still sets it.
     */
    @Test
    void theHeapMayUseThreeQuartersOfTheMachineUnlessGraftJavaOptsSaysOtherwise() throws Exception {
        long[] byDefault = maxHeap(null);
        assertThat((double) byDefault[0] / byDefault[1]).as("max heap / machine memory").isBetween(0.70, 0.76);
        long[] capped = maxHeap("-Xmx300m");
        assertThat(capped[0]).isLessThanOrEqualTo(300L << 20).isGreaterThan(200L << 20);
    }

    private long[] maxHeap(String javaOpts) throws Exception {
        Path out = dir.resolve("heap-" + (javaOpts == null ? "default" : "opts") + ".txt");
        ProcessBuilder pb = launcher("max-heap").redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(out.toFile());
        if (javaOpts != null) {
            pb.environment().put("GRAFT_JAVA_OPTS", javaOpts);
        }
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        String[] parts = Files.readString(out).strip().split(" ");
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    }
}
