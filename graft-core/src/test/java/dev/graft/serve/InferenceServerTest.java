package dev.graft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.Fixtures;
import dev.graft.finetune.Prediction;
import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.graft.serve.ServeFixtures.get;
import static dev.graft.serve.ServeFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft serve} on an ephemeral loopback port with three tiny models (an encoder, a classifier,
 * a tagger): every endpoint's answer, equality with the offline paths of {@code graft embed} and
 * {@code graft predict}, batching under concurrency, and bad requests.
 */
class InferenceServerTest {
    /** Numbers read as decimals, then to float directly: decimal to double to float can round twice. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final int THREADS = 2;

    @TempDir
    static Path dir;
    static ServeFixtures models;
    static InferenceServer server;
    static URI base;
    static HttpClient client;
    static Compute offline;

    @BeforeAll
    static void start() throws IOException {
        models = ServeFixtures.make(dir);
        ServeSettings settings = ServeSettings.defaults(THREADS).withPort(0).withBatching(4096, 20)
                .withLimits(256, 32, 4096);
        server = InferenceServer.start(List.of(new ModelSpec("enc", models.encoder),
                new ModelSpec("clf", models.classifier), new ModelSpec("tag", models.tagger)), settings,
                Pooling.MEAN, "test");
        base = server.uri();
        client = ServeFixtures.client();
        offline = Compute.create(THREADS);
    }

    @AfterAll
    static void stop() {
        server.close();
        offline.parallel().close();
    }

    static List<String> sentences(int n, long seed) {
        List<String> out = new ArrayList<>();
        for (String[] s : Fixtures.sentiment(n, seed)) {
            out.add(s[0]);
        }
        return out;
    }

    /** What graft embed computes: Pretrained.loadBackbone + SentenceEmbedder.embed, batches of 32. */
    static float[][] offlineEmbeddings(List<String> texts, boolean normalize) throws IOException {
        Pretrained p = Pretrained.loadBackbone(models.encoder, offline);
        return new SentenceEmbedder(p.backbone(), p.requireTokenizer(), Pooling.MEAN, normalize, 32,
                p.config().maxPositions()).embed(texts);
    }

    /** What graft predict prints, one JSON line per text. */
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
        return JSON.readTree(r.body());
    }

    static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = toFloat(array.get(i));
        }
        return v;
    }

    static float toFloat(JsonNode n) {
        return Float.parseFloat(n.decimalValue().toString());
    }

    static String body(Object o) throws IOException {
        return JSON.writeValueAsString(o);
    }

    // ------------------------------------------------------------------ shapes and equality

    @Test
    void healthInfoAndModels() throws Exception {
        HttpResponse<String> h = get(client, base, "/health");
        assertThat(h.statusCode()).isEqualTo(200);
        assertThat(json(h).path("status").asText()).isEqualTo("ok");

        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(ServeSettings.defaults(1).host()).isEqualTo("127.0.0.1");
        // answers go out at once, not held by Nagle's algorithm until the headers are acknowledged
        assertThat(System.getProperty(InferenceServer.NODELAY_PROPERTY)).isEqualTo("true");

        JsonNode info = json(get(client, base, "/info"));
        assertThat(info.path("server").asText()).isEqualTo("graft");
        assertThat(info.path("max_client_batch_size").asInt()).isEqualTo(32);
        assertThat(info.path("max_batch_tokens").asInt()).isEqualTo(4096);
        assertThat(info.path("threads").asInt()).isEqualTo(THREADS);
        assertThat(info.path("workers").asInt()).isEqualTo(THREADS);
        assertThat(info.path("models")).hasSize(3);
        JsonNode enc = info.path("models").get(0);
        assertThat(enc.path("name").asText()).isEqualTo("enc");
        assertThat(enc.path("kind").asText()).isEqualTo("embedding");
        assertThat(enc.path("dimension").asInt()).isEqualTo(16);
        assertThat(enc.path("max_input_length").asInt()).isEqualTo(32);
        assertThat(enc.path("pooling").asText()).isEqualTo("mean");
        JsonNode clf = info.path("models").get(1);
        assertThat(clf.path("kind").asText()).isEqualTo("classifier");
        assertThat(clf.path("labels").toString()).isEqualTo("[\"negative\",\"positive\"]");
        JsonNode tag = info.path("models").get(2);
        assertThat(tag.path("kind").asText()).isEqualTo("tagger");
        assertThat(tag.path("chunk_tags").asBoolean()).isTrue();
        assertThat(tag.path("labels")).hasSize(4);

        JsonNode list = json(get(client, base, "/v1/models"));
        assertThat(list.path("object").asText()).isEqualTo("list");
        assertThat(list.path("data").findValuesAsText("id")).containsExactly("enc", "clf", "tag");
        assertThat(list.path("data").get(0).path("object").asText()).isEqualTo("model");
    }

    @Test
    void embedEqualsGraftEmbedBitForBit() throws Exception {
        List<String> texts = sentences(40, 21);
        for (boolean normalize : new boolean[] {true, false}) {
            float[][] expected = offlineEmbeddings(texts, normalize);
            // in requests of 1 to 7 texts, so that batches mix differently than offline
            int at = 0;
            int size = 1;
            while (at < texts.size()) {
                List<String> part = texts.subList(at, Math.min(texts.size(), at + size));
                HttpResponse<String> r = post(client, base, "/embed",
                        body(java.util.Map.of("inputs", part, "normalize", normalize)));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
                JsonNode vectors = json(r);
                assertThat(vectors.isArray()).isTrue();
                assertThat(vectors).hasSize(part.size());
                for (int i = 0; i < part.size(); i++) {
                    assertThat(vectors.get(i)).hasSize(16);
                    assertThat(floats(vectors.get(i))).as("text %d, normalize %s", at + i, normalize)
                            .containsExactly(expected[at + i]);
                }
                at += part.size();
                size = size % 7 + 1;
            }
        }
        // a single string is a list of one vector; normalize defaults to true (TEI)
        JsonNode one = json(post(client, base, "/embed", body(java.util.Map.of("inputs", texts.get(3)))));
        assertThat(one).hasSize(1);
        assertThat(floats(one.get(0))).containsExactly(offlineEmbeddings(List.of(texts.get(3)), true)[0]);
        double norm = 0;
        for (float x : floats(one.get(0))) {
            norm += x * x;
        }
        assertThat(norm).isBetween(0.9999, 1.0001);
    }

    @Test
    void openAiEmbeddingsFieldByField() throws Exception {
        List<String> texts = sentences(3, 22);
        float[][] expected = offlineEmbeddings(texts, true);
        HttpResponse<String> r = post(client, base, "/v1/embeddings",
                body(java.util.Map.of("model", "enc", "input", texts)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode o = json(r);
        assertThat(o.fieldNames()).toIterable().containsExactly("object", "data", "model", "usage");
        assertThat(o.path("object").asText()).isEqualTo("list");
        assertThat(o.path("model").asText()).isEqualTo("enc");
        assertThat(o.path("data")).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode d = o.path("data").get(i);
            assertThat(d.fieldNames()).toIterable().containsExactly("object", "embedding", "index");
            assertThat(d.path("object").asText()).isEqualTo("embedding");
            assertThat(d.path("index").isInt()).isTrue();
            assertThat(d.path("index").asInt()).isEqualTo(i);
            assertThat(floats(d.path("embedding"))).containsExactly(expected[i]);
        }
        long tokens = 0;
        Pretrained p = Pretrained.loadBackbone(models.encoder, offline);
        for (String t : texts) {
            tokens += p.requireTokenizer().encode(t, true).length();
        }
        assertThat(o.path("usage").fieldNames()).toIterable().containsExactly("prompt_tokens", "total_tokens");
        assertThat(o.path("usage").path("prompt_tokens").asLong()).isEqualTo(tokens);
        assertThat(o.path("usage").path("total_tokens").asLong()).isEqualTo(tokens);

        // base64: little-endian float32, as the OpenAI clients decode it
        JsonNode b = json(post(client, base, "/v1/embeddings",
                body(java.util.Map.of("model", "enc", "input", texts.get(1), "encoding_format", "base64"))));
        assertThat(b.path("data")).hasSize(1);
        byte[] raw = Base64.getDecoder().decode(b.path("data").get(0).path("embedding").asText());
        float[] decoded = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(decoded);
        assertThat(decoded).containsExactly(expected[1]);

        // the only embedding model answers whatever the request calls it (as TEI does), and says its name
        JsonNode other = json(post(client, base, "/v1/embeddings",
                body(java.util.Map.of("model", "text-embedding-3-small", "input", texts.get(0)))));
        assertThat(other.path("model").asText()).isEqualTo("enc");
        assertThat(floats(other.path("data").get(0).path("embedding"))).containsExactly(expected[0]);
    }

    /**
     * The classifier's inference forward is batch-invariant ({@link dev.graft.model.ClassifierInference}):
     * whatever batches the server forms, each text's probabilities equal graft predict's bit for bit, on the
     * same lines and inside a larger file (other batches).
     */
    @Test
    void classificationEqualsGraftPredict() throws Exception {
        List<String> texts = sentences(30, 23);
        List<JsonNode> whole = offlinePredictions(models.classifier, texts);
        FineTunedModel m = FineTunedModel.load(models.classifier, offline);
        List<String> labels = m.head().labels();
        ClassificationTask task = new ClassificationTask(m.classifier(), m.head(), null, 64, null).frozen();
        for (int start = 0; start < texts.size(); start += 5) {
            List<String> part = texts.subList(start, start + 5);
            HttpResponse<String> r = post(client, base, "/predict", body(java.util.Map.of("inputs", part, "model",
                    "clf")));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode all = json(r);
            assertThat(all).hasSize(5);
            for (int i = 0; i < 5; i++) {
                int k = start + i;
                JsonNode alone = offlinePredictions(models.classifier, part).get(i);
                ClassificationData data = ClassificationData.encode(m.tokenizer(), part, null,
                        m.head().maxLength(), m.padId());
                float[] exact = task.predict(data, data.batches(64)).probabilities()[i];
                JsonNode scores = all.get(i);
                assertThat(scores).hasSize(2);
                // highest first, the top label is graft predict's label
                assertThat(scores.get(0).path("score").doubleValue())
                        .isGreaterThanOrEqualTo(scores.get(1).path("score").doubleValue());
                assertThat(scores.get(0).path("label").asText()).isEqualTo(alone.path("label").asText())
                        .isEqualTo(whole.get(k).path("label").asText());
                for (JsonNode s : scores) {
                    String label = s.path("label").asText();
                    float p = toFloat(s.path("score"));
                    assertThat(p).as("text %d, %s", k, label).isEqualTo(exact[labels.indexOf(label)]);
                    assertThat(Math.round(p * 1e6) / 1e6).isEqualTo(alone.path("probabilities").path(label).doubleValue());
                    assertThat(Math.round(p * 1e6) / 1e6).isEqualTo(whole.get(k).path("probabilities").path(label)
                            .doubleValue());
                }
            }
        }
        // a single string gives one list of scores (TEI's shape); the first classifier is the default
        JsonNode single = json(post(client, base, "/predict", body(java.util.Map.of("inputs", texts.get(0)))));
        assertThat(single.isArray()).isTrue();
        assertThat(single).hasSize(2);
        assertThat(single.get(0).path("label").asText()).isEqualTo(whole.get(0).path("label").asText());
    }

    @Test
    void taggingEqualsGraftPredictWithSpans() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String[][] s : Fixtures.chunks(20, 31)) {
            lines.add(String.join(" ", s[0]));
        }
        lines.add("  john   smith  went to  paris "); // extra spaces: offsets point into the text as sent
        lines.add("mary went to rome and berlin with peter anna john smith and mary and then to paris and london "
                + "and rome and berlin and paris and john"); // longer than the 32 positions: windows, no word lost
        List<JsonNode> expected = offlinePredictions(models.tagger, lines);
        HttpResponse<String> r = post(client, base, "/predict", body(java.util.Map.of("inputs", lines, "model",
                "tag")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode all = json(r);
        assertThat(all).hasSize(lines.size());
        int spans = 0;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode o = all.get(i);
            assertThat(o.fieldNames()).toIterable().containsExactly("tokens", "tags", "spans");
            assertThat(o.path("tokens")).isEqualTo(expected.get(i).path("tokens"));
            assertThat(o.path("tags")).as("line %d", i).isEqualTo(expected.get(i).path("tags"));
            String text = lines.get(i);
            for (JsonNode s : o.path("spans")) {
                spans++;
                int from = s.path("start").asInt();
                int to = s.path("end").asInt();
                assertThat(text.substring(from, to)).isEqualTo(s.path("text").asText()); // ASCII: code points = chars
                int first = s.path("first_token").asInt();
                int last = s.path("last_token").asInt();
                assertThat(o.path("tags").get(first).asText()).endsWith(s.path("type").asText());
                assertThat(s.path("text").asText()).startsWith(o.path("tokens").get(first).asText())
                        .endsWith(o.path("tokens").get(last).asText());
            }
        }
        assertThat(spans).as("the tagger found some chunks").isPositive();
        assertThat(all.get(lines.size() - 1).path("tags")).hasSize(lines.get(lines.size() - 1).split(" ").length);

        // offsets are in code points: a word after an emoji
        JsonNode u = json(post(client, base, "/predict", body(java.util.Map.of("inputs", "\uD83D\uDE00 john smith",
                "model", "tag"))));
        assertThat(u.path("tokens").get(1).asText()).isEqualTo("john");
        for (JsonNode s : u.path("spans")) {
            String text = "\uD83D\uDE00 john smith";
            int from = text.offsetByCodePoints(0, s.path("start").asInt());
            int to = text.offsetByCodePoints(0, s.path("end").asInt());
            assertThat(text.substring(from, to)).isEqualTo(s.path("text").asText());
        }
    }

    // ------------------------------------------------------------------ concurrency

    @Test
    void concurrentCallersEachGetTheirOwnResults() throws Exception {
        List<String> texts = sentences(96, 41);
        float[][] expected = offlineEmbeddings(texts, true);
        List<String> clfTexts = sentences(32, 42);
        List<JsonNode> expectedLabels = offlinePredictions(models.classifier, clfTexts);
        String before = server.metricsText();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                int client0 = c;
                futures.add(pool.submit(() -> {
                    Random r = new Random(client0);
                    for (int k = 0; k < 8; k++) {
                        int i = r.nextInt(texts.size());
                        int n = 1 + r.nextInt(3);
                        List<String> part = new ArrayList<>();
                        for (int j = 0; j < n; j++) {
                            part.add(texts.get((i + j) % texts.size()));
                        }
                        HttpResponse<String> resp = post(client, base, "/embed",
                                body(java.util.Map.of("inputs", part)));
                        assertThat(resp.statusCode()).isEqualTo(200);
                        JsonNode v = json(resp);
                        for (int j = 0; j < n; j++) {
                            assertThat(floats(v.get(j))).containsExactly(expected[(i + j) % texts.size()]);
                        }
                        int q = r.nextInt(clfTexts.size());
                        JsonNode p = json(post(client, base, "/predict",
                                body(java.util.Map.of("inputs", clfTexts.get(q)))));
                        assertThat(p.get(0).path("label").asText())
                                .isEqualTo(expectedLabels.get(q).path("label").asText());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // the batcher did gather several requests into one forward pass
        double batches = sample(server.metricsText(), "graft_batch_inputs_count{model=\"enc\"}")
                - sample(before, "graft_batch_inputs_count{model=\"enc\"}");
        double inputs = sample(server.metricsText(), "graft_batch_inputs_sum{model=\"enc\"}")
                - sample(before, "graft_batch_inputs_sum{model=\"enc\"}");
        assertThat(inputs).isEqualTo(16 * 8 * 2.0, org.assertj.core.api.Assertions.offset(16 * 8 * 1.0));
        assertThat(inputs / batches).as("inputs per batch").isGreaterThan(2.5);
    }

    static double sample(String metrics, String series) {
        for (String line : metrics.lines().toList()) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ bad requests

    @Test
    void badRequestsGetOneLineReasonsAndTheServerStaysUp() throws Exception {
        String[][] cases = {
            // body, path, expected status, a word of the reason
            {"{\"inputs\": [\"a\"", "/embed", "400", "malformed JSON"},
            {"{\"inputs\": \"a\"} trailing", "/embed", "400", "malformed JSON"},
            {"[\"a\"]", "/embed", "400", "JSON object"},
            {"", "/embed", "400", "empty"},
            {"{}", "/embed", "400", "no \"inputs\""},
            {"{\"inputs\": 3}", "/embed", "400", "string or an array"},
            {"{\"inputs\": [\"a\", 3]}", "/embed", "400", "inputs[1] must be a string"},
            {"{\"inputs\": [[\"a\", \"b\"]]}", "/predict", "400", "pairs"},
            {"{\"inputs\": []}", "/embed", "400", "empty array"},
            {"{\"inputs\": \"\"}", "/embed", "400", "empty string"},
            {"{\"inputs\": \"a\", \"normalize\": \"yes\"}", "/embed", "400", "true or false"},
            {"{\"inputs\": \"a\", \"model\": 7}", "/embed", "400", "must be a string"},
            {"{\"inputs\": \"a\", \"model\": \"clf\"}", "/embed", "400", "is a classifier"},
            {"{\"inputs\": \"a\", \"model\": \"enc\"}", "/predict", "400", "is a embedding"},
            {"{\"inputs\": \"a\", \"model\": \"nope\"}", "/predict", "404", "not served"},
            {"{\"input\": [1, 2, 3]}", "/v1/embeddings", "400", "token ids"},
            {"{\"input\": \"a\", \"encoding_format\": \"hex\"}", "/v1/embeddings", "400", "encoding_format"},
            {"{\"input\": \"a\", \"dimensions\": 8}", "/v1/embeddings", "400", "dimensions"},
            {"{\"inputs\": \"a\"}", "/nothing", "404", "no endpoint"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post(client, base, c[1], c[0]);
            assertThat(r.statusCode()).as(c[0] + " -> " + r.body()).isEqualTo(Integer.parseInt(c[2]));
            assertThat(r.body()).as(c[0]).doesNotContain("\n");
            JsonNode e = json(r);
            if (c[1].startsWith("/v1/")) {
                assertThat(e.path("error").path("message").asText()).contains(c[3]);
                assertThat(e.path("error").path("type").asText()).isEqualTo("invalid_request_error");
            } else {
                assertThat(e.path("error").asText()).contains(c[3]);
                assertThat(e.path("error_type").asText()).isEqualTo("Validation");
            }
        }
        // too many inputs
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 33; i++) {
            many.add("good film");
        }
        HttpResponse<String> r = post(client, base, "/embed", body(java.util.Map.of("inputs", many)));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("error").asText()).contains("33 texts", "32");
        // wrong method
        HttpResponse<String> g = get(client, base, "/embed");
        assertThat(g.statusCode()).isEqualTo(405);
        assertThat(g.headers().firstValue("Allow")).hasValue("POST");
        // still serving
        assertThat(get(client, base, "/health").statusCode()).isEqualTo(200);
        assertThat(post(client, base, "/embed", "{\"inputs\": \"a good film\"}").statusCode()).isEqualTo(200);
        assertThat(server.metricsText()).contains("graft_errors_total{endpoint=\"/embed\",code=\"400\"}");
    }

    @Test
    void oversizedBodiesAre413() throws Exception {
        String big = "{\"inputs\": \"" + "good ".repeat(1000) + "\"}"; // > 4096 bytes
        HttpResponse<String> r = post(client, base, "/embed", big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).path("error").asText()).contains("4096");
        // without a Content-Length (chunked), the limit holds while reading
        HttpRequest chunked = HttpRequest.newBuilder(base.resolve("/embed")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        big.getBytes(java.nio.charset.StandardCharsets.UTF_8)))).build();
        HttpResponse<String> c = client.send(chunked, HttpResponse.BodyHandlers.ofString());
        assertThat(c.statusCode()).isEqualTo(413);
        assertThat(get(client, base, "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void overLengthInputsAre413UnlessTruncated() throws Exception {
        String longText = "the movie was really good and the plot was great ".repeat(4); // > 32 tokens
        HttpResponse<String> r = post(client, base, "/embed", body(java.util.Map.of("inputs", longText)));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).path("error").asText()).contains("more than the 32", "truncate");
        HttpResponse<String> t = post(client, base, "/embed", body(java.util.Map.of("inputs", longText,
                "truncate", true)));
        assertThat(t.statusCode()).isEqualTo(200);
        // truncated as graft embed truncates
        assertThat(floats(json(t).get(0))).containsExactly(offlineEmbeddings(List.of(longText), true)[0]);
        // OpenAI answers 400 with its error object
        HttpResponse<String> o = post(client, base, "/v1/embeddings", body(java.util.Map.of("input", longText)));
        assertThat(o.statusCode()).isEqualTo(400);
        assertThat(json(o).path("error").path("code").asText()).isEqualTo("context_length_exceeded");
        // classification: 413, or the truncated prediction graft predict gives
        HttpResponse<String> c = post(client, base, "/predict", body(java.util.Map.of("inputs", longText)));
        assertThat(c.statusCode()).isEqualTo(413);
        JsonNode ct = json(post(client, base, "/predict", body(java.util.Map.of("inputs", longText,
                "truncate", true))));
        JsonNode expected = offlinePredictions(models.classifier, List.of(longText)).get(0);
        assertThat(ct.get(0).path("label").asText()).isEqualTo(expected.path("label").asText());
        assertThat(server.metricsText()).contains("graft_truncated_inputs_total{model=\"enc\"}");
    }

    @Test
    void slowAndVanishingClientsDoNotStallOthers() throws Exception {
        String request = "{\"inputs\": \"a good film\"}";
        byte[] bytes = request.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String head = "POST /embed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n";
        try (java.net.Socket slow = new java.net.Socket(base.getHost(), base.getPort())) {
            slow.setSoTimeout(10_000);
            // a client that sends half its body and stalls holds only its own thread
            slow.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            slow.getOutputStream().write(bytes, 0, bytes.length / 2);
            slow.getOutputStream().flush();
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                assertThat(post(client, base, "/embed", request).statusCode()).isEqualTo(200);
                assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
            }
            // clients that send a whole request and leave before the answer
            for (int i = 0; i < 5; i++) {
                try (java.net.Socket gone = new java.net.Socket(base.getHost(), base.getPort())) {
                    gone.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    gone.getOutputStream().write(bytes);
                    gone.getOutputStream().flush();
                }
            }
            // the stalled client finishes its body late and still gets its answer
            slow.getOutputStream().write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
            slow.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(slow.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertThat(status).isEqualTo("HTTP/1.1 200 OK");
        }
        // an odd request line ("OPTIONS *") is answered 404 like any unknown path
        try (java.net.Socket odd = new java.net.Socket(base.getHost(), base.getPort())) {
            odd.setSoTimeout(10_000);
            odd.getOutputStream().write("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            odd.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(odd.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertThat(status).isEqualTo("HTTP/1.1 404 Not Found");
        }
        assertThat(post(client, base, "/embed", request).statusCode()).isEqualTo(200);
        assertThat(get(client, base, "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        post(client, base, "/embed", "{\"inputs\": [\"a good film\", \"bad\"]}");
        HttpResponse<String> r = get(client, base, "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        String m = r.body();
        assertThat(m).contains("# TYPE graft_requests_total counter", "# TYPE graft_request_duration_seconds histogram",
                "# TYPE graft_queue_depth gauge", "graft_queue_depth{model=\"enc\"} ",
                "# TYPE graft_batch_inputs histogram", "graft_batch_inputs_bucket{model=\"enc\",le=\"+Inf\"}",
                "# TYPE graft_tokens_total counter", "graft_tokens_total{model=\"enc\"}",
                "graft_tokens_per_second{model=\"enc\"}", "graft_requests_total{endpoint=\"/embed\",code=\"200\"}",
                "graft_request_duration_seconds_bucket{endpoint=\"/embed\",le=\"0.001\"}");
        // every sample line is NAME{labels} VALUE or NAME VALUE with a number
        for (String line : m.lines().toList()) {
            if (line.startsWith("#")) {
                assertThat(line).matches("# (HELP|TYPE) graft_[a-z_]+ .+");
                continue;
            }
            assertThat(line).matches("graft_[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*})? -?[0-9.E+-]+");
        }
        // histogram buckets are cumulative
        double prev = -1;
        for (String line : m.lines().filter(l -> l.startsWith("graft_batch_inputs_bucket{model=\"enc\"")).toList()) {
            double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            assertThat(v).isGreaterThanOrEqualTo(prev);
            prev = v;
        }
        assertThat(prev).isEqualTo(sample(m, "graft_batch_inputs_count{model=\"enc\"}"));
    }
}
