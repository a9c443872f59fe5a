package dev.graft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.FineTuning;
import dev.graft.finetune.Fixtures;
import dev.graft.finetune.Prediction;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.graft.serve.ServeFixtures.get;
import static dev.graft.serve.ServeFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * graft serve's /predict for a multi-label classifier (the labels over their saved thresholds, a score per
 * label) and a sentence-pair classifier (TEI's pairs as inputs): the answers equal graft predict's for the same
 * inputs, and /info describes the task.
 */
class ServedHeadsTest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final String[] FILLER = {"the", "movie", "was", "plot", "and", "a", "film", "very"};

    @TempDir
    static Path dir;
    static Path multiLabel;
    static Path pair;
    static InferenceServer server;
    static URI base;
    static HttpClient client;
    static Compute offline;

    /** Texts with a "pos" word (great), a "neg" word (awful) and a "name" (mary), each with probability 1/2. */
    static Path multiLabelFile(Path file, int n, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            List<String> words = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            for (int w = 0; w < 2 + r.nextInt(3); w++) {
                words.add(FILLER[r.nextInt(FILLER.length)]);
            }
            String[][] kinds = {{"pos", "great"}, {"neg", "awful"}, {"name", "mary"}};
            for (String[] k : kinds) {
                if (r.nextBoolean()) {
                    words.add(r.nextInt(words.size() + 1), k[1]);
                    labels.add("\"" + k[0] + "\"");
                }
            }
            sb.append("{\"text\": \"").append(String.join(" ", words)).append("\", \"labels\": [")
                    .append(String.join(", ", labels)).append("]}\n");
        }
        return Files.writeString(file, sb.toString());
    }

    /** Pairs labeled "yes" when the second text's sentiment word is positive. */
    static Path pairFile(Path file, int n, long seed) throws IOException {
        StringBuilder sb = new StringBuilder();
        List<String[]> firsts = Fixtures.sentiment(n, seed + 1);
        List<String[]> seconds = Fixtures.sentiment(n, seed);
        for (int i = 0; i < n; i++) {
            sb.append("{\"text\": \"").append(firsts.get(i)[0]).append("\", \"text_pair\": \"")
                    .append(seconds.get(i)[0]).append("\", \"label\": \"")
                    .append(seconds.get(i)[1].equals("positive") ? "yes" : "no").append("\"}\n");
        }
        return Files.writeString(file, sb.toString());
    }

    @BeforeAll
    static void start() throws IOException {
        Compute compute = Compute.create(1);
        try {
            Path encoder = Fixtures.checkpoint(dir.resolve("enc"), compute, Fixtures.wordPiece(),
                    ModelConfig.Architecture.ENCODER);
            multiLabel = dir.resolve("ml");
            FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.MULTI_LABEL,
                            multiLabelFile(dir.resolve("ml-train.jsonl"), 97, 1).toString(), multiLabel)
                    .dev(multiLabelFile(dir.resolve("ml-dev.jsonl"), 31, 2).toString()).from(encoder)
                    .run(ro -> ro.withEpochs(2)).learningRate(3e-3f).patience(0).run(ro -> ro.withThreads(1)).build(), DatasetRegistry.standard(), QUIET);
            pair = dir.resolve("pair");
            FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.PAIR,
                            pairFile(dir.resolve("pair-train.jsonl"), 89, 3).toString(), pair).from(encoder)
                    .run(ro -> ro.withEpochs(2)).learningRate(3e-3f).patience(0).run(ro -> ro.withThreads(1)).build(), DatasetRegistry.standard(), QUIET);
        } finally {
            compute.parallel().close();
        }
        ServeSettings settings = ServeSettings.defaults(2).withPort(0).withBatching(4096, 20).withLimits(256, 32, 4096);
        server = InferenceServer.start(List.of(new ModelSpec("ml", multiLabel), new ModelSpec("pair", pair)), settings,
                Pooling.MEAN, "test");
        base = server.uri();
        client = ServeFixtures.client();
        offline = Compute.create(2);
    }

    @AfterAll
    static void stop() {
        server.close();
        offline.parallel().close();
    }

    /** What graft predict prints, one JSON line per input line. */
    static List<JsonNode> offlinePredictions(Path model, List<String> lines) throws IOException {
        FineTunedModel m = FineTunedModel.load(model, offline);
        StringWriter w = new StringWriter();
        Prediction.run(m, new BufferedReader(new StringReader(String.join("\n", lines) + "\n")), w, 64);
        List<JsonNode> out = new ArrayList<>();
        for (String line : w.toString().lines().toList()) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static double rounded(JsonNode score) {
        return Math.round(Float.parseFloat(score.decimalValue().toString()) * 1e6) / 1e6;
    }

    @Test
    void multiLabelAnswersTheLabelsOverTheSavedThresholdsAsGraftPredict() throws Exception {
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(multiLabelFile(dir.resolve("ml-test.jsonl"), 13, 4))) {
            texts.add(JSON.readTree(line).path("text").asText());
        }
        List<JsonNode> expected = offlinePredictions(multiLabel, texts);
        JsonNode all = json(post(client, base, "/predict", JSON.writeValueAsString(Map.of("inputs", texts,
                "model", "ml"))));
        assertThat(all).hasSize(texts.size());
        FineTunedModel m = FineTunedModel.load(multiLabel, offline);
        int chosenSomewhere = 0;
        for (int i = 0; i < texts.size(); i++) {
            JsonNode got = all.get(i);
            JsonNode want = expected.get(i);
            assertThat(got.path("labels")).as("text %d", i).isEqualTo(want.path("labels"));
            chosenSomewhere += got.path("labels").size();
            JsonNode scores = got.path("scores");
            assertThat(scores).hasSize(3);
            for (int j = 0; j < scores.size(); j++) {
                JsonNode s = scores.get(j);
                String label = s.path("label").asText();
                assertThat(rounded(s.path("score"))).as("text %d, %s", i, label)
                        .isEqualTo(want.path("probabilities").path(label).doubleValue());
                int id = m.head().labels().indexOf(label);
                assertThat(s.path("threshold").doubleValue()).isEqualTo(m.head().threshold(id));
                // a label is in "labels" exactly when its score reaches its threshold
                boolean over = s.path("score").doubleValue() >= m.head().threshold(id);
                assertThat(got.path("labels").toString().contains("\"" + label + "\"")).isEqualTo(over);
                if (j > 0) {
                    assertThat(s.path("score").doubleValue()).isLessThanOrEqualTo(scores.get(j - 1).path("score")
                            .doubleValue());
                }
            }
        }
        assertThat(chosenSomewhere).as("some label is chosen for some text").isPositive();
        // a single string gives one answer
        JsonNode single = json(post(client, base, "/predict", JSON.writeValueAsString(Map.of("inputs", texts.get(0),
                "model", "ml"))));
        assertThat(single.path("labels")).isEqualTo(expected.get(0).path("labels"));

        JsonNode info = null;
        for (JsonNode model : json(get(client, base, "/info")).path("models")) {
            if (model.path("name").asText().equals("ml")) {
                info = model;
            }
        }
        assertThat(info).isNotNull();
        assertThat(info.path("kind").asText()).isEqualTo("multilabel-classifier");
        assertThat(info.path("task").asText()).isEqualTo("multilabel");
        assertThat(info.path("labels").toString()).isEqualTo("[\"name\",\"neg\",\"pos\"]");
        assertThat(info.path("thresholds")).hasSize(3);
        for (int j = 0; j < 3; j++) {
            assertThat(info.path("thresholds").get(j).doubleValue()).isEqualTo(m.head().threshold(j));
        }
    }

    @Test
    void pairModelsTakeTeiPairsAndAnswerAsGraftPredict() throws Exception {
        List<String[]> pairs = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(pairFile(dir.resolve("pair-test.jsonl"), 11, 5))) {
            JsonNode n = JSON.readTree(line);
            pairs.add(new String[] {n.path("text").asText(), n.path("text_pair").asText()});
            lines.add(n.path("text").asText() + "\t" + n.path("text_pair").asText());
        }
        List<JsonNode> expected = offlinePredictions(pair, lines);
        // some pairs are longer than the model's 32 positions: refused (413, as TEI), or cut as graft predict cuts
        HttpResponse<String> tooLong = post(client, base, "/predict", JSON.writeValueAsString(Map.of("inputs", pairs,
                "model", "pair")));
        assertThat(tooLong.statusCode()).as(tooLong.body()).isEqualTo(413);
        assertThat(tooLong.body()).contains("more than the 32").contains("truncate");
        JsonNode all = json(post(client, base, "/predict", JSON.writeValueAsString(Map.of("inputs", pairs,
                "model", "pair", "truncate", true))));
        assertThat(all).hasSize(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            JsonNode scores = all.get(i);
            assertThat(scores).hasSize(2);
            assertThat(scores.get(0).path("label").asText()).as("pair %d", i)
                    .isEqualTo(expected.get(i).path("label").asText());
            for (JsonNode s : scores) {
                assertThat(rounded(s.path("score"))).isEqualTo(expected.get(i).path("probabilities")
                        .path(s.path("label").asText()).doubleValue());
            }
        }
        // one pair (TEI's single input) gives one answer; the order of the two texts matters
        JsonNode one = json(post(client, base, "/predict", JSON.writeValueAsString(Map.of("inputs",
                List.of(pairs.get(0)[0], pairs.get(0)[1]), "model", "pair", "truncate", true))));
        assertThat(one.isArray()).isTrue();
        assertThat(one.get(0).path("label").asText()).isEqualTo(expected.get(0).path("label").asText());
        assertThat(rounded(one.get(0).path("score"))).isEqualTo(expected.get(0).path("probabilities")
                .path(one.get(0).path("label").asText()).doubleValue());

        // a text where a pair belongs, and a pair of three, are clear errors
        for (String[] c : new String[][] {
            {"{\"inputs\": \"just one text\", \"model\": \"pair\"}", "pairs of texts"},
            {"{\"inputs\": [[\"a\", \"b\", \"c\"]], \"model\": \"pair\"}", "inputs[0] must be a pair"},
            {"{\"inputs\": [[\"a\", \"\"]], \"model\": \"pair\"}", "empty text"},
        }) {
            HttpResponse<String> r = post(client, base, "/predict", c[0]);
            assertThat(r.statusCode()).as(c[0] + " -> " + r.body()).isEqualTo(400);
            assertThat(r.body()).contains(c[1]);
        }

        JsonNode info = null;
        for (JsonNode model : json(get(client, base, "/info")).path("models")) {
            if (model.path("name").asText().equals("pair")) {
                info = model;
            }
        }
        assertThat(info).isNotNull();
        assertThat(info.path("kind").asText()).isEqualTo("pair-classifier");
        assertThat(info.path("task").asText()).isEqualTo("pair");
        assertThat(info.path("labels").toString()).isEqualTo("[\"no\",\"yes\"]");
    }

    @Test
    void aPairIsTokenizedOnceWhenItsRequestComesCutOnesIncluded() throws Exception {
        ServedModel.PairClassifier m = (ServedModel.PairClassifier) ServedModel.load("pair", pair, offline, null);
        List<String> firsts = new ArrayList<>();
        List<String> seconds = new ArrayList<>();
        for (String line : Files.readAllLines(pairFile(dir.resolve("pair-once.jsonl"), 9, 7))) {
            JsonNode n = JSON.readTree(line);
            firsts.add(n.path("text").asText());
            seconds.add(n.path("text_pair").asText());
        }
        firsts.add(3, String.join(" ", firsts)); // longer than the model's 32 positions
        seconds.add(3, String.join(" ", seconds));
        List<ServedModel.Input> inputs = new ArrayList<>();
        for (int i = 0; i < firsts.size(); i++) {
            inputs.add(m.preparePair(firsts.get(i), seconds.get(i), i, true, 413));
        }
        FineTunedModel fm = FineTunedModel.load(pair, offline);
        dev.graft.task.ClassificationData expected = dev.graft.task.ClassificationData.encodePairs(fm.tokenizer(),
                firsts, seconds, null, m.maxLength(), fm.padId());
        assertThat(expected.truncated()).as("some pairs are cut to the model's length").isPositive();
        int cut = 0;
        for (int i = 0; i < inputs.size(); i++) {
            ServedModel.Input in = inputs.get(i);
            assertThat(in.encoding()).as("pair %d", i).isNotNull();
            assertThat(in.encoding().ids()).as("pair %d", i).containsExactly(expected.ids(i));
            assertThat(in.encoding().typeIds()).as("pair %d", i).containsExactly(expected.typeIds(i));
            assertThat(in.tokens()).isEqualTo(expected.ids(i).length);
            cut += in.truncated() ? 1 : 0;
        }
        assertThat(cut).isEqualTo(expected.truncated());
        // the batch reads the encodings only: other texts with the same encodings give the same answers
        List<ServedModel.Input> otherTexts = new ArrayList<>();
        for (ServedModel.Input in : inputs) {
            otherTexts.add(new ServedModel.Input("x", "y", in.tokens(), in.truncated(), in.encoding(), null));
        }
        List<Object> served = m.run(inputs);
        List<Object> again = m.run(otherTexts);
        float[][] offlineP = new dev.graft.task.PairTask(fm.classifier(), fm.head(), null, 1, null).frozen()
                .predict(expected, expected.batches(64)).probabilities();
        for (int i = 0; i < inputs.size(); i++) {
            assertThat((float[]) served.get(i)).as("pair %d", i).containsExactly(offlineP[i]);
            assertThat((float[]) again.get(i)).as("pair %d", i).containsExactly(offlineP[i]);
        }
    }
}
