package dev.graft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.model.Checkpoint;
import dev.graft.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft finetune --resume} after a real {@code kill -9} of the process, once it has written a
 * checkpoint: the plain re-run is refused naming {@code --resume} and {@code --overwrite}, and the resumed
 * run ends with the per-step losses, evaluations, weights and results of a run never killed.
 */
class FinetuneResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private List<String> finetune(Path pre, Path labeled, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("finetune", "--task", "classify", "--from", pre.toString(),
                "--train", labeled.toString(), "--epochs", "8", "--evals-per-epoch", "2", "--dropout", "0.1",
                "--checkpoint-every", "4", "--threads", "1", "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    private static List<String> records(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                ObjectNode rec = (ObjectNode) JSON.readTree(line);
                rec.remove(List.of("elapsed_s", "tokens_per_s"));
                out.add(rec.toString());
            }
        }
        return out;
    }

    @Test
    void aFinetuneKilledAfterACheckpointResumesToTheSameModel() throws Exception {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path labeled = CliFixtures.labeled(dir, 200);
        Path pre = dir.resolve("pre");
        assertThat(CliFixtures.run(CliFixtures.tinyPretrain(corpus, pre, "--steps", "1")).exit()).isZero();

        Path straight = dir.resolve("straight");
        ChildJvm.Result s = ChildJvm.run("022", dir.resolve("logs-straight"), 300,
                finetune(pre, labeled, straight).toArray(String[]::new));
        assertThat(s.exit()).as(s.both()).isZero();

        Path killed = dir.resolve("killed");
        Path logs = dir.resolve("logs-killed");
        Process p = ChildJvm.start("022", logs, finetune(pre, labeled, killed).toArray(String[]::new));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (Trainer.latestCheckpoint(killed) == null) {
            assertThat(p.isAlive()).as(ChildJvm.output(logs)).isTrue();
            assertThat(System.nanoTime()).as("no checkpoint in 120 s").isLessThan(deadline);
            Thread.sleep(10);
        }
        p.destroyForcibly(); // kill -9: no shutdown hook, no last checkpoint
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("killed, not finished").isNotZero();
        assertThat(killed.resolve("results.json")).doesNotExist();
        String checkpoint = Trainer.latestCheckpoint(killed).getFileName().toString();

        ChildJvm.Result plain = CliFixtures.run(finetune(pre, labeled, killed));
        assertThat(plain.exit()).isEqualTo(2);
        assertThat(plain.err()).contains(checkpoint, "continue it (--resume)", "start it again (--overwrite)");

        ChildJvm.Result resumed = ChildJvm.run("022", dir.resolve("logs-resumed"), 300,
                finetune(pre, labeled, killed, "--resume").toArray(String[]::new));
        assertThat(resumed.exit()).as(resumed.both()).isZero();
        assertThat(resumed.out()).contains("resuming from " + checkpoint);

        assertThat(records(killed)).as("per-step losses and evaluations").isEqualTo(records(straight));
        assertThat(Files.readAllBytes(killed.resolve(Checkpoint.WEIGHTS))).as("the final weights, bit for bit")
                .isEqualTo(Files.readAllBytes(straight.resolve(Checkpoint.WEIGHTS)));
        assertThat(Files.readString(killed.resolve("results.json")))
                .isEqualTo(Files.readString(straight.resolve("results.json")));
        assertThat(Trainer.checkpoints(killed)).as("no checkpoint left once the run ends").isEmpty();
    }
}
