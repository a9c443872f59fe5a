package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft finetune --recipe setfit} then {@code graft eval} and {@code graft predict} on its folder. */
class SetFitCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] POS = {"good", "great", "excellent", "lovely"};
    private static final String[] NEG = {"bad", "awful", "terrible", "boring"};
    private static final String[] FILL = {"the", "movie", "was", "plot", "really", "and", "a", "film", "story"};

    private record Run(int exit, String out, String err) {
        JsonNode summary() throws IOException {
            List<String> lines = out.lines().toList();
            return JSON.readTree(lines.get(lines.size() - 1));
        }
    }

    private static Run run(String stdin, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    @Test
    void setfitThenEvalThenPredict(@TempDir Path dir) throws IOException {
        Random r = new Random(4);
        StringBuilder corpus = new StringBuilder();
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            boolean pos = i % 2 == 0;
            StringBuilder s = new StringBuilder();
            int len = 3 + r.nextInt(5);
            int at = r.nextInt(len);
            for (int w = 0; w < len; w++) {
                s.append(w > 0 ? " " : "").append(w == at ? (pos ? POS : NEG)[r.nextInt(4)] : FILL[r.nextInt(9)]);
            }
            corpus.append(s).append('\n');
            jsonl.append("{\"text\": \"").append(s).append("\", \"label\": \"").append(pos ? "positive" : "negative")
                    .append("\"}\n");
        }
        Path corpusFile = Files.writeString(dir.resolve("corpus.txt"), corpus.toString());
        Path train = Files.writeString(dir.resolve("train.jsonl"), jsonl.toString());
        Path pretrained = dir.resolve("pretrained");
        Run p = run("", "pretrain", "--arch", "bert-tiny", "--layers", "1", "--hidden-size", "32", "--heads", "2",
                "--vocab-size", "99", "--steps", "2", "--seq-len", "24", "--batch-size", "4", "--threads", "1",
                "--corpus", corpusFile.toString(), "--out", pretrained.toString());
        assertThat(p.exit()).as(p.err()).isZero();

        Path out = dir.resolve("setfit");
        Run ft = run("", "finetune", "--task", "classify", "--from", pretrained.toString(), "--train",
                train.toString(), "--test", train.toString(), "--recipe", "setfit", "--setfit-iterations", "2",
                "--lr", "1e-3", "--threads", "1", "--out", out.toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
        JsonNode s = ft.summary();
        assertThat(s.path("recipe").asText()).isEqualTo("setfit");
        assertThat(s.path("dev_carved").asBoolean()).isFalse();
        assertThat(s.path("steps").asInt()).as("2 x 60 x 2 pairs at 16 a batch, one epoch").isEqualTo(15);
        assertThat(s.path("chosen_c").asDouble()).isPositive();

        Run ev = run("", "eval", "--model", out.toString(), "--data", train.toString(), "--json", "--threads", "1");
        assertThat(ev.exit()).as(ev.err()).isZero();
        JsonNode m = JSON.readTree(ev.out().strip());
        assertThat(m.path("accuracy").asDouble()).isEqualTo(s.path("test_accuracy").asDouble());

        Run pr = run("a really excellent film\nboring\n", "predict", "--model", out.toString(), "--threads", "1");
        assertThat(pr.exit()).as(pr.err()).isZero();
        List<String> lines = pr.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.path("probabilities").size()).isEqualTo(2);
        assertThat(List.of("positive", "negative")).contains(first.path("label").asText());

        Run wrong = run("", "finetune", "--task", "classify", "--from", pretrained.toString(), "--train",
                train.toString(), "--setfit-iterations", "2", "--out", dir.resolve("x").toString());
        assertThat(wrong.exit()).isNotZero();
        assertThat(wrong.err()).contains("--setfit-iterations applies to --recipe setfit only");
    }
}
