package dev.graft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.Fixtures;
import dev.graft.model.HeadConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code graft experiment --task multilabel|pair} end to end on tiny models and generated data (odd sizes):
 * the fine-tuning strategies through the task's head, the bag-of-words baseline of each, the metric in
 * results.jsonl and the report, the multi-label label draw, and the strategies refused at spec time.
 */
class ExperimentNewHeadsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path shared;
    static Path corpus;

    @BeforeAll
    static void data() throws IOException {
        StringBuilder text = new StringBuilder();
        for (String[] row : Fixtures.sentiment(301, 1)) {
            text.append(row[0]).append('\n');
        }
        corpus = Files.writeString(shared.resolve("corpus.txt"), text.toString());
    }

    /** Texts of filler words with "pos", "neg" and "name" words; each label's word appears with probability 1/3. */
    static Path multiLabel(Path file, int n, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            List<String> words = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            for (int w = 0; w < 2 + r.nextInt(3); w++) {
                words.add(Fixtures.sentiment(1, r.nextLong()).get(0)[0].split(" ")[0]);
            }
            String[][] kinds = {{"pos", "great"}, {"neg", "awful"}, {"name", "mary"}};
            for (String[] k : kinds) {
                if (r.nextInt(3) == 0) {
                    words.add(r.nextInt(words.size() + 1), k[1]);
                    labels.add("\"" + k[0] + "\"");
                }
            }
            sb.append("{\"text\": \"").append(String.join(" ", words)).append("\", \"labels\": [")
                    .append(String.join(", ", labels)).append("]}\n");
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    /**
     * Pairs labeled "yes" when the second text carries a positive word, else "no"; the first text is neutral
     * words, so a model (or bag of words) that did not see the second text could not beat chance.
     */
    static Path pairs(Path file, int n, long seed) throws IOException {
        List<String[]> rows = Fixtures.sentiment(n, seed);
        String[] neutral = {"the", "plot", "a", "story", "of", "it", "film"};
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String first = neutral[r.nextInt(neutral.length)] + " " + neutral[r.nextInt(neutral.length)];
            sb.append("{\"text\": \"").append(first).append("\", \"text_pair\": \"").append(rows.get(i)[0])
                    .append("\", \"label\": \"").append(rows.get(i)[1].equals("positive") ? "yes" : "no")
                    .append("\"}\n");
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    private static ExperimentSpec.Builder tiny(HeadConfig.Task task, Path train, Path test, Path out) {
        return ExperimentSpec.builder(task, List.of(train.toString(), test.toString()), out)
                .corpus(List.of(corpus.toString()))
                .budgets(List.of(13, ExperimentSpec.ALL)).seeds(1).arch("bert-tiny").pretrainSteps(3)
                .tokenizer(t -> t.withVocabSize(150)).seqLen(32).maxEpochs(2).run(r -> r.withThreads(1).withSeed(5)).folds(0);
    }

    private static List<JsonNode> results(Path out) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("results.jsonl"))) {
            rows.add(JSON.readTree(line));
        }
        return rows;
    }

    @Test
    void multiLabelRunsTheFineTuningStrategiesAndOneVsRestBowScoredByMicroF1(@TempDir Path dir) throws IOException {
        Path train = multiLabel(dir.resolve("train.jsonl"), 41, 1);
        Path test = multiLabel(dir.resolve("test.jsonl"), 17, 2);
        Path out = dir.resolve("exp");
        ExperimentSpec spec = tiny(HeadConfig.Task.MULTI_LABEL, train, test, out)
                .strategies(List.of(Strategy.BOW, Strategy.SCRATCH, Strategy.TRANSFER))
                // the few-label protocol here (the pair test holds out a dev part): 3-fold choice of the rate
                .folds(3).learningRates(Map.of("scratch", List.of(1e-3f, 3e-3f))).build();
        Experiment.run(spec, DatasetRegistry.standard(), new PrintStream(PrintStream.nullOutputStream()));

        List<JsonNode> rows = results(out);
        assertThat(rows).as("3 strategies x (13 and all) x 1 seed").hasSize(6);
        for (JsonNode r : rows) {
            String what = r.get("strategy").asText() + " " + r.get("budget").asText() + " " + r.path("error").asText();
            assertThat(r.get("status").asText()).as(what).isEqualTo("ok");
            assertThat(r.get("metric").asText()).isEqualTo("micro_f1");
            JsonNode m = r.get("test_metrics");
            assertThat(m.has("macro_f1")).as(what).isTrue();
            assertThat(m.get("macro_f1").asDouble()).isBetween(0.0, 1.0);
            assertThat(r.get("test").asDouble()).as("the score is the test micro-F1").isEqualTo(m.get("micro_f1")
                    .asDouble());
            if (r.get("strategy").asText().equals("scratch")) {
                assertThat(m.get("selected_lr").asDouble()).as(what).isIn(1e-3, 3e-3);
            }
        }
        // the 13-label draw keeps all three labels (the covering draw), and every strategy got it
        TreeSet<String> present = new TreeSet<>();
        List<String> ids = Files.readAllLines(out.resolve("subsets/b13-s0.tsv")).stream()
                .filter(l -> !l.startsWith("#")).map(l -> l.split("\t")[1]).toList();
        assertThat(ids).hasSize(13);
        List<String> lines = Files.readAllLines(train);
        for (String id : ids) {
            JsonNode n = JSON.readTree(lines.get(lineIndex(id)));
            n.get("labels").forEach(l -> present.add(l.asText()));
        }
        assertThat(present).containsExactly("name", "neg", "pos");
        String fp = Files.readString(out.resolve("cells/bow/b13-s0.subset"));
        assertThat(Files.readString(out.resolve("cells/scratch/b13-s0.subset"))).isEqualTo(fp);
        assertThat(Files.readString(out.resolve("report.md"))).contains("micro_f1");
    }

    /** The example id of the file's line i (1-based, no id field) is "line-i". */
    private static int lineIndex(String id) {
        return Integer.parseInt(id.replaceAll(".*\\D", "")) - 1;
    }

    @Test
    void pairsRunTheFineTuningStrategiesAndBowOnBothTextsScoredByAccuracy(@TempDir Path dir) throws IOException {
        Path train = pairs(dir.resolve("train.jsonl"), 39, 3);
        Path test = pairs(dir.resolve("test.jsonl"), 15, 4);
        Path out = dir.resolve("exp");
        ExperimentSpec spec = tiny(HeadConfig.Task.PAIR, train, test, out)
                .strategies(List.of(Strategy.BOW, Strategy.SCRATCH, Strategy.MULTITASK)).build();
        Experiment.run(spec, DatasetRegistry.standard(), new PrintStream(PrintStream.nullOutputStream()));

        List<JsonNode> rows = results(out);
        assertThat(rows).hasSize(6);
        for (JsonNode r : rows) {
            String what = r.get("strategy").asText() + " " + r.get("budget").asText() + " " + r.path("error").asText();
            assertThat(r.get("status").asText()).as(what).isEqualTo("ok");
            assertThat(r.get("metric").asText()).isEqualTo("accuracy");
            JsonNode m = r.get("test_metrics");
            assertThat(m.get("macro_f1").asDouble()).as(what).isBetween(0.0, 1.0);
            assertThat(r.get("test").asDouble()).isEqualTo(m.get("accuracy").asDouble());
        }
        // the label is the second text's sentiment word, which only the joined bag of words' second half holds:
        // with all 39 pairs it beats chance on the 15 test pairs
        JsonNode bowAll = rows.stream().filter(r -> r.get("strategy").asText().equals("bow")
                && r.get("budget").asText().equals("all")).findFirst().orElseThrow();
        assertThat(bowAll.get("test").asDouble()).isGreaterThan(0.6);
        assertThat(Files.readString(out.resolve("report.md"))).contains("accuracy");
    }

    @Test
    void thePairBagOfWordsSeesBothTextsJoinedBySeparator() {
        List<dev.graft.data.ClassificationExample> joined = BowStrategy.joined(List.of(
                new dev.graft.data.ClassificationExample("p1", "A man eats", "yes",
                        Map.of(dev.graft.data.ClassificationReader.TEXT_PAIR, "someone eats"))));
        assertThat(joined).hasSize(1);
        assertThat(joined.get(0).text()).isEqualTo("A man eats | someone eats");
        assertThat(joined.get(0).label()).isEqualTo("yes");
        assertThat(joined.get(0).id()).isEqualTo("p1");
    }

    @Test
    void strategiesThatCannotApplyAreRefusedAtSpecTime(@TempDir Path dir) {
        for (HeadConfig.Task task : List.of(HeadConfig.Task.MULTI_LABEL, HeadConfig.Task.PAIR)) {
            for (Strategy s : List.of(Strategy.LABELS_AS_TEXT, Strategy.VECTORS, Strategy.BOW_VECTORS)) {
                assertThatThrownBy(() -> tiny(task, dir.resolve("a.jsonl"), dir.resolve("b.jsonl"), dir)
                        .strategies(List.of(Strategy.SCRATCH, s)).build())
                        .hasMessageContaining("[" + s.id() + "]").hasMessageContaining("task " + task.id())
                        .hasMessageContaining("ulmfit");
            }
            assertThat(tiny(task, dir.resolve("a.jsonl"), dir.resolve("b.jsonl"), dir)
                    .strategies(List.of(Strategy.BOW, Strategy.SCRATCH, Strategy.TRANSFER, Strategy.ULMFIT,
                            Strategy.MERGED, Strategy.MULTITASK, Strategy.PRETRAINED)).build().task()).isEqualTo(task);
        }
    }
}
