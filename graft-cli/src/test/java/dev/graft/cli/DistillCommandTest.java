package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft distill} end to end: a tiny teacher from {@code graft pretrain}, a smaller student distilled from it
 * with each loss, then {@code graft embed} and {@code graft finetune --from} on the student's folder; and the
 * errors for bad input (exit code 2, the message naming what to fix).
 */
class DistillCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode summary(ChildJvm.Result r) throws IOException {
        List<String> lines = r.out().lines().toList();
        return JSON.readTree(lines.get(lines.size() - 1));
    }

    @Test
    void distillThenEmbedThenFinetune(@TempDir Path dir) throws IOException {
        Path corpus = CliFixtures.corpus(dir, 120);
        Path teacher = dir.resolve("teacher");
        ChildJvm.Result p = CliFixtures.run(CliFixtures.tinyPretrain(corpus, teacher, "--layers", "2",
                "--hidden-size", "32", "--steps", "2"));
        assertThat(p.exit()).as(p.err()).isZero();

        for (String loss : List.of("embedding", "layers")) {
            Path student = dir.resolve("student-" + loss);
            ChildJvm.Result d = CliFixtures.run("", "distill", "--teacher", teacher.toString(), "--student",
                    "bert-tiny", "--layers", "1", "--hidden-size", "16", "--heads", "2", "--loss", loss,
                    "--corpus", corpus.toString(), "--seq-len", "24", "--batch-size", "4", "--steps", "3",
                    "--log-every", "1", "--cache-teacher", "--threads", "1", "--out", student.toString());
            assertThat(d.exit()).as(d.err()).isZero();
            assertThat(d.out()).contains("teacher: ").contains("student: 1 blocks, hidden 16")
                    .contains("a learned projection 16 -> 32");
            JsonNode s = summary(d);
            assertThat(s.path("steps").asLong()).isEqualTo(3);
            assertThat(s.path("loss").asText()).isEqualTo(loss);
            assertThat(s.path("val_loss").isNumber()).isTrue();
            assertThat(s.has("val_cosine")).as("the embedding loss reports its cosine").isEqualTo(loss.equals("embedding"));
            assertThat(s.has("val_attention")).isEqualTo(loss.equals("layers"));
            assertThat(Files.exists(student.resolve("model.safetensors"))).isTrue();
            assertThat(Files.exists(student.resolve("metrics.jsonl"))).isTrue();
        }
        Path student = dir.resolve("student-embedding");
        ChildJvm.Result e = CliFixtures.run("a good film\na bad plot\n", "embed", "--model", student.toString(),
                "--threads", "1");
        assertThat(e.exit()).as(e.err()).isZero();
        assertThat(e.out().strip().split("\n")).hasSize(2);
        Path train = CliFixtures.labeled(dir, 40);
        ChildJvm.Result ft = CliFixtures.run("", "finetune", "--task", "classify", "--from", student.toString(),
                "--train", train.toString(), "--epochs", "1", "--threads", "1", "--out", dir.resolve("ft").toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
    }

    @Test
    void badInputExitsWithAClearMessage(@TempDir Path dir) throws IOException {
        Path corpus = CliFixtures.corpus(dir, 40);
        ChildJvm.Result missing = CliFixtures.run("", "distill", "--teacher", dir.resolve("nowhere").toString(),
                "--corpus", corpus.toString(), "--steps", "1", "--out", dir.resolve("out").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nowhere does not exist").contains("--teacher");
        Path teacher = dir.resolve("teacher");
        assertThat(CliFixtures.run(CliFixtures.tinyPretrain(corpus, teacher, "--steps", "1")).exit()).isZero();
        ChildJvm.Result map = CliFixtures.run("", "distill", "--teacher", teacher.toString(), "--loss", "layers",
                "--layer-map", "0:7", "--corpus", corpus.toString(), "--steps", "1", "--threads", "1", "--out",
                dir.resolve("out").toString());
        assertThat(map.exit()).isEqualTo(2);
        assertThat(map.err()).contains("--layer-map item '0:7'");
        ChildJvm.Result loss = CliFixtures.run("", "distill", "--teacher", teacher.toString(), "--loss", "logits",
                "--corpus", corpus.toString(), "--steps", "1", "--out", dir.resolve("out").toString());
        assertThat(loss.exit()).isEqualTo(2);
        assertThat(loss.err()).contains("unknown --loss 'logits'");
        assertThat(dir.resolve("out")).doesNotExist();
    }
}
