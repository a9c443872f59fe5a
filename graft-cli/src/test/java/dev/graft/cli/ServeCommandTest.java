package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.Checkpoint;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft serve} as a user runs it: a separate JVM started with the command line, answering with
 * the exact text of {@code graft embed} and the predictions of {@code graft predict}, stopped by SIGTERM;
 * bad options; and {@code graft bench serve} on a tiny model.
 */
class ServeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] POS = {"good", "great", "excellent", "lovely"};
    private static final String[] NEG = {"bad", "awful", "terrible", "boring"};
    private static final String[] FILL = {"the", "movie", "was", "plot", "really", "and", "a", "film", "story"};

    @TempDir
    static Path dir;
    static Path encoder;
    static Path classifier;
    static List<String> sentences = new ArrayList<>();

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(new byte[0]));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    /** A tiny encoder (random weights, 32 positions) and a classifier fine-tuned from it with graft finetune. */
    @BeforeAll
    static void models() throws IOException {
        Random r = new Random(3);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 80; i++) {
            boolean pos = i % 2 == 0;
            StringBuilder s = new StringBuilder();
            int len = 3 + r.nextInt(6);
            int at = r.nextInt(len);
            for (int w = 0; w < len; w++) {
                s.append(w > 0 ? " " : "").append(w == at ? (pos ? POS : NEG)[r.nextInt(4)] : FILL[r.nextInt(9)]);
            }
            sentences.add(s.toString());
            jsonl.append("{\"text\": \"").append(s).append("\", \"label\": \"").append(pos ? "positive" : "negative")
                    .append("\"}\n");
        }
        Tokenizer tokenizer = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 90)
                .withMinimumFrequency(1), sentences).tokenizer();
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.ENCODER, tokenizer.vocabularySize(), 32, 2, 4,
                37, 32, 2, 1e-12f, 0.1f, 0.1f, GeluForm.ERF, 0.02f, tokenizer.specialTokens().padding().orElse(0));
        Compute compute = Compute.create(1);
        LanguageModel lm = new LanguageModel(compute, config, 1);
        encoder = dir.resolve("enc");
        Checkpoint.save(encoder, config, "BertForMaskedLM", lm.parameterSet(), null,
                staged -> tokenizer.save(staged.resolve(Checkpoint.TOKENIZER)));
        compute.parallel().close();
        Path train = Files.writeString(dir.resolve("train.jsonl"), jsonl.toString());
        classifier = dir.resolve("clf");
        Run ft = run("finetune", "--task", "classify", "--from", encoder.toString(), "--train", train.toString(),
                "--epochs", "1", "--threads", "1", "--out", classifier.toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
    }

    @Test
    void aServerProcessAnswersAsGraftEmbedAndGraftPredictAndStopsOnSigterm() throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(javaBin, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(ChildJvm.launch(Main.class));
        command.addAll(List.of("serve", "--model", "enc=" + encoder, "--model", "clf=" + classifier,
                "--port", "0", "--threads", "1", "--max-wait-ms", "5"));
        Path errFile = dir.resolve("serve.err");
        Process p = new ProcessBuilder(command).redirectError(errFile.toFile()).start();
        // the stdout reader on a thread of its own (the common pool may have a single thread on a small machine)
        java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            java.util.concurrent.Future<String> first = readers.submit(() -> out.readLine());
            String line;
            try {
                line = first.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException timeout) {
                p.destroyForcibly();
                throw new AssertionError("no 'listening on' within 60 s; command " + command + "; stderr: "
                        + Files.readString(errFile));
            }
            assertThat(line).as("first line of stdout")
                    .startsWith("listening on http://127.0.0.1:");
            URI base = URI.create(line.substring("listening on ".length()));
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

            // /embed answers the very text graft embed prints, vector by vector
            List<String> texts = sentences.subList(0, 12);
            HttpResponse<String> e = client.send(HttpRequest.newBuilder(base.resolve("/embed"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
                            JSON.writeValueAsString(Map.of("inputs", texts, "normalize", false)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(e.statusCode()).as(e.body()).isEqualTo(200);
            Path input = Files.write(dir.resolve("lines.txt"), texts);
            Run embed = run("embed", "--model", encoder.toString(), "--input", input.toString(), "--threads", "1");
            assertThat(embed.exit()).as(embed.err()).isZero();
            String body = e.body();
            assertThat(body).startsWith("[[").endsWith("]]");
            String[] vectors = body.substring(1, body.length() - 1).split("(?<=]),(?=\\[)");
            assertThat(vectors).containsExactly(embed.out().lines().toArray(String[]::new));

            // /predict gives graft predict's labels and probabilities for the same lines
            HttpResponse<String> pr = client.send(HttpRequest.newBuilder(base.resolve("/predict"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
                            JSON.writeValueAsString(Map.of("inputs", texts)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(pr.statusCode()).as(pr.body()).isEqualTo(200);
            Run predict = run("predict", "--model", classifier.toString(), "--input", input.toString(), "--threads",
                    "1");
            assertThat(predict.exit()).as(predict.err()).isZero();
            List<String> offline = predict.out().lines().toList();
            JsonNode served = JSON.readTree(pr.body());
            for (int i = 0; i < texts.size(); i++) {
                JsonNode o = JSON.readTree(offline.get(i));
                assertThat(served.get(i).get(0).path("label").asText()).isEqualTo(o.path("label").asText());
                for (JsonNode s : served.get(i)) {
                    float score = Float.parseFloat(s.path("score").asText());
                    assertThat(Math.round(score * 1e6) / 1e6)
                            .isEqualTo(o.path("probabilities").path(s.path("label").asText()).doubleValue());
                }
            }

            // SIGTERM: the shutdown hook drains and the process exits
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
            assertThat(p.exitValue()).isEqualTo(143); // 128 + SIGTERM: the JVM's exit on the signal
            assertThat(Files.readString(errFile)).contains("graft serve: model enc (embedding, 32 tokens, "
                    + "32 dimensions)", "shutting down", "graft serve: stopped");
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            readers.shutdownNow();
        }
    }

    @Test
    void badOptionsAreExit2WithAReason() {
        Run noModel = run("serve");
        assertThat(noModel.exit()).isEqualTo(2);
        assertThat(noModel.err()).contains("--model");
        Run port = run("serve", "--model", encoder.toString(), "--port", "70000");
        assertThat(port.exit()).isEqualTo(2);
        assertThat(port.err()).contains("--port must be in [0, 65535] (0 picks a free one), got 70000");
        Run pooling = run("serve", "--model", encoder.toString(), "--port", "0", "--pooling", "max");
        assertThat(pooling.exit()).isEqualTo(2);
        assertThat(pooling.err()).contains("--pooling max");
        Run missing = run("serve", "--model", dir.resolve("nothing").toString(), "--port", "0");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("config.json");
        Run host = run("serve", "--model", encoder.toString(), "--port", "0", "--host", "192.0.2.1");
        assertThat(host.exit()).isEqualTo(2);
        // an address of no interface here (TEST-NET-1, RFC 5737): binding fails, no packet leaves the machine
        assertThat(host.err()).contains("not loopback", "no API key", "cannot listen on 192.0.2.1:0",
                "(another server listening there? --port 0 picks a free one; --host takes an address of this machine)");
        Run twice = run("serve", "--model", "a=" + encoder, "--model", "a=" + classifier, "--port", "0");
        assertThat(twice.exit()).isEqualTo(2);
        // core names the field (models), the command its flag
        assertThat(twice.err()).contains("two model folders are named a: name them apart in --model (NAME=DIR)");
    }

    @Test
    void benchServeReportsThroughputAndPercentiles() {
        Run b = run("bench", "serve", "--model", encoder.toString(), "--clients", "1,4", "--requests", "40",
                "--warmup", "8", "--threads", "1", "--sentences", "20", "--offline");
        assertThat(b.exit()).as(b.err() + b.out()).isZero();
        assertThat(b.out()).contains("clients 1: 40 requests (0 errors)", "clients 4: 40 requests (0 errors)",
                "p50", "p95", "p99", "offline:", "clients 4: server/offline throughput");
        // the server's line counts the measured requests only, not the warm-up's
        assertThat(b.out().lines().filter(l -> l.startsWith("  server: ")).toList()).hasSize(2)
                .allMatch(l -> l.startsWith("  server: 40 inputs in ") && l.contains("1 workers busy"));
        Run c = run("bench", "serve", "--model", classifier.toString(), "--clients", "2", "--requests", "20",
                "--warmup", "4", "--threads", "1", "--sentences", "10");
        assertThat(c.exit()).as(c.err() + c.out()).isZero();
        assertThat(c.out()).contains("to /predict", "clients 2: 20 requests (0 errors)", "  server: 20 inputs in ");
    }

    /** With --url and no --endpoint, the load generator asks the running server's /info what it serves. */
    @Test
    void benchServeAgainstARunningServerPicksTheEndpointItsModelTakes() throws Exception {
        for (Path model : List.of(classifier, encoder)) {
            try (dev.graft.serve.InferenceServer server = dev.graft.serve.InferenceServer.start(
                    List.of(dev.graft.serve.ModelSpec.parse(model.toString())),
                    dev.graft.serve.ServeSettings.defaults(1).withPort(0).withApiKey("k3y"), null, "test")) {
                Run b = run("bench", "serve", "--url", server.uri().toString(), "--api-key", "k3y", "--clients", "2",
                        "--requests", "10", "--warmup", "0", "--sentences", "5");
                assertThat(b.exit()).as(b.err() + b.out()).isZero();
                assertThat(b.out()).contains(model == classifier ? "to /predict" : "to /embed",
                        "clients 2: 10 requests (0 errors)");
                Run noKey = run("bench", "serve", "--url", server.uri().toString(), "--clients", "2",
                        "--requests", "10", "--warmup", "0", "--sentences", "5");
                assertThat(noKey.exit()).isNotZero();
                assertThat(noKey.err()).contains("/info answered 401", "give --api-key or set GRAFT_API_KEY");
            }
        }
    }
}
