package dev.graft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Pooling;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;

import static dev.graft.serve.ServeFixtures.get;
import static dev.graft.serve.ServeFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Back-pressure, shutdown and the API key, each on a server of its own: the forward passes are held
 * back by taking the server's compute lock, so a queue fills and requests stay in flight for as long
 * as the test needs.
 */
class ServerLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static ServeFixtures models;

    @BeforeAll
    static void fixtures() throws IOException {
        models = ServeFixtures.make(dir);
    }

    private static InferenceServer start(ServeSettings settings) throws IOException {
        return InferenceServer.start(List.of(new ModelSpec("enc", models.encoder)), settings,
                Pooling.MEAN, "test");
    }

    private static ServeSettings settings() {
        return ServeSettings.defaults(1).withPort(0).withBatching(4096, 0);
    }

    /** Waits (at most 10 s) for a condition the server reaches on its own. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(HttpClient client, URI base, String body) {
        return client.sendAsync(HttpRequest.newBuilder(base.resolve("/embed")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFullQueueAnswers429AtOnce() throws Exception {
        InferenceServer server = start(settings().withLimits(2, 32, 4096));
        HttpClient client = ServeFixtures.client();
        ReentrantReadWriteLock.WriteLock compute = server.computeGate().writeLock();
        List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
        try {
            compute.lock();
            try {
                accepted.add(postAsync(client, server.uri(), "{\"inputs\": \"a good film\"}"));
                await("the first batch to wait for the compute lock", server.computeGate()::hasQueuedThreads);
                accepted.add(postAsync(client, server.uri(), "{\"inputs\": \"a bad film\"}"));
                accepted.add(postAsync(client, server.uri(), "{\"inputs\": \"the plot\"}"));
                await("two queued requests", () -> server.queueDepth("enc") == 2);
                long t0 = System.nanoTime();
                HttpResponse<String> refused = post(client, server.uri(), "/embed", "{\"inputs\": \"one more\"}");
                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat((System.nanoTime() - t0) / 1e9).as("answered at once, not after the queue").isLessThan(5);
                assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
                JsonNode e = JSON.readTree(refused.body());
                assertThat(e.path("error_type").asText()).isEqualTo("Overloaded");
                assertThat(e.path("error").asText()).contains("queued");
                HttpResponse<String> openAi = post(client, server.uri(), "/v1/embeddings", "{\"input\": \"x\"}");
                assertThat(openAi.statusCode()).isEqualTo(429);
                assertThat(JSON.readTree(openAi.body()).path("error").path("type").asText())
                        .isEqualTo("rate_limit_error");
                assertThat(accepted).noneMatch(CompletableFuture::isDone);
            } finally {
                compute.unlock();
            }
            for (CompletableFuture<HttpResponse<String>> f : accepted) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(r.body()).get(0)).hasSize(16);
            }
            assertThat(server.metricsText()).contains("graft_requests_total{endpoint=\"/embed\",code=\"429\"} 1");
            // the queue drained: new requests are served again
            assertThat(post(client, server.uri(), "/embed", "{\"inputs\": \"again\"}").statusCode()).isEqualTo(200);
        } finally {
            server.close();
        }
    }

    @Test
    void shutdownStopsAcceptingAndFinishesWhatIsInFlight() throws Exception {
        InferenceServer server = start(settings().withTimeouts(20, 60));
        URI base = server.uri();
        HttpClient client = ServeFixtures.client();
        ReentrantReadWriteLock.WriteLock compute = server.computeGate().writeLock();
        List<String> texts = List.of("a good film", "a bad film", "the plot was great", "awful", "really lovely");
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        Thread closer = new Thread(server::close, "closer");
        compute.lock();
        try {
            inFlight.add(postAsync(client, base, "{\"inputs\": \"" + texts.get(0) + "\"}"));
            await("the first batch to wait for the compute lock", server.computeGate()::hasQueuedThreads);
            for (int i = 1; i < texts.size(); i++) {
                inFlight.add(postAsync(client, base, "{\"inputs\": \"" + texts.get(i) + "\"}"));
            }
            await("four queued requests", () -> server.queueDepth("enc") == 4);
            closer.start();
            // the listener closes: a new connection is refused
            await("new connections to be refused", () -> {
                try {
                    get(ServeFixtures.client(), base, "/health");
                    return false;
                } catch (ConnectException e) {
                    return true;
                } catch (IOException e) {
                    return e.getCause() instanceof ConnectException;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(closer.isAlive()).as("close waits for the requests in flight").isTrue();
            assertThat(inFlight).noneMatch(CompletableFuture::isDone);
        } finally {
            compute.unlock();
        }
        for (int i = 0; i < texts.size(); i++) {
            HttpResponse<String> r = inFlight.get(i).get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).get(0)).hasSize(16);
        }
        closer.join(TimeUnit.SECONDS.toMillis(20));
        assertThat(closer.isAlive()).as("close returned").isFalse();
        assertThatThrownBy(() -> get(ServeFixtures.client(), base, "/health")).isInstanceOf(IOException.class);
        server.close(); // idempotent
    }

    @Test
    void aClientThatLeftMidBodyDoesNotDelayShutdown() throws Exception {
        InferenceServer server = start(settings().withTimeouts(20, 60));
        URI base = server.uri();
        try (java.net.Socket s = new java.net.Socket(base.getHost(), base.getPort())) {
            s.getOutputStream().write(("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inp")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            Thread.sleep(200); // the handler is reading the body
        } // and the client leaves without the rest
        await("the abandoned request to end", () -> server.metricsText().contains("code=\"499\""));
        long t0 = System.nanoTime();
        server.close();
        // the JDK's HttpServer.stop alone would wait the whole drain time (20 s) for that exchange
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
        assertThatThrownBy(() -> get(ServeFixtures.client(), base, "/health")).isInstanceOf(IOException.class);
    }

    @Test
    void theApiKeyGuardsAllButHealth() throws Exception {
        InferenceServer server = start(settings().withApiKey("s3cret-key"));
        HttpClient client = ServeFixtures.client();
        URI base = server.uri();
        try {
            assertThat(get(client, base, "/health").statusCode()).isEqualTo(200);
            for (String path : List.of("/info", "/metrics", "/v1/models")) {
                HttpResponse<String> r = get(client, base, path);
                assertThat(r.statusCode()).as(path).isEqualTo(401);
                assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                assertThat(get(client, base, path, "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
                assertThat(get(client, base, path, "Authorization", "Bearer s3cret-key").statusCode()).isEqualTo(200);
            }
            String body = "{\"inputs\": \"a good film\"}";
            HttpResponse<String> none = post(client, base, "/embed", body);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(none.body()).path("error").asText()).contains("Authorization: Bearer");
            assertThat(post(client, base, "/embed", body, "Authorization", "Basic czNjcmV0LWtleQ==").statusCode())
                    .isEqualTo(401);
            assertThat(post(client, base, "/embed", body, "Authorization", "Bearer s3cret-key").statusCode())
                    .isEqualTo(200);
            HttpResponse<String> openAi = post(client, base, "/v1/embeddings", "{\"input\": \"x\"}");
            assertThat(openAi.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(openAi.body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");
            assertThat(post(client, base, "/v1/embeddings", "{\"input\": \"x\"}", "Authorization",
                    "Bearer s3cret-key").statusCode()).isEqualTo(200);
        } finally {
            server.close();
        }
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> ServeSettings.defaults(1).withPort(70000))
                .hasMessage("port must be in [0, 65535] (0 picks a free one), got 70000");
        assertThatThrownBy(() -> ServeSettings.defaults(0)).hasMessageContaining("threads");
        assertThatThrownBy(() -> ServeSettings.defaults(1).withWorkers(2))
                .hasMessage("workers (2) must be at most threads (1): each forward pass needs a thread");
        assertThat(ServeSettings.defaults(4).workers()).isEqualTo(4);
        assertThatThrownBy(() -> ServeSettings.defaults(1).withApiKey(" ")).hasMessageContaining("apiKey is empty");
        assertThatThrownBy(() -> ServeSettings.defaults(1).withLimits(0, 32, 10)).hasMessageContaining("maxQueue must be > 0");
        assertThat(ServeSettings.defaults(1).loopbackOnly()).isTrue();
        assertThat(ModelSpec.parse("clf=runs/x").name()).isEqualTo("clf");
        assertThat(ModelSpec.parse("runs/my model").name()).isEqualTo("my-model");
        assertThatThrownBy(() -> new ModelSpec("bad name!", Path.of("x"))).hasMessageContaining("NAME=DIR");
    }
}
