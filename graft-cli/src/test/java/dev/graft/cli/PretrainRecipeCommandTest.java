package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft pretrain}'s recipe options through the command line: an ELECTRA run on Cramming's encoder
 * (pre-LN, bias-free, no dropout, sentence examples, in-domain text) whose saved discriminator
 * {@code graft finetune --from} takes; bad values named with what to use.
 */
class PretrainRecipeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void electraOnCrammingsEncoderThenFineTuneTheDiscriminator(@TempDir Path dir) throws IOException {
        Path corpus = CliFixtures.corpus(dir, 150);
        Path labeled = CliFixtures.labeled(dir, 60);
        Path inDomain = Files.writeString(dir.resolve("task.txt"), "a great film\nthe worst plot\n");
        Path pre = dir.resolve("electra");
        List<String> args = CliFixtures.tinyPretrain(corpus, pre, "--steps", "3", "--objective", "electra",
                "--norm", "pre", "--no-bias", "--dropout", "0", "--layout", "sentences", "--in-domain",
                inDomain.toString(), "--in-domain-repeat", "2", "--beta2", "0.99", "--mask-prob", "0.3");
        Run p = run(args.toArray(String[]::new));
        assertThat(p.exit()).as(p.out() + p.err()).isZero();
        assertThat(p.out()).contains("model: ELECTRA", "pre-LN, bias-free linears", "repeated 2 time(s)");
        List<String> lines = p.out().lines().toList();
        JsonNode summary = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(summary.has("val_discriminator_accuracy")).isTrue();
        JsonNode config = JSON.readTree(pre.resolve("config.json").toFile());
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("ElectraForPreTraining");
        assertThat(config.path("graft_pre_norm").asBoolean()).isTrue();

        Run ft = run("finetune", "--task", "classify", "--from", pre.toString(), "--train", labeled.toString(),
                "--epochs", "1", "--threads", "1", "--out", dir.resolve("clf").toString());
        assertThat(ft.exit()).as(ft.out() + ft.err()).isZero();
        JsonNode fc = JSON.readTree(dir.resolve("clf").resolve("config.json").toFile());
        assertThat(fc.path("graft_pre_norm").asBoolean()).as("the fine-tuned model keeps pre-LN").isTrue();
        assertThat(fc.path("graft_linear_bias").asBoolean(true)).isFalse();
    }

    @Test
    void badValuesSayWhatToUse(@TempDir Path dir) throws IOException {
        Path corpus = CliFixtures.corpus(dir, 20);
        Run objective = run(CliFixtures.tinyPretrain(corpus, dir.resolve("a"), "--steps", "1", "--objective",
                "electric").toArray(String[]::new));
        assertThat(objective.exit()).isNotZero();
        assertThat(objective.err()).contains("use mlm, clm or electra");
        Run norm = run(CliFixtures.tinyPretrain(corpus, dir.resolve("b"), "--steps", "1", "--norm", "middle")
                .toArray(String[]::new));
        assertThat(norm.err()).contains("use pre or post");
        Run layout = run(CliFixtures.tinyPretrain(corpus, dir.resolve("c"), "--steps", "1", "--layout", "words")
                .toArray(String[]::new));
        assertThat(layout.err()).contains("use lines, paragraphs or sentences");
        Run schedule = run(CliFixtures.tinyPretrain(corpus, dir.resolve("d"), "--steps", "1", "--schedule",
                "linear-time").toArray(String[]::new));
        assertThat(schedule.err()).contains("decays to 0 at the time budget: give --max-time");
    }

    /**
     * Sentence examples are batched by length unless told otherwise, the run records it, and a resumed run keeps
     * what it started with: a flag that says otherwise is refused, and a run whose run.json predates the setting
     * resumes ungrouped.
     */
    @Test
    void sentenceBatchesAreGroupedByLengthAndAResumedRunKeepsWhatItStartedWith(@TempDir Path dir) throws IOException {
        Path corpus = CliFixtures.corpus(dir, 150);
        Path pre = dir.resolve("grouped");
        Run p = run(CliFixtures.tinyPretrain(corpus, pre, "--steps", "2", "--layout", "sentences")
                .toArray(String[]::new));
        assertThat(p.exit()).as(p.out() + p.err()).isZero();
        assertThat(p.out()).containsPattern("batches: grouped by length; \\d+% of the positions computed are real "
                + "tokens \\(\\d+% without grouping\\)");
        assertThat(JSON.readTree(pre.resolve("run.json").toFile()).path("group_by_length").asBoolean()).isTrue();
        Run against = run(CliFixtures.tinyPretrain(corpus, pre, "--steps", "4", "--layout", "sentences",
                "--no-group-by-length", "--resume").toArray(String[]::new));
        assertThat(against.exit()).as(against.err()).isEqualTo(2);
        assertThat(against.err()).contains("was started with other settings (group_by_length true -> false)")
                .doesNotContain("Exception");

        // another setting is refused as well; a longer run and other threads are not
        Run rate = run(CliFixtures.tinyPretrain(corpus, pre, "--steps", "4", "--layout", "sentences", "--lr", "3e-3",
                "--resume").toArray(String[]::new));
        assertThat(rate.exit()).as(rate.err()).isEqualTo(2);
        assertThat(rate.err()).contains("was started with other settings (lr ", " -> 0.003)", "give --resume with the "
                + "settings in", "only the length and the threads may change", "(--overwrite)");
        Run longer = run(CliFixtures.tinyPretrain(corpus, pre, "--steps", "4", "--layout", "sentences", "--resume")
                .toArray(String[]::new));
        assertThat(longer.exit()).as(longer.out() + longer.err()).isZero();

        Path lines = dir.resolve("lines");
        Run l = run(CliFixtures.tinyPretrain(corpus, lines, "--steps", "2").toArray(String[]::new));
        assertThat(l.exit()).as(l.out() + l.err()).isZero();
        assertThat(l.out()).contains("batches: not grouped by length");
        Path old = dir.resolve("old");
        Run o = run(CliFixtures.tinyPretrain(corpus, old, "--steps", "2", "--layout", "sentences",
                "--no-group-by-length").toArray(String[]::new));
        assertThat(o.exit()).as(o.out() + o.err()).isZero();
        // a run.json written before the setting existed: the resumed run continues ungrouped
        com.fasterxml.jackson.databind.node.ObjectNode record =
                (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(old.resolve("run.json").toFile());
        record.remove("group_by_length");
        JSON.writeValue(old.resolve("run.json").toFile(), record);
        Run resumed = run(CliFixtures.tinyPretrain(corpus, old, "--steps", "3", "--layout", "sentences", "--resume")
                .toArray(String[]::new));
        assertThat(resumed.exit()).as(resumed.out() + resumed.err()).isZero();
        assertThat(resumed.out()).contains("batches: not grouped by length");
    }
}
