package dev.graft.spark.pretrain;

import dev.graft.train.ScheduleKind;
import dev.graft.model.ModelOverrides;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.spark.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft spark pretrain} in its own JVM, killed (SIGKILL) once a round checkpoint is written, then resumed:
 * the run's losses and weights are those of a run that was never interrupted.
 */
class DriverKillTest {
    private static final int STEPS = 120;
    private static final int INNER = 2;

    private static List<String> args(Path corpus, Path out) {
        return List.of("pretrain", "--master", "local[2]", "--workers", "2", "--inner-steps", Integer.toString(INNER),
                "--steps", Integer.toString(STEPS), "--arch", "bert-tiny", "--layers", "1", "--hidden-size", "32",
                "--heads", "2", "--ffn-size", "37", "--vocab-size", "99", "--seq-len", "24", "--batch-size", "4",
                "--log-every", "1", "--eval-every", "0", "--seed", "8", "--corpus", corpus.toString(), "--out",
                out.toString());
    }

    @Test
    void aDriverKilledAfterARoundResumesToTheSameLosses() throws Exception {
        Path root = Files.createTempDirectory(Fixtures.root(), "driver-kill");
        Path corpus = Fixtures.corpus("driver-kill-corpus.txt", 200, 41);
        Path killed = root.resolve("killed");

        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), "dev.graft.spark.cli.SparkMain"));
        cmd.addAll(args(corpus, killed));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(root.resolve("child.log").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process child = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (!Files.isDirectory(killed.resolve("round-000002")) && child.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(child.isAlive()).as("the run was still going (see %s)", root.resolve("child.log")).isTrue();
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no last checkpoint
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(killed.resolve("model.safetensors")).as("killed before the end").doesNotExist();

        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Diloco.Result resumed = Diloco.run(spec(corpus, killed).run(ro -> ro.withResume(true))
                .build(), DilocoSettings.paper(2, INNER),
                Fixtures.spark(), quiet);
        assertThat(resumed.innerSteps()).isEqualTo(STEPS);
        Path whole = root.resolve("whole");
        Diloco.run(spec(corpus, whole).build(), DilocoSettings.paper(2, INNER), Fixtures.spark(), quiet);

        assertThat(DilocoTest.losses(killed)).isEqualTo(DilocoTest.losses(whole)).hasSize(STEPS);
        var a = DilocoTest.weights(whole);
        var b = DilocoTest.weights(killed);
        for (String name : a.keySet()) {
            assertThat(b.get(name).floats()).as(name).containsExactly(a.get(name).floats());
        }
    }

    private static PretrainSpec.Builder spec(Path corpus, Path out) {
        // what args() asks of graft spark pretrain (its defaults for the rest)
        return PretrainSpec.builder("bert-tiny", List.of(corpus.toString()), out)
                .model(new ModelOverrides(1, 32, 2, 37, null))
                .tokenizer(tok -> tok.withVocabSize(99)).seqLen(24).batchSize(4).run(ro -> ro.withSteps(STEPS))
                .monitoring(mon -> mon.withIntervals(1, 0, mon.checkpointEvery())).run(ro -> ro.withThreads(1)
                .withSeed(8)).optimizer(opt -> opt.withLearningRate(5e-4f).withWarmup(0.06)
                .withSchedule(ScheduleKind.parse("linear")).withWeightDecay(0.01f).withClip(1.0))
                .maskProbability(0.15).monitoring(mon -> mon.withValidationSequences(256).withKeepCheckpoints(2));
    }
}
