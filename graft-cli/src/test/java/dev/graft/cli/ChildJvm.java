package dev.graft.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs graft's command line in a separate JVM, as a user's shell would: under a chosen umask, with
 * its own process id, so tests can check file modes, compete for a lock and kill a run. The child
 * runs {@link ChildMain}: one or more command lines separated by {@code ::}.
 */
final class ChildJvm {
    /** A finished child: its exit code and what it printed. */
    record Result(int exit, String out, String err) {
        String both() {
            return out + err;
        }
    }

    private ChildJvm() {
    }

    /** The command that starts {@link ChildMain} with {@code args} under {@code umask} (e.g. "022"). */
    static ProcessBuilder builder(String umask, Path logs, String... args) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "umask " + umask + " && exec \"$@\"", "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-XX:TieredStopAtLevel=1"));
        command.addAll(launch(ChildMain.class));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectOutput(logs.resolve("out.txt").toFile())
                .redirectError(logs.resolve("err.txt").toFile());
    }

    /**
     * The java arguments that run {@code main} with graft where this JVM has it: on the module path when the
     * tests run on it (Surefire: graft's modules on the module path, the test classes patched into
     * {@code dev.graft.cli}, the test libraries on the class path), so that a child is held to the same
     * module boundaries; else on the class path.
     */
    static List<String> launch(Class<?> main) {
        String modulePath = System.getProperty("jdk.module.path");
        String classPath = System.getProperty("java.class.path", "");
        Module module = main.getModule();
        if (modulePath == null || !module.isNamed()) {
            return List.of("-cp", classPath, main.getName());
        }
        List<String> a = new ArrayList<>(List.of("--module-path", modulePath));
        try { // a patched-in class's code source is the folder it was patched in from (target/test-classes)
            Path tests = Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            a.addAll(List.of("--patch-module", module.getName() + "=" + tests));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (!classPath.isEmpty()) {
            a.addAll(List.of("-cp", classPath, "--add-reads", module.getName() + "=ALL-UNNAMED"));
        }
        a.addAll(List.of("-m", module.getName() + "/" + main.getName()));
        return a;
    }

    /** Starts a child; its output goes to {@code logs}/out.txt and err.txt ({@code logs} is created). */
    static Process start(String umask, Path logs, String... args) throws IOException {
        Files.createDirectories(logs);
        return builder(umask, logs, args).start();
    }

    /** Runs a child to its end (at most {@code timeoutSeconds}) and returns what it did. */
    static Result run(String umask, Path logs, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        Process p = start(umask, logs, args);
        return await(p, logs, timeoutSeconds);
    }

    /** Waits for a started child; kills it and fails when it takes longer than {@code timeoutSeconds}. */
    static Result await(Process p, Path logs, long timeoutSeconds) throws IOException, InterruptedException {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("the child JVM did not finish in " + timeoutSeconds + " s; it printed:\n"
                    + output(logs));
        }
        return new Result(p.exitValue(), Files.readString(logs.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(logs.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    static String output(Path logs) throws IOException {
        return Files.readString(logs.resolve("out.txt"), StandardCharsets.UTF_8)
                + Files.readString(logs.resolve("err.txt"), StandardCharsets.UTF_8);
    }
}
