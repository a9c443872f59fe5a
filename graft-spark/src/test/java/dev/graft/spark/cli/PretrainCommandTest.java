package dev.graft.spark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.spark.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft spark pretrain} writes a run folder that {@code graft finetune} takes. */
class PretrainCommandTest {
    @Test
    void twoWorkersPretrainAModelThatGraftFinetuneTakes() throws IOException {
        Path corpus = Fixtures.corpus("cli-pretrain-corpus.txt", 200, 11);
        Path out = Files.createTempDirectory(Fixtures.root(), "cli-pretrain").resolve("run");
        CliRun r = CliRun.of("pretrain", "--master", "local[2]", "--workers", "2", "--inner-steps", "3", "--steps", "6",
                "--arch", "bert-tiny", "--layers", "1", "--hidden-size", "32", "--heads", "2", "--ffn-size", "37",
                "--vocab-size", "99", "--seq-len", "24", "--batch-size", "8", "--log-every", "1", "--corpus",
                corpus.toString(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(summary.path("rounds").asLong()).isEqualTo(2);
        assertThat(summary.path("inner_steps").asLong()).isEqualTo(6);
        assertThat(summary.path("workers").asInt()).isEqualTo(2);
        assertThat(summary.path("val_loss").asDouble()).isBetween(0.0, 10.0);
        assertThat(r.out()).contains("round 2/2: inner steps 6");

        Path train = Files.writeString(out.resolveSibling("train.jsonl"), """
                {"text": "a good film", "label": "positive"}
                {"text": "a bad film", "label": "negative"}
                {"text": "the great plot", "label": "positive"}
                {"text": "the boring plot", "label": "negative"}
                {"text": "a lovely story", "label": "positive"}
                {"text": "an awful story", "label": "negative"}
                """);
        Fixtures.Run ft = Fixtures.graft("finetune", "--task", "classify", "--from", out.toString(), "--train",
                train.toString(), "--dev", train.toString(), "--out", out.resolveSibling("classifier").toString(),
                "--epochs", "1", "--batch-size", "2");
        assertThat(ft.exit()).as(ft.err() + ft.out()).isZero();
    }

    @Test
    void theSynchronousModeRunsFromTheCommandLine() throws IOException {
        Path corpus = Fixtures.corpus("cli-sync-corpus.txt", 100, 13);
        Path out = Files.createTempDirectory(Fixtures.root(), "cli-sync").resolve("run");
        CliRun r = CliRun.of("pretrain", "--mode", "sync", "--workers", "2", "--steps", "3", "--arch", "bert-tiny",
                "--layers", "1", "--hidden-size", "32", "--heads", "2", "--ffn-size", "37", "--vocab-size", "99",
                "--seq-len", "24", "--batch-size", "4", "--corpus", corpus.toString(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(summary.path("steps").asLong()).isEqualTo(3);
        assertThat(summary.path("workers").asInt()).isEqualTo(2);
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(CliRun.of("pretrain", "--mode", "async", "--steps", "3", "--corpus", corpus.toString(), "--out",
                out.resolveSibling("x").toString()).err()).contains("--mode async: choose diloco or sync");
        // core errors name spec fields (out, resume, overwrite; innerSteps): graft spark prints its flags
        CliRun again = CliRun.of("pretrain", "--mode", "sync", "--workers", "2", "--steps", "3", "--arch", "bert-tiny",
                "--corpus", corpus.toString(), "--out", out.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains(out + " holds a graft spark pretrain run (newest checkpoint: ",
                "): continue it (--resume), start it again (--overwrite), or choose a new folder as --out");
        CliRun inner = CliRun.of("pretrain", "--inner-steps", "0", "--steps", "3", "--corpus", corpus.toString(),
                "--out", out.resolveSibling("y").toString());
        assertThat(inner.exitCode()).isEqualTo(2);
        assertThat(inner.err()).contains("graft spark: --inner-steps must be at least 1, got 0");
    }

    @Test
    void epochsPlanTheWorkersStepsTogetherThroughTheCorpus() throws IOException {
        Path corpus = Fixtures.corpus("cli-epochs-corpus.txt", 120, 14);
        Path out = Files.createTempDirectory(Fixtures.root(), "cli-epochs").resolve("run");
        CliRun r = CliRun.of("pretrain", "--workers", "2", "--inner-steps", "3", "--epochs", "1", "--arch",
                "bert-tiny", "--layers", "1", "--hidden-size", "32", "--heads", "2", "--ffn-size", "37", "--vocab-size",
                "99", "--seq-len", "24", "--batch-size", "8", "--corpus", corpus.toString(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        int sequences = new ObjectMapper().readTree(out.resolve("run.json").toFile()).path("training_sequences").asInt();
        long perEpoch = Math.max(1, sequences / 8);
        long expected = (perEpoch + 1) / 2; // two workers share the epoch's batches
        String[] lines = r.out().strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(expected).isGreaterThan(3);
        assertThat(summary.path("inner_steps").asLong()).isEqualTo(expected);
        assertThat(summary.path("rounds").asLong()).isEqualTo((expected + 2) / 3);
    }

    @Test
    void aRunWithoutStepsIsAClearErrorBeforeSparkStarts() throws IOException {
        Path corpus = Fixtures.corpus("cli-pretrain-corpus2.txt", 20, 12);
        CliRun r = CliRun.of("pretrain", "--steps", "0", "--corpus", corpus.toString(), "--out",
                Fixtures.root().resolve("never").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("give a length: --steps, --epochs or --max-time");
        // the spec's errors name this command's flags
        CliRun lr = CliRun.of("pretrain", "--steps", "2", "--lr", "-1", "--corpus", corpus.toString(), "--out",
                Fixtures.root().resolve("never").toString());
        assertThat(lr.exitCode()).isEqualTo(2);
        assertThat(lr.err()).contains("graft spark: --lr must be > 0, got -1");
        CliRun threads = CliRun.of("pretrain", "--steps", "2", "--threads-per-task", "0", "--corpus",
                corpus.toString(), "--out", Fixtures.root().resolve("never").toString());
        assertThat(threads.err()).contains("graft spark: --threads-per-task must be > 0, got 0");
    }
}
