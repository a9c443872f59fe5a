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
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ChildMain.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectOutput(logs.resolve("out.txt").toFile())
                .redirectError(logs.resolve("err.txt").toFile());
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
