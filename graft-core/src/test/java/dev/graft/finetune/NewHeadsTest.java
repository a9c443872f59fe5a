package dev.graft.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.BadInput;
import dev.graft.data.BadInputException;
import dev.graft.data.DatasetRegistry;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The multi-label and sentence-pair heads end to end on a tiny encoder and synthetic data: fine-tuning,
 * the model folder, reloading, evaluation and prediction, and the errors bad rows give.
 */
class NewHeadsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @TempDir
    static Path shared;
    static Path encoder;

    @BeforeAll
    static void fixtures() throws IOException {
        Tokenizer wp = Fixtures.wordPiece();
        encoder = Fixtures.checkpoint(shared.resolve("enc"), COMPUTE, wp, ModelConfig.Architecture.ENCODER);
    }

    @AfterAll
    static void close() {
        ONE.close();
    }

    /**
     * Texts whose labels are the kinds of keyword they hold: "pos" (a positive word), "neg" (a negative word),
     * "name" (a person's name); each kind appears with probability 1/2, so some texts carry none.
     */
    static Path multiLabel(Path file, int n, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            List<String> words = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            for (int w = 0; w < 2 + r.nextInt(3); w++) {
                words.add(Fixtures.FILLER[r.nextInt(Fixtures.FILLER.length)]);
            }
            if (r.nextBoolean()) {
                words.add(r.nextInt(words.size() + 1), Fixtures.POSITIVE[r.nextInt(5)]);
                labels.add("\"pos\"");
            }
            if (r.nextBoolean()) {
                words.add(r.nextInt(words.size() + 1), Fixtures.NEGATIVE[r.nextInt(5)]);
                labels.add("\"neg\"");
            }
            if (r.nextBoolean()) {
                words.add(r.nextInt(words.size() + 1), Fixtures.NAMES[r.nextInt(5)]);
                labels.add("\"name\"");
            }
            sb.append("{\"text\": \"").append(String.join(" ", words)).append("\", \"labels\": [")
                    .append(String.join(", ", labels)).append("]}\n");
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    @Test
    void multiLabelFineTunesEvaluatesAndPredicts(@TempDir Path dir) throws IOException {
        Path train = multiLabel(dir.resolve("train.jsonl"), 240, 1);
        Path dev = multiLabel(dir.resolve("dev.jsonl"), 60, 2);
        Path test = multiLabel(dir.resolve("test.jsonl"), 60, 3);
        Path out = dir.resolve("out");
        FineTuneResult r = FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.MULTI_LABEL, train.toString(), out)
                .from(encoder).dev(dev.toString()).test(test.toString()).run(ro -> ro.withEpochs(16)).learningRate(5e-3f).patience(0)
                .run(ro -> ro.withThreads(1)).build(), DatasetRegistry.standard(), QUIET);
        assertThat(r.metric()).isEqualTo("dev_micro_f1");
        assertThat(r.testScore()).as("keywords decide the labels").isGreaterThan(0.85);
        assertThat(r.test().toJson().has("micro_f1")).isTrue();
        assertThat(r.test().toJson().has("macro_f1")).isTrue();
        assertThat(r.test().toJson().has("subset_accuracy")).isTrue();
        assertThat(r.test().toJson().has("per_label")).isTrue();
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("BertForSequenceClassification");
        assertThat(config.path("problem_type").asText()).isEqualTo("multi_label_classification");
        assertThat(config.path("graft_task").asText()).isEqualTo("multilabel");
        assertThat(config.path("id2label").size()).isEqualTo(3);
        assertThat(config.path("graft_thresholds").size()).as("one tuned threshold per label").isEqualTo(3);
        for (JsonNode t : config.path("graft_thresholds")) {
            assertThat(t.asDouble()).isBetween(0.05, 0.95);
        }
        // reloaded, the model scores what the run reported, with its tuned thresholds
        FineTunedModel m = FineTunedModel.load(out, COMPUTE);
        assertThat(m.head().thresholds()).hasSize(3);
        Evaluation e = Evaluation.run(m, test.toString(), new DataSources(DatasetRegistry.standard(), QUIET),
                BadInput.strict(), 16);
        assertThat(e.task()).isEqualTo(HeadConfig.Task.MULTI_LABEL);
        assertThat(e.metrics()).isInstanceOf(dev.graft.eval.MultiLabelMetrics.class);
        assertThat(((dev.graft.eval.MultiLabelMetrics) e.metrics()).microF1()).isEqualTo(r.testScore());
        assertThat(((dev.graft.eval.MultiLabelMetrics) e.metrics()).thresholds()).isEqualTo(m.head().thresholds());
        assertThat(e.report()).contains("micro-F1", "threshold");
        StringWriter w = new StringWriter();
        Prediction.run(m, new BufferedReader(new StringReader("the great film with john\nthe plot of it\n")), w, 8);
        List<String> lines = w.toString().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines.get(0));
        List<String> chosen = new ArrayList<>();
        first.path("labels").forEach(l -> chosen.add(l.asText()));
        assertThat(chosen).containsExactlyInAnyOrder("pos", "name");
        assertThat(first.path("probabilities").size()).isEqualTo(3);
        assertThat(JSON.readTree(lines.get(1)).path("labels").size()).as("no keyword, no label").isZero();
    }

    @Test
    void multiLabelWithoutDevKeepsThresholdsAtOneHalf(@TempDir Path dir) throws IOException {
        Path train = multiLabel(dir.resolve("train.jsonl"), 64, 4);
        Path out = dir.resolve("out");
        FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.MULTI_LABEL, train.toString(), out).from(encoder)
                .devFraction(0).run(ro -> ro.withEpochs(1)).run(ro -> ro.withThreads(1)).build(), DatasetRegistry.standard(), QUIET);
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.has("graft_thresholds")).isFalse();
        FineTunedModel m = FineTunedModel.load(out, COMPUTE);
        assertThat(m.head().threshold(0)).isEqualTo(0.5);
    }

    @Test
    void badMultiLabelRowsNameTheFileAndLine(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"good film\", \"labels\": [\"pos\"]}\n"
                + "{\"text\": \"bad film\", \"labels\": \"neg\"}\n");
        assertThatThrownBy(() -> FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.MULTI_LABEL, bad.toString(),
                dir.resolve("out")).from(encoder).run(ro -> ro.withThreads(1)).build(), DatasetRegistry.standard(), QUIET))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("2")
                .hasMessageContaining("not a list");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    /**
     * Pairs whose label is the sentiment of the <em>second</em> text; the first text holds a sentiment word
     * of its own, drawn independently, so only a model that tells the two texts apart can do well.
     */
    static Path pairs(Path file, int n, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            boolean pos = i % 2 == 0;
            String first = Fixtures.FILLER[r.nextInt(Fixtures.FILLER.length)] + " "
                    + (r.nextBoolean() ? Fixtures.POSITIVE : Fixtures.NEGATIVE)[r.nextInt(5)];
            String second = Fixtures.FILLER[r.nextInt(Fixtures.FILLER.length)] + " "
                    + (pos ? Fixtures.POSITIVE : Fixtures.NEGATIVE)[r.nextInt(5)] + " "
                    + Fixtures.FILLER[r.nextInt(Fixtures.FILLER.length)];
            sb.append("{\"text\": \"").append(first).append("\", \"text_pair\": \"").append(second)
                    .append("\", \"label\": \"").append(pos ? "yes" : "no").append("\"}\n");
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    @Test
    void sentencePairFineTunesEvaluatesAndPredicts(@TempDir Path dir) throws IOException {
        Path train = pairs(dir.resolve("train.jsonl"), 240, 5);
        Path dev = pairs(dir.resolve("dev.jsonl"), 60, 6);
        Path test = pairs(dir.resolve("test.jsonl"), 80, 7);
        Path out = dir.resolve("out");
        FineTuneResult r = FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.PAIR, train.toString(), out)
                .from(encoder).dev(dev.toString()).test(test.toString()).run(ro -> ro.withEpochs(8)).learningRate(3e-3f).patience(0)
                .run(ro -> ro.withThreads(1)).build(), DatasetRegistry.standard(), QUIET);
        assertThat(r.testScore()).as("the second text's sentiment decides").isGreaterThan(0.85);
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.path("graft_task").asText()).isEqualTo("pair");
        assertThat(config.path("problem_type").asText()).isEqualTo("single_label_classification");
        FineTunedModel m = FineTunedModel.load(out, COMPUTE);
        Evaluation e = Evaluation.run(m, test.toString(), new DataSources(DatasetRegistry.standard(), QUIET),
                BadInput.strict(), 16);
        assertThat(((dev.graft.eval.ClassificationMetrics) e.metrics()).accuracy()).isEqualTo(r.testScore());
        StringWriter w = new StringWriter();
        Prediction.run(m, new BufferedReader(new StringReader(
                "{\"text\": \"the awful\", \"text_pair\": \"a superb film\"}\nthe great\tit was terrible\n")), w, 8);
        List<String> lines = w.toString().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines.get(0)).path("label").asText()).isEqualTo("yes");
        assertThat(JSON.readTree(lines.get(0)).path("text_pair").asText()).isEqualTo("a superb film");
        assertThat(JSON.readTree(lines.get(1)).path("label").asText()).isEqualTo("no");
        assertThatThrownBy(() -> Prediction.run(m, new BufferedReader(new StringReader("one\t two\nno tab here\n")),
                new StringWriter(), 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input line 2");
    }

    @Test
    void aPairRowWithoutItsSecondTextNamesTheFileAndLine(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"a\", \"text_pair\": \"b\", \"label\": \"yes\"}\n"
                + "{\"text\": \"c\", \"label\": \"no\"}\n");
        assertThatThrownBy(() -> FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.PAIR, bad.toString(),
                dir.resolve("out")).from(encoder).run(ro -> ro.withThreads(1)).build(), DatasetRegistry.standard(), QUIET))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("text_pair");
    }
}
