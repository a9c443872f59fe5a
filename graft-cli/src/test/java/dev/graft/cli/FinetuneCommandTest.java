package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
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

/**
 * {@code graft finetune | eval | predict | lm-finetune} end to end on a tiny model pretrained by {@code graft
 * pretrain}, and the bad inputs: unknown labels at eval time, a tagging sentence longer than the model
 * takes (split into windows, counted), an empty training set, a checkpoint of the wrong kind.
 */
class FinetuneCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] POS = {"good", "great", "excellent", "lovely"};
    private static final String[] NEG = {"bad", "awful", "terrible", "boring"};
    private static final String[] FILL = {"the", "movie", "was", "plot", "really", "and", "a", "film", "story"};

    @TempDir
    static Path dir;
    static Path pretrained;
    static Path train;
    static Path tags;

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

    private static String sentence(Random r, boolean positive) {
        StringBuilder sb = new StringBuilder();
        int len = 3 + r.nextInt(5);
        int at = r.nextInt(len);
        for (int w = 0; w < len; w++) {
            sb.append(w > 0 ? " " : "").append(w == at ? (positive ? POS : NEG)[r.nextInt(4)] : FILL[r.nextInt(9)]);
        }
        return sb.toString();
    }

    @BeforeAll
    static void setUp() throws IOException {
        Random r = new Random(1);
        StringBuilder corpus = new StringBuilder();
        StringBuilder jsonl = new StringBuilder();
        StringBuilder conll = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            boolean pos = i % 2 == 0;
            String s = sentence(r, pos);
            corpus.append(s).append('\n');
            jsonl.append("{\"text\": \"").append(s).append("\", \"label\": \"").append(pos ? "positive" : "negative")
                    .append("\"}\n");
            for (String w : s.split(" ")) {
                String tag = List.of(POS).contains(w) ? "B-POS" : List.of(NEG).contains(w) ? "B-NEG" : "O";
                conll.append(w).append(' ').append(tag).append('\n');
            }
            conll.append('\n');
        }
        Path corpusFile = Files.writeString(dir.resolve("corpus.txt"), corpus.toString());
        train = Files.writeString(dir.resolve("train.jsonl"), jsonl.toString());
        tags = Files.writeString(dir.resolve("tags.conll"), conll.toString());
        pretrained = dir.resolve("pretrained");
        Run p = run("", "pretrain", "--arch", "bert-tiny", "--layers", "1", "--hidden-size", "16", "--heads", "2",
                "--vocab-size", "100", "--steps", "2", "--seq-len", "24", "--batch-size", "4", "--threads", "1",
                "--corpus", corpusFile.toString(), "--out", pretrained.toString());
        assertThat(p.exit()).as(p.err()).isZero();
    }

    @Test
    void classifyThenEvalThenPredict() throws IOException {
        Path out = dir.resolve("clf");
        Run ft = run("", "finetune", "--task", "classify", "--from", pretrained.toString(), "--train",
                train.toString(), "--test", train.toString(), "--epochs", "2", "--lr", "3e-3", "--threads", "1",
                "--pooling", "mean", "--out", out.toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
        JsonNode s = ft.summary();
        assertThat(s.path("task").asText()).isEqualTo("classify");
        assertThat(s.path("dev_carved").asBoolean()).isTrue();
        assertThat(s.has("dev_accuracy")).isTrue();
        assertThat(s.has("test_accuracy")).isTrue();

        Run ev = run("", "eval", "--model", out.toString(), "--data", train.toString(), "--json", "--threads", "1");
        assertThat(ev.exit()).as(ev.err()).isZero();
        JsonNode m = JSON.readTree(ev.out().strip());
        assertThat(m.path("accuracy").asDouble()).isEqualTo(s.path("test_accuracy").asDouble());
        assertThat(m.path("confusion").size()).isEqualTo(2);
        assertThat(m.path("per_class").has("positive")).isTrue();
        Run text = run("", "eval", "--model", out.toString(), "--data", train.toString(), "--threads", "1");
        assertThat(text.out()).contains("precision", "macro-F1", "confusion");

        Run pr = run("a really excellent film\nboring\n", "predict", "--model", out.toString(), "--threads", "1");
        assertThat(pr.exit()).as(pr.err()).isZero();
        List<String> lines = pr.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.path("text").asText()).isEqualTo("a really excellent film");
        assertThat(first.path("probabilities").size()).isEqualTo(2);
        assertThat(List.of("positive", "negative")).contains(first.path("label").asText());
    }

    @Test
    void multiLabelAndPairThroughTheCommandLine() throws IOException {
        Random r = new Random(3);
        StringBuilder ml = new StringBuilder();
        StringBuilder pairs = new StringBuilder();
        for (int i = 0; i < 80; i++) {
            boolean pos = r.nextBoolean();
            boolean neg = r.nextBoolean();
            String s = FILL[r.nextInt(9)] + (pos ? " " + POS[r.nextInt(4)] : "") + (neg ? " " + NEG[r.nextInt(4)] : "")
                    + " " + FILL[r.nextInt(9)];
            List<String> labels = new java.util.ArrayList<>();
            if (pos) {
                labels.add("\"p\"");
            }
            if (neg) {
                labels.add("\"n\"");
            }
            ml.append("{\"review\": \"").append(s).append("\", \"tags\": [").append(String.join(",", labels))
                    .append("]}\n");
            pairs.append("{\"text\": \"").append(sentence(r, r.nextBoolean())).append("\", \"second\": \"")
                    .append(sentence(r, i % 2 == 0)).append("\", \"label\": \"").append(i % 2 == 0 ? "yes" : "no")
                    .append("\"}\n");
        }
        Path mlFile = Files.writeString(dir.resolve("ml.jsonl"), ml.toString());
        Path pairFile = Files.writeString(dir.resolve("pairs.jsonl"), pairs.toString());

        Path mlOut = dir.resolve("ml");
        Run ft = run("", "finetune", "--task", "multilabel", "--from", pretrained.toString(), "--train",
                mlFile.toString(), "--text-column", "review", "--label-column", "tags", "--epochs", "1", "--threads",
                "1", "--out", mlOut.toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
        assertThat(ft.summary().path("task").asText()).isEqualTo("multilabel");
        assertThat(ft.summary().has("dev_micro_f1")).isTrue();
        assertThat(ft.out()).contains("thresholds (tuned on the");
        Run ev = run("", "eval", "--model", mlOut.toString(), "--data", mlFile.toString(), "--text-column", "review",
                "--label-column", "tags", "--json", "--threads", "1");
        assertThat(ev.exit()).as(ev.err()).isZero();
        JsonNode m = JSON.readTree(ev.out().strip());
        assertThat(m.path("task").asText()).isEqualTo("multilabel");
        assertThat(m.path("per_label").has("p")).isTrue();
        Run pr = run("the good film\n", "predict", "--model", mlOut.toString(), "--threads", "1");
        assertThat(pr.exit()).as(pr.err()).isZero();
        assertThat(JSON.readTree(pr.out().strip()).path("labels").isArray()).isTrue();

        Path pairOut = dir.resolve("pair");
        Run pf = run("", "finetune", "--task", "pair", "--from", pretrained.toString(), "--train",
                pairFile.toString(), "--pair-column", "second", "--epochs", "1", "--threads", "1", "--out",
                pairOut.toString());
        assertThat(pf.exit()).as(pf.err()).isZero();
        assertThat(pf.summary().path("task").asText()).isEqualTo("pair");
        Run pp = run("the film\tawful plot\n", "predict", "--model", pairOut.toString(), "--threads", "1");
        assertThat(pp.exit()).as(pp.err()).isZero();
        assertThat(JSON.readTree(pp.out().strip()).path("text_pair").asText()).isEqualTo("awful plot");
        Run bad = run("no tab\n", "predict", "--model", pairOut.toString(), "--threads", "1");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("input line 1");
        Run missing = run("", "eval", "--model", pairOut.toString(), "--data", pairFile.toString(), "--threads", "1");
        assertThat(missing.exit()).as("the pairs' second text is not in text_pair").isEqualTo(2);
        assertThat(missing.err()).contains("pairs.jsonl", "line 1", "text_pair");
    }

    @Test
    void unknownLabelsAtEvalTime() throws IOException {
        Path out = dir.resolve("clf2");
        assertThat(run("", "finetune", "--task", "classify", "--from", pretrained.toString(), "--train",
                train.toString(), "--epochs", "1", "--threads", "1", "--out", out.toString()).exit()).isZero();
        Path odd = Files.writeString(dir.resolve("odd.jsonl"),
                "{\"text\": \"good\", \"label\": \"positive\"}\n{\"text\": \"meh\", \"label\": \"neutral\"}\n");
        Run ev = run("", "eval", "--model", out.toString(), "--data", odd.toString());
        assertThat(ev.exit()).isEqualTo(2);
        assertThat(ev.err()).contains("odd.jsonl", "line 2", "neutral");
    }

    @Test
    void longTaggingSentencesAreSplitIntoWindowsAndCounted() throws IOException {
        Path out = dir.resolve("tagger");
        Run ft = run("", "finetune", "--task", "tag", "--from", pretrained.toString(), "--train", tags.toString(),
                "--epochs", "1", "--threads", "1", "--max-length", "8", "--out", out.toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
        assertThat(ft.out()).containsPattern("warning: \\d+ train sentences are longer than 8 tokens; each is tagged in "
                + "windows split at word boundaries");
        JsonNode s = ft.summary();
        assertThat(s.has("dev_token_accuracy")).isTrue();
        assertThat(s.has("dev_span_f1")).isTrue();
        String longSentence = "the movie was really good and the plot was boring and the film was great";
        Run pr = run(longSentence + "\n", "predict", "--model", out.toString(), "--threads", "1");
        assertThat(pr.exit()).as(pr.err()).isZero();
        assertThat(pr.err()).contains("1 sentences are longer than 8 tokens");
        JsonNode line = JSON.readTree(pr.out().strip());
        assertThat(line.path("tags").size()).as("a tag for every word").isEqualTo(longSentence.split(" ").length);
        Path gold = Files.writeString(dir.resolve("long.conll"), String.join("\n",
                java.util.Arrays.stream(longSentence.split(" ")).map(w -> w + " O").toList()) + "\n");
        Run ev = run("", "eval", "--model", out.toString(), "--data", gold.toString(), "--json");
        assertThat(ev.exit()).as(ev.err()).isZero();
        assertThat(ev.err()).contains("1 sentences are longer than 8 tokens");
        assertThat(JSON.readTree(ev.out().strip()).path("words").asInt()).isEqualTo(15);
    }

    @Test
    void emptyTrainingSet() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "\n");
        Run ft = run("", "finetune", "--task", "classify", "--from", pretrained.toString(), "--train",
                empty.toString(), "--out", dir.resolve("never").toString());
        assertThat(ft.exit()).isEqualTo(2);
        assertThat(ft.err()).contains("empty.jsonl", "no examples");
    }

    @Test
    void checkpointOfTheWrongKind() throws IOException {
        Path clf = dir.resolve("clf3");
        assertThat(run("", "finetune", "--task", "classify", "--from", pretrained.toString(), "--train",
                train.toString(), "--epochs", "1", "--threads", "1", "--out", clf.toString()).exit()).isZero();
        Run tag = run("", "finetune", "--task", "tag", "--from", clf.toString(), "--train", tags.toString(),
                "--out", dir.resolve("never2").toString());
        assertThat(tag.exit()).isEqualTo(2);
        assertThat(tag.err()).contains("is a sequence classifier (BertForSequenceClassification)", "--task tag");
        Run ev = run("", "eval", "--model", pretrained.toString(), "--data", train.toString());
        assertThat(ev.exit()).isEqualTo(2);
        assertThat(ev.err()).contains("not a fine-tuned model", "BertForMaskedLM");
        Run both = run("", "finetune", "--task", "classify", "--from", pretrained.toString(), "--arch", "bert-mini",
                "--train", train.toString(), "--out", dir.resolve("never3").toString());
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("either --from DIR");
    }

    @Test
    void lmFinetuneThenFinetuneFromIt() throws IOException {
        Path tapt = dir.resolve("tapt");
        Run lm = run("", "lm-finetune", "--from", pretrained.toString(), "--corpus", train.toString(), "--steps", "3",
                "--batch-size", "8", "--seq-len", "24", "--schedule", "stlr", "--discriminative", "2.6", "--threads",
                "1", "--out", tapt.toString());
        assertThat(lm.exit()).as(lm.err()).isZero();
        assertThat(lm.summary().path("steps").asInt()).isEqualTo(3);
        assertThat(lm.out()).contains("layer-wise rates: 3 groups, factor 2.6");
        Run ft = run("", "finetune", "--task", "classify", "--from", tapt.toString(), "--train", train.toString(),
                "--recipe", "ulmfit", "--epochs", "1", "--threads", "1", "--out", dir.resolve("ulm").toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
        assertThat(ft.summary().path("recipe").asText()).isEqualTo("ulmfit");
    }
}
