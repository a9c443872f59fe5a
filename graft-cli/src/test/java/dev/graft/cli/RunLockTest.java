package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Items 3 and 4 of issue 23 with real processes: a second graft on a busy run folder exits 2 at once,
 * naming the holder; two started together never both run; a run killed ({@code kill -9}) before its
 * first checkpoint leaves a folder that a plain re-run explains and {@code --resume} starts anew,
 * taking over the dead process's lock and saying so.
 */
class RunLockTest {
    @TempDir
    Path dir;

    /** A run that goes on until it is killed: no checkpoint before step 100,000. */
    private List<String> longRun(Path corpus, Path run, String... more) {
        List<String> a = new ArrayList<>(CliFixtures.tinyPretrain(corpus, run, "--steps", "100000",
                "--checkpoint-every", "100000", "--eval-every", "0", "--log-every", "1"));
        a.addAll(List.of(more));
        return a;
    }

    private static void awaitHolder(Path run, Process p, Path logs) throws Exception {
        Path lock = run.resolve(".graft-lock");
        Path metrics = run.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("the first run ended early:\n" + ChildJvm.output(logs));
            }
            if (Files.exists(lock) && Files.readString(lock).contains("pid " + p.pid() + " ")
                    && Files.exists(metrics) && Files.size(metrics) > 0) {
                return;
            }
            Thread.sleep(100);
        }
        p.destroyForcibly().waitFor();
        throw new AssertionError("the first run did not start training in 90 s:\n" + ChildJvm.output(logs));
    }

    @Test
    void aSecondProcessExitsAtOnceAndAKilledRunIsNotStuck() throws Exception {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path run = dir.resolve("run");
        Path logsA = dir.resolve("logs-a");
        Process a = ChildJvm.start("022", logsA, longRun(corpus, run).toArray(String[]::new));
        try {
            awaitHolder(run, a, logsA);
            for (String mode : List.of("plain", "--resume", "--overwrite")) {
                List<String> args = mode.equals("plain") ? longRun(corpus, run) : longRun(corpus, run, mode);
                long t0 = System.nanoTime();
                ChildJvm.Result b = ChildJvm.run("022", dir.resolve("logs-b-" + mode.replace("-", "")), 60,
                        args.toArray(String[]::new));
                double seconds = (System.nanoTime() - t0) / 1e9;
                assertThat(b.exit()).as(mode + ": " + b.both()).isEqualTo(2);
                assertThat(b.err()).contains("is in use by graft pretrain (pid " + a.pid() + " on host ",
                        "give this pretrain another folder as --out");
                assertThat(b.out()).as("the second run trains nothing").doesNotContain("step ");
                assertThat(seconds).as("it exits at once, before reading the corpus").isLessThan(30);
                assertThat(a.isAlive()).isTrue();
            }
        } finally {
            a.destroyForcibly().waitFor(); // kill -9 before the first checkpoint
        }
        assertThat(run.resolve("checkpoint-0000001")).doesNotExist();
        assertThat(run.resolve(".graft-lock")).content().contains("pid " + a.pid());

        ChildJvm.Result plain = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "2"));
        assertThat(plain.exit()).isEqualTo(2);
        assertThat(plain.err()).contains("stopped before its first checkpoint", "start it again (--overwrite, or --resume)");

        ChildJvm.Result resumed = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "2", "--resume"));
        assertThat(resumed.exit()).as(resumed.both()).isZero();
        assertThat(resumed.both()).contains("taking over the lock left by graft pretrain (pid " + a.pid(),
                "no longer running", "has no checkpoint to resume from: starting the run from scratch");
        assertThat(run.resolve("checkpoint-0000002")).isDirectory();
        assertThat(run.resolve(".graft-lock")).as("emptied when the run ends").isEmptyFile();
    }

    @Test
    void twoRunsStartedTogetherNeverBothRun() throws Exception {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path run = dir.resolve("run");
        String[] args = CliFixtures.tinyPretrain(corpus, run, "--steps", "20", "--log-every", "1",
                "--checkpoint-every", "5").toArray(String[]::new);
        Process first = ChildJvm.start("022", dir.resolve("logs-1"), args);
        Process second = ChildJvm.start("022", dir.resolve("logs-2"), args);
        ChildJvm.Result r1 = ChildJvm.await(first, dir.resolve("logs-1"), 120);
        ChildJvm.Result r2 = ChildJvm.await(second, dir.resolve("logs-2"), 120);
        assertThat(List.of(r1.exit(), r2.exit())).as(r1.both() + "\n----\n" + r2.both()).containsExactlyInAnyOrder(0, 2);
        ChildJvm.Result loser = r1.exit() == 2 ? r1 : r2;
        assertThat(loser.err()).contains("is in use by graft pretrain (pid ");
        // every training step is in the metrics once
        List<Long> steps = new ArrayList<>();
        Matcher m = Pattern.compile("\"type\":\"train\",\"step\":(\\d+)")
                .matcher(Files.readString(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8).replace(" ", ""));
        while (m.find()) {
            steps.add(Long.parseLong(m.group(1)));
        }
        assertThat(steps).hasSize(20).doesNotHaveDuplicates();
    }

    @Test
    void aRefusedProcessLeavesTheLockFree() throws IOException {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path run = dir.resolve("run");
        assertThat(CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "1")).exit()).isZero();
        assertThat(CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "1")).exit()).isEqualTo(2);
        ChildJvm.Result again = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "2", "--resume"));
        assertThat(again.exit()).as(again.both()).isZero();
        assertThat(again.both()).doesNotContain("in use", "taking over");
    }
}
